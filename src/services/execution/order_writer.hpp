// OrderWriter: the execution service's durable writes, batched into group commits.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include "bus/bus.hpp"
#include "services/common/metrics.hpp"
#include "store/store.hpp"

namespace meridian::services {

/// Runs store writes on its own thread, in submission order. Whatever is queued while a commit
/// runs goes into the next transaction together, so under load many orders share one fsync.
/// Each job's completion is posted to the executor given with it, after its transaction is
/// durable. Thread-safe.
///
/// The outbox relay: a job names the events its change causes; they are written to the store's
/// outbox in the job's own savepoint (a job that fails takes its changes and its events with
/// it), and once the transaction commits this thread publishes them on the bus, in commit
/// order, from memory. Once the bus has them (flush) they leave the outbox in a later
/// transaction. Events left by a crash are read back and published when it starts. Subscribers
/// may see an event twice (a crash after publishing, before removing), never a change that was
/// not kept, and never miss one.
class OrderWriter {
public:
    /// An event a job's change causes, published on `topic` once the change is committed.
    struct Event {
        /// One topic, or several separated by commas ("fills,orders"): one outbox row either way.
        std::string topic;
        std::string type;
        boost::json::object data;
        core::Timestamp at;
    };
    using Events = std::vector<Event>;
    /// Makes its change on the store and appends the events it causes to the second argument.
    /// It may run twice (its batch runs again, rolled back, when another job of it fails), so
    /// it must not consume what it holds.
    using Job = std::function<core::Result<void>(store::OrderStore&, Events&)>;
    using Done = std::function<void(core::Result<void>)>;

    /// Without a bus, nothing is published (outbox events stay in the store). With metrics, it
    /// counts its commits and times them (meridian_store_*).
    explicit OrderWriter(store::OrderStore& store, bus::Bus* bus = nullptr,
                         Metrics* metrics = nullptr);
    ~OrderWriter();
    OrderWriter(const OrderWriter&) = delete;
    OrderWriter& operator=(const OrderWriter&) = delete;

    /// `durable` false: the job's change may be taken back by a crash because it is made again
    /// on restart; a batch of only such jobs commits without waiting for the disk.
    void submit(Job job, boost::asio::any_io_executor executor, Done done, bool durable = true);
    /// Writes everything queued, then stops the thread.
    void stop();

private:
    struct Item {
        Job job;
        boost::asio::any_io_executor executor;
        Done done;
        bool durable = true;
        std::chrono::steady_clock::time_point submitted;
        Events events;                  // what the job caused, once it ran
        std::vector<std::int64_t> ids;  // their outbox ids
    };
    void run();
    /// Runs one job, its events written to the outbox with it: in its own savepoint when the
    /// transaction has them.
    core::Result<void> apply(Item& item);
    /// Publishes the outbox events after the last published one (those a crash left).
    void publish_outbox();
    /// Publishes `data` on each of `topics` (comma-separated).
    void publish(const std::string& topics, const std::string& type, boost::json::object data);

    /// Records one commit of `jobs` jobs that took `took`, and each job's wait from submission.
    void measure(const std::deque<Item>& batch, std::chrono::steady_clock::time_point begun,
                 std::chrono::steady_clock::time_point ended);

    store::OrderStore& store_;
    bus::Bus* bus_;
    Metrics* metrics_;
    std::int64_t published_ = 0;  // the last outbox id published (this thread only)
    std::int64_t removed_ = 0;    // the last outbox id removed (this thread only)
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace meridian::services
