// InProcBus: shared envelopes posted to each subscriber's loop.
#include "bus/inproc_bus.hpp"

#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace meridian::bus {

std::uint64_t InProcBus::publish(std::string_view topic, std::string_view type,
                                 boost::json::object data) {
    auto env = std::make_shared<Envelope>();
    env->topic = std::string{topic};
    env->type = std::string{type};
    env->ts = clock_.now();
    env->data = std::move(data);
    // Sequence and delivery under one lock, so that every subscriber sees the topic in order.
    std::lock_guard lock{mutex_};
    auto& t = topics_[env->topic];
    env->seq = ++t.seq;
    std::shared_ptr<const Envelope> shared = std::move(env);
    deliver(t, shared);
    return shared->seq;
}

void InProcBus::publish_each(std::span<const std::string_view> topics, std::string_view type,
                             boost::json::object data) {
    if (topics.empty()) return;
    auto env = std::make_shared<Envelope>();
    for (std::size_t i = 0; i < topics.size(); ++i) {
        if (i > 0) env->topic += ',';
        env->topic += topics[i];
    }
    env->type = std::string{type};
    env->ts = clock_.now();
    env->data = std::move(data);
    std::lock_guard lock{mutex_};
    std::vector<Topic*> each;
    each.reserve(topics.size());
    for (std::size_t i = 0; i < topics.size(); ++i) {
        auto it = topics_.find(topics[i]);
        if (it == topics_.end()) it = topics_.emplace(std::string{topics[i]}, Topic{}).first;
        const std::uint64_t seq = ++it->second.seq;
        if (i == 0) env->seq = seq;
        each.push_back(&it->second);
    }
    const std::shared_ptr<const Envelope> shared = std::move(env);
    for (const Topic* t : each) {
        deliver(*t, shared);
    }
}

void InProcBus::deliver(const Topic& t, const std::shared_ptr<const Envelope>& env) {
    for (const auto& s : t.subscribers) {
        Mailbox& box = *s.box;
        box.depth.fetch_add(1, std::memory_order_relaxed);
        bool post = false;
        {
            std::lock_guard inner{box.mutex};
            box.queue.push_back(env);
            post = !std::exchange(box.scheduled, true);
        }
        if (post) schedule(s.box);
    }
}

void InProcBus::drain(const std::shared_ptr<Mailbox>& box) {
    {
        std::lock_guard lock{box->mutex};
        box->taking.swap(box->queue);
    }
    for (const auto& env : box->taking) {
        box->depth.fetch_sub(1, std::memory_order_relaxed);
        if (box->live.load(std::memory_order_acquire)) box->handler(*env);
    }
    box->taking.clear();
    bool again = false;
    {
        std::lock_guard lock{box->mutex};
        again = !box->queue.empty();
        box->scheduled = again;
    }
    if (again) schedule(box);
}

void InProcBus::schedule(const std::shared_ptr<Mailbox>& box) {
    if (box->linger.count() == 0) {
        boost::asio::post(box->executor, [box] { drain(box); });
        return;
    }
    // A timer of its own each time: started here, on the publishing thread, it wakes the
    // subscriber's loop only when it expires (a timer object is not shared between threads).
    auto timer = std::make_shared<boost::asio::steady_timer>(box->executor, box->linger);
    timer->async_wait([box, timer](const boost::system::error_code&) { drain(box); });
}

Subscription InProcBus::subscribe(std::string_view topic, std::string_view subscriber,
                                  boost::asio::any_io_executor executor, Handler handler,
                                  std::chrono::milliseconds linger) {
    std::lock_guard lock{mutex_};
    const std::uint64_t id = next_id_++;
    auto box = std::make_shared<Mailbox>(std::move(executor), std::move(handler), linger);
    topics_[std::string{topic}].subscribers.push_back(Subscriber{id, std::string{subscriber}, box});
    return Subscription{[this, id, box, name = std::string{topic}] {
        box->live.store(false, std::memory_order_release);
        std::lock_guard inner{mutex_};
        auto it = topics_.find(name);
        if (it == topics_.end()) return;
        std::erase_if(it->second.subscribers, [id](const Subscriber& s) { return s.id == id; });
    }};
}

std::vector<QueueDepth> InProcBus::queue_depths() const {
    std::lock_guard lock{mutex_};
    std::vector<QueueDepth> out;
    for (const auto& [name, t] : topics_) {
        for (const auto& s : t.subscribers) {
            out.push_back({name, s.name, s.box->depth.load(std::memory_order_relaxed)});
        }
    }
    return out;
}

}  // namespace meridian::bus
