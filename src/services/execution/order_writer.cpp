// OrderWriter: a queue drained into one transaction per batch.
#include "services/execution/order_writer.hpp"

#include <vector>

#include <boost/asio/post.hpp>

namespace meridian::services {

OrderWriter::OrderWriter(store::OrderStore& store) : store_{store} {
    thread_ = std::thread{[this] { run(); }};
}

OrderWriter::~OrderWriter() {
    stop();
}

void OrderWriter::submit(Job job, boost::asio::any_io_executor executor, Done done) {
    {
        std::lock_guard lock{mutex_};
        queue_.push_back(Item{std::move(job), std::move(executor), std::move(done)});
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

std::uint64_t OrderWriter::commits() const {
    std::lock_guard lock{mutex_};
    return commits_;
}

void OrderWriter::run() {
    for (;;) {
        std::deque<Item> batch;
        {
            std::unique_lock lock{mutex_};
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            batch.swap(queue_);
        }
        std::vector<core::Result<void>> results;
        results.reserve(batch.size());
        // One transaction; a job that fails (a duplicate client_order_id) fails alone, since a
        // failed statement does not undo the others.
        auto committed = store_.transaction([&]() -> core::Result<void> {
            for (auto& item : batch)
                results.push_back(item.job(store_));
            return {};
        });
        {
            std::lock_guard lock{mutex_};
            ++commits_;
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            core::Result<void> r = committed ? std::move(results[i]) : committed;
            if (!batch[i].done) continue;
            boost::asio::post(batch[i].executor,
                              [done = std::move(batch[i].done), r = std::move(r)]() mutable {
                                  done(std::move(r));
                              });
        }
    }
}

}  // namespace meridian::services
