// OrderWriter: a queue drained into one transaction per batch.
#include "services/execution/order_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "services/common/service.hpp"

namespace meridian::services {

OrderWriter::OrderWriter(store::OrderStore& store, bus::Bus* bus, Metrics* metrics)
    : store_{store}, bus_{bus}, metrics_{metrics} {
    if (metrics_) {
        metrics_->counter("meridian_store_commits_total",
                          "Transactions of the order store's writer (group commits).");
        metrics_->histogram("meridian_store_commit_seconds",
                            "Time of one group commit: its writes, their outbox rows and the "
                            "commit itself (the fsync, when durable).",
                            {},
                            {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01,
                             0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1});
        metrics_->histogram("meridian_store_commit_writes", "Writes batched into one commit.", {},
                            {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
        metrics_->histogram("meridian_store_write_seconds",
                            "From a write's submission to the end of the commit that kept it "
                            "(queueing included).",
                            {},
                            {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01,
                             0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1});
    }
    thread_ = std::thread{[this] {
        name_this_thread("orders-writer");
        run();
    }};
}

OrderWriter::~OrderWriter() {
    stop();
}

void OrderWriter::submit(Job job, boost::asio::any_io_executor executor, Done done, bool durable) {
    {
        std::lock_guard lock{mutex_};
        queue_.push_back(Item{std::move(job),
                              std::move(executor),
                              std::move(done),
                              durable,
                              std::chrono::steady_clock::now(),
                              {},
                              {}});
    }
    wake_.notify_one();
}

void OrderWriter::stop() {
    {
        std::lock_guard lock{mutex_};
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void OrderWriter::measure(const std::deque<Item>& batch,
                          std::chrono::steady_clock::time_point begun,
                          std::chrono::steady_clock::time_point ended) {
    if (!metrics_) return;
    using Seconds = std::chrono::duration<double>;
    metrics_->inc("meridian_store_commits_total");
    metrics_->observe("meridian_store_commit_seconds", {}, Seconds(ended - begun).count());
    metrics_->observe("meridian_store_commit_writes", {}, static_cast<double>(batch.size()));
    for (const auto& item : batch) {
        metrics_->observe("meridian_store_write_seconds", {},
                          Seconds(ended - item.submitted).count());
    }
}

void OrderWriter::publish(const std::string& topics, const std::string& type,
                          boost::json::object data) {
    std::vector<std::string_view> each;
    for (std::string_view rest = topics;;) {
        const auto comma = rest.find(',');
        each.push_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    if (each.size() == 1) {
        bus_->publish(each.front(), type, std::move(data));
    } else {
        bus_->publish_each(each, type, std::move(data));
    }
}

void OrderWriter::publish_outbox() {
    if (!bus_) return;
    for (;;) {
        auto events = store_.events_after(published_, 1000);
        if (!events) {
            std::fprintf(stderr, "execution: cannot read the outbox: %s\n",
                         events.error().message.c_str());
            return;  // tried again after the next commit
        }
        for (const auto& e : *events) {
            boost::system::error_code ec;
            auto payload = boost::json::parse(e.payload, ec);
            if (!ec && payload.is_object()) {
                publish(e.topic, e.type, std::move(payload.as_object()));
            } else {
                std::fprintf(stderr, "execution: outbox event %lld is not JSON; skipped\n",
                             static_cast<long long>(e.id));
            }
            published_ = e.id;
        }
        if (events->size() < 1000) return;
    }
}

core::Result<void> OrderWriter::apply(Item& item) {
    item.events.clear();  // from an attempt rolled back
    item.ids.clear();
    return store_.transaction([&]() -> core::Result<void> {
        if (auto ok = item.job(store_, item.events); !ok) return ok;
        item.ids.reserve(item.events.size());
        for (const auto& e : item.events) {
            auto id = store_.enqueue_event(e.topic, e.type, boost::json::serialize(e.data), e.at);
            if (!id) return id.error();
            item.ids.push_back(*id);
        }
        return {};
    });
}

void OrderWriter::run() {
    publish_outbox();  // what a crash left behind
    for (;;) {
        std::deque<Item> batch;
        {
            std::unique_lock lock{mutex_};
            // Published events not yet removed: wake up to remove them even when idle.
            if (published_ > removed_) {
                wake_.wait_for(lock, std::chrono::milliseconds(100),
                               [this] { return stopping_ || !queue_.empty(); });
            } else {
                wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            }
            if (queue_.empty() && stopping_) return;
            batch.swap(queue_);
        }
        // Events the bus has accepted leave the outbox in this transaction.
        const std::int64_t remove_through =
            bus_ && published_ > removed_ && bus_->flush(std::chrono::milliseconds(0)) ? published_
                                                                                       : 0;
        if (batch.empty() && remove_through == 0) continue;
        std::vector<core::Result<void>> results;
        results.reserve(batch.size());
        const bool durable =
            std::any_of(batch.begin(), batch.end(), [](const Item& i) { return i.durable; });
        const auto commit =
            durable ? store::OrderStore::Commit::Durable : store::OrderStore::Commit::Relaxed;
        const auto begun = std::chrono::steady_clock::now();
        // One transaction, first without savepoints (on PostgreSQL a savepoint is a
        // subtransaction and two more round trips per call). If a job fails, it is rolled back
        // and runs again with each job in its own savepoint, so that the one that fails (a
        // duplicate client_order_id) fails alone and leaves nothing behind.
        bool a_job_failed = false;
        auto attempt = [&](store::OrderStore::Savepoints savepoints) {
            const bool isolated = savepoints == store::OrderStore::Savepoints::PerCall;
            results.clear();
            return store_.transaction(
                [&]() -> core::Result<void> {
                    for (auto& item : batch) {
                        auto r = apply(item);
                        if (!r && !isolated) {
                            a_job_failed = true;
                            return r;
                        }
                        results.push_back(std::move(r));
                    }
                    if (remove_through > 0) return store_.remove_events_through(remove_through);
                    return {};
                },
                commit, savepoints);
        };
        auto committed = attempt(store::OrderStore::Savepoints::None);
        if (a_job_failed) committed = attempt(store::OrderStore::Savepoints::PerCall);
        const auto ended = std::chrono::steady_clock::now();
        if (committed && remove_through > 0) removed_ = remove_through;
        std::vector<bool> kept(batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
            kept[i] = committed && results[i];
            core::Result<void> r = committed ? std::move(results[i]) : committed;
            if (!batch[i].done) continue;
            boost::asio::post(batch[i].executor,
                              [done = std::move(batch[i].done), r = std::move(r)]() mutable {
                                  done(std::move(r));
                              });
        }
        measure(batch, begun, ended);
        if (!bus_) continue;
        // Published from memory, in commit order: what was just written needs no reading back.
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (!kept[i]) continue;
            auto& item = batch[i];
            for (std::size_t k = 0; k < item.events.size(); ++k) {
                auto& e = item.events[k];
                publish(e.topic, e.type, std::move(e.data));
                published_ = item.ids[k];
            }
        }
    }
}

}  // namespace meridian::services
