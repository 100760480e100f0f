// OrderWriter: the execution service's durable writes, batched into group commits.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <boost/asio/any_io_executor.hpp>

#include "bus/bus.hpp"
#include "store/store.hpp"

namespace meridian::services {

/// Runs store writes on its own thread, in submission order. Whatever is queued while a commit
/// runs goes into the next transaction together, so under load many orders share one fsync.
/// Each job's completion is posted to the executor given with it, after its transaction is
/// durable. Thread-safe.
///
/// The outbox relay: jobs put the events their change causes in the store's outbox, in the
/// same transaction; after each commit this thread publishes the new outbox events on the bus,
/// in order, and once the bus has them (flush) removes them in a later transaction. Events
/// left by a crash are published when it starts. Subscribers may see an event twice (a crash
/// after publishing, before removing), never a change that was not kept, and never miss one.
class OrderWriter {
public:
    using Job = std::function<core::Result<void>(store::OrderStore&)>;
    using Done = std::function<void(core::Result<void>)>;

    /// Without a bus, nothing is published (outbox events stay in the store).
    explicit OrderWriter(store::OrderStore& store, bus::Bus* bus = nullptr);
    ~OrderWriter();
    OrderWriter(const OrderWriter&) = delete;
    OrderWriter& operator=(const OrderWriter&) = delete;

    /// `durable` false: the job's change may be taken back by a crash because it is made again
    /// on restart; a batch of only such jobs commits without waiting for the disk.
    void submit(Job job, boost::asio::any_io_executor executor, Done done, bool durable = true);
    /// Writes everything queued, then stops the thread.
    void stop();
    /// Transactions committed so far (for metrics).
    std::uint64_t commits() const;

private:
    struct Item {
        Job job;
        boost::asio::any_io_executor executor;
        Done done;
        bool durable = true;
    };
    void run();
    /// Publishes the outbox events after the last published one.
    void publish_outbox();

    store::OrderStore& store_;
    bus::Bus* bus_;
    std::int64_t published_ = 0;  // the last outbox id published (this thread only)
    std::int64_t removed_ = 0;    // the last outbox id removed (this thread only)
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    std::uint64_t commits_ = 0;
    std::thread thread_;
};

}  // namespace meridian::services
