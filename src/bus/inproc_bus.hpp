// InProcBus: the bus inside one process (`meridian run`): messages shared, never copied.
#pragma once

#include <map>
#include <mutex>

#include "bus/bus.hpp"
#include "core/clock.hpp"

namespace meridian::bus {

/// Delivers each message to every subscriber of its topic by posting the handler onto the
/// subscriber's executor; a loop run by one thread therefore sees a topic's messages in order.
/// Thread-safe: publish and subscribe from any thread.
class InProcBus final : public Bus {
public:
    explicit InProcBus(const core::Clock& clock) : clock_{clock} {}
    std::uint64_t publish(std::string_view topic, std::string_view type,
                          boost::json::object data) override;
    Subscription subscribe(std::string_view topic, std::string_view subscriber,
                           boost::asio::any_io_executor executor, Handler handler) override;
    std::vector<QueueDepth> queue_depths() const override;

private:
    struct Subscriber {
        std::uint64_t id;
        std::string name;
        boost::asio::any_io_executor executor;
        std::shared_ptr<Handler> handler;
        std::shared_ptr<std::atomic<std::int64_t>> depth;
        std::shared_ptr<std::atomic<bool>> live;
    };
    struct Topic {
        std::uint64_t seq = 0;
        std::vector<Subscriber> subscribers;
    };

    const core::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Topic, std::less<>> topics_;
    std::uint64_t next_id_ = 1;
};

}  // namespace meridian::bus
