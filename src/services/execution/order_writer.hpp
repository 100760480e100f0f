// OrderWriter: the execution service's durable writes, batched into group commits.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <boost/asio/any_io_executor.hpp>

#include "store/store.hpp"

namespace meridian::services {

/// Runs store writes on its own thread, in submission order. Whatever is queued while a commit
/// runs goes into the next transaction together, so under load many orders share one fsync.
/// Each job's completion is posted to the executor given with it, after its transaction is
/// durable. Thread-safe.
class OrderWriter {
public:
    using Job = std::function<core::Result<void>(store::OrderStore&)>;
    using Done = std::function<void(core::Result<void>)>;

    explicit OrderWriter(store::OrderStore& store);
    ~OrderWriter();
    OrderWriter(const OrderWriter&) = delete;
    OrderWriter& operator=(const OrderWriter&) = delete;

    void submit(Job job, boost::asio::any_io_executor executor, Done done);
    /// Writes everything queued, then stops the thread.
    void stop();
    /// Transactions committed so far (for metrics).
    std::uint64_t commits() const;

private:
    struct Item {
        Job job;
        boost::asio::any_io_executor executor;
        Done done;
    };
    void run();

    store::OrderStore& store_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    std::uint64_t commits_ = 0;
    std::thread thread_;
};

}  // namespace meridian::services
