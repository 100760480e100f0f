// InProcBus: the bus inside one process (`meridian run`): messages shared, never copied.
#pragma once

#include <map>
#include <mutex>

#include "bus/bus.hpp"
#include "core/clock.hpp"

namespace meridian::bus {

/// Delivers each message to every subscriber of its topic through the subscriber's mailbox: the
/// message waits there, and one task posted to the subscriber's executor hands over everything
/// that arrived before it ran (a burst costs the subscriber's loop one wake-up, not one per
/// message); with a linger, that task runs that long after the first message of a burst. A loop
/// run by one thread therefore sees a topic's messages in order.
/// Thread-safe: publish and subscribe from any thread.
class InProcBus final : public Bus {
public:
    explicit InProcBus(const core::Clock& clock) : clock_{clock} {}
    std::uint64_t publish(std::string_view topic, std::string_view type,
                          boost::json::object data) override;
    void publish_each(std::span<const std::string_view> topics, std::string_view type,
                      boost::json::object data) override;
    using Bus::subscribe;
    Subscription subscribe(std::string_view topic, std::string_view subscriber,
                           boost::asio::any_io_executor executor, Handler handler,
                           std::chrono::milliseconds linger) override;
    std::vector<QueueDepth> queue_depths() const override;

private:
    /// A subscription's messages not yet handled, and whether a drain is posted.
    struct Mailbox {
        Mailbox(boost::asio::any_io_executor e, Handler h, std::chrono::milliseconds l)
            : executor{std::move(e)}, handler{std::move(h)}, linger{l} {}
        const boost::asio::any_io_executor executor;
        const Handler handler;
        const std::chrono::milliseconds linger;
        std::atomic<bool> live{true};
        std::atomic<std::int64_t> depth{0};
        std::mutex mutex;
        std::vector<std::shared_ptr<const Envelope>> queue;   // guarded by mutex
        bool scheduled = false;                               // guarded by mutex
        std::vector<std::shared_ptr<const Envelope>> taking;  // the drain's own
    };
    struct Subscriber {
        std::uint64_t id;
        std::string name;
        std::shared_ptr<Mailbox> box;
    };
    /// Hands what is in `box` to its handler, on its executor; posts itself again when more
    /// arrived meanwhile, so that other work on that loop runs between batches.
    static void drain(const std::shared_ptr<Mailbox>& box);
    /// Has `box` drained on its executor: now, or after its linger.
    static void schedule(const std::shared_ptr<Mailbox>& box);
    struct Topic {
        std::uint64_t seq = 0;
        std::vector<Subscriber> subscribers;
    };
    /// Hands `env` to every subscriber of `t` (under mutex_).
    static void deliver(const Topic& t, const std::shared_ptr<const Envelope>& env);

    const core::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Topic, std::less<>> topics_;
    std::uint64_t next_id_ = 1;
};

}  // namespace meridian::bus
