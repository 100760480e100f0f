// InProcBus: shared envelopes posted to each subscriber's loop.
#include "bus/inproc_bus.hpp"

#include <boost/asio/post.hpp>

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
    for (const auto& s : t.subscribers) {
        s.depth->fetch_add(1, std::memory_order_relaxed);
        boost::asio::post(s.executor,
                          [shared, handler = s.handler, depth = s.depth, live = s.live] {
                              depth->fetch_sub(1, std::memory_order_relaxed);
                              if (live->load(std::memory_order_acquire)) (*handler)(*shared);
                          });
    }
    return shared->seq;
}

Subscription InProcBus::subscribe(std::string_view topic, std::string_view subscriber,
                                  boost::asio::any_io_executor executor, Handler handler) {
    std::lock_guard lock{mutex_};
    const std::uint64_t id = next_id_++;
    auto live = std::make_shared<std::atomic<bool>>(true);
    topics_[std::string{topic}].subscribers.push_back(
        Subscriber{id, std::string{subscriber}, std::move(executor),
                   std::make_shared<Handler>(std::move(handler)),
                   std::make_shared<std::atomic<std::int64_t>>(0), live});
    return Subscription{[this, id, live, name = std::string{topic}] {
        live->store(false, std::memory_order_release);
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
            out.push_back({name, s.name, s.depth->load(std::memory_order_relaxed)});
        }
    }
    return out;
}

}  // namespace meridian::bus
