// RedisBus: the Bus port over Redis Streams, for services in separate processes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "adapters/redis/redis_client.hpp"
#include "bus/bus.hpp"
#include "core/clock.hpp"

namespace meridian::redis {

struct RedisBusConfig {
    Endpoint endpoint;
    /// This process in consumer names ("<service>@<instance>"); default "<host>-<pid>".
    std::string instance;
    /// Stream key = prefix + topic; dead letters go to prefix + "dead:" + topic.
    std::string prefix = "meridian:";
    /// An entry delivered to a consumer and not acknowledged for this long is claimed by a live
    /// consumer of the same group (its consumer died, or its handler failed).
    std::chrono::milliseconds claim_idle{5000};
    /// Deliveries after which an entry goes to the dead-letter stream instead.
    int max_deliveries = 5;
    /// Entries kept in a stream that no group reads (a group's unacknowledged ones are kept).
    std::size_t ungrouped_keep = 10000;
    std::chrono::milliseconds trim_every{5000};
    /// Messages held while Redis is unreachable; beyond it the oldest are dropped (counted).
    std::size_t max_queue = 200000;
    std::chrono::milliseconds backoff_min{50};
    std::chrono::milliseconds backoff_max{5000};
    std::chrono::milliseconds io_timeout{2000};
};

/// Counters for metrics and tests.
struct RedisBusStats {
    std::uint64_t published = 0;    // confirmed by the server (XADD answered)
    std::uint64_t dropped = 0;      // dropped from a full queue while Redis was unreachable
    std::uint64_t delivered = 0;    // handed to handlers
    std::uint64_t redelivered = 0;  // claimed from a consumer that did not acknowledge in time
    std::uint64_t duplicates = 0;   // deliveries skipped: already applied here
    std::uint64_t failed = 0;       // handler threw: left unacknowledged, delivered again later
    std::uint64_t dead_lettered = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t trimmed = 0;
};

/// A stream per topic ("meridian:<topic>"), a consumer group per subscribing service, one
/// consumer per process. Delivery is at least once; an entry is acknowledged (XACK) only after
/// every handler of its topic in this process returned; a handler that throws leaves it pending,
/// and it is claimed again (XAUTOCLAIM) after `claim_idle`, by this process or another instance;
/// after `max_deliveries` it moves to the dead-letter stream. An entry already applied here is
/// acknowledged without running the handlers again. A new group starts at the stream's end;
/// an existing group (a restarted service) resumes after its last acknowledged entry.
/// Streams are trimmed to the oldest entry some group has not acknowledged, never past it.
///
/// publish() never blocks: messages queue for a publisher thread that pipelines XADDs and
/// reconnects with backoff and jitter; flush() waits until the server has them. Handlers see
/// Envelope.seq derived from the entry id (increasing per topic), Envelope.id the entry id.
/// Threads: one publisher, one reader per subscribing group.
class RedisBus final : public bus::Bus {
public:
    RedisBus(RedisBusConfig config, const core::Clock& clock);
    ~RedisBus() override;
    RedisBus(const RedisBus&) = delete;
    RedisBus& operator=(const RedisBus&) = delete;

    std::uint64_t publish(std::string_view topic, std::string_view type,
                          boost::json::object data) override;
    using bus::Bus::subscribe;
    /// `linger` is ignored: a group's reader hands over whatever one read returned.
    bus::Subscription subscribe(std::string_view topic, std::string_view subscriber,
                                boost::asio::any_io_executor executor, bus::Handler handler,
                                std::chrono::milliseconds linger) override;
    std::vector<bus::QueueDepth> queue_depths() const override;
    core::Result<void> flush(std::chrono::milliseconds timeout) override;

    RedisBusStats stats() const;
    /// True while the publisher holds a working connection.
    bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
    std::string stream_key(std::string_view topic) const;

private:
    struct Outgoing {
        std::string stream;
        std::string type;
        std::string ts;
        std::string data;
    };
    struct Sub;
    struct Group;
    void publisher_loop();
    void reader_loop(Group& group);
    void trim(RedisClient& client);
    Group& group_for(const std::string& name);
    std::chrono::milliseconds backoff(int attempt);

    RedisBusConfig config_;
    const core::Clock& clock_;

    mutable std::mutex mutex_;  // queue_, counters, groups_ map, stopping_
    std::condition_variable wake_;
    std::condition_variable flushed_;
    std::deque<Outgoing> queue_;
    std::uint64_t enqueued_ = 0;               // messages accepted by publish()
    std::uint64_t settled_ = 0;                // of those, answered by the server (or dropped)
    std::uint64_t local_seq_ = 0;              // publish()'s return value
    std::unordered_set<std::string> streams_;  // every stream published to, for trimming
    std::map<std::string, std::unique_ptr<Group>> groups_;
    bool stopping_ = false;
    std::atomic<bool> connected_{false};
    mutable std::mutex stats_mutex_;
    RedisBusStats stats_;
    std::thread publisher_;
};

/// The sequence number an entry id "ms-n" stands for: increasing with the id.
std::uint64_t seq_of(std::string_view entry_id);

}  // namespace meridian::redis
