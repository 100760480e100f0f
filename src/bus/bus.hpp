// Bus: how services talk. Topics carry JSON messages, at least once and in order per topic.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "core/timestamp.hpp"

namespace meridian::bus {

/// The transport's hold on a delivered message. Across processes a message is acknowledged once
/// its handlers returned and nothing keeps its receipt: a handler that stores the message's
/// effect later (a batched write) calls keep() and drops what it returned once the effect is
/// stored, so a crash before then leaves the message to be delivered again. Copying an
/// Envelope does not copy its receipt (a copy of a message is not a claim on its delivery).
class Receipt {
public:
    Receipt() = default;
    explicit Receipt(std::shared_ptr<const void> hold) : hold_{std::move(hold)} {}
    Receipt(const Receipt&) noexcept {}
    Receipt& operator=(const Receipt& other) noexcept {
        if (this != &other) hold_.reset();
        return *this;
    }
    Receipt(Receipt&&) noexcept = default;
    Receipt& operator=(Receipt&&) noexcept = default;
    ~Receipt() = default;
    /// Delays the acknowledgement until the returned handle (and every other) is gone.
    std::shared_ptr<const void> keep() const { return hold_; }

private:
    std::shared_ptr<const void> hold_;
};

/// One message: what it is (`type`, e.g. "order.filled"), on which topic, its sequence number on
/// that topic (increasing) and its data (the same JSON shapes the API answers with). Immutable
/// once published; shared by every subscriber. Published on several topics at once
/// (Bus::publish_each) in process, it is one message: `topic` lists them, comma-separated, and
/// `seq` is its number on the first.
struct Envelope {
    std::string topic;
    std::uint64_t seq = 0;
    std::string id;   // the transport's id for this delivery ("" in process; a stream entry id)
    Receipt receipt;  // empty in process
    core::Timestamp ts;
    std::string type;
    boost::json::object data;
};

using Handler = std::function<void(const Envelope&)>;

/// How many messages a subscriber has been sent and not yet handled.
struct QueueDepth {
    std::string topic;
    std::string subscriber;
    std::int64_t depth = 0;
};

/// A live subscription; destroying it (or calling cancel) stops delivery of later messages.
class Subscription {
public:
    Subscription() = default;
    explicit Subscription(std::function<void()> cancel) : cancel_{std::move(cancel)} {}
    Subscription(Subscription&& other) noexcept : cancel_{std::move(other.cancel_)} {
        other.cancel_ = nullptr;
    }
    Subscription& operator=(Subscription&& other) noexcept {
        if (this != &other) {
            cancel();
            cancel_ = std::move(other.cancel_);
            other.cancel_ = nullptr;
        }
        return *this;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { cancel(); }
    void cancel() {
        if (cancel_) {
            auto c = std::move(cancel_);
            cancel_ = nullptr;
            c();
        }
    }

private:
    std::function<void()> cancel_;
};

/// The bus port: InProcBus in one process, a Redis Streams bus across processes. Publishing
/// never blocks on subscribers; each handler runs on the executor given at subscribe time (its
/// service's loop), one message at a time, in publish order for its topic. Thread-safe.
class Bus {
public:
    virtual ~Bus() = default;
    /// Publishes `data` as a message of `type` on `topic`; returns its sequence number.
    virtual std::uint64_t publish(std::string_view topic, std::string_view type,
                                  boost::json::object data) = 0;
    /// Publishes `data` on each of `topics` (a fill goes to "fills" and to "orders"), as
    /// publish() on each in turn would; the in-process bus makes it one message for all.
    virtual void publish_each(std::span<const std::string_view> topics, std::string_view type,
                              boost::json::object data) {
        if (topics.empty()) return;
        for (std::size_t i = 0; i + 1 < topics.size(); ++i) {
            publish(topics[i], type, data);
        }
        publish(topics.back(), type, std::move(data));
    }
    /// Delivers every message published on `topic` after this returns to `handler` on
    /// `executor`. `subscriber` names the receiving service (a consumer group over Redis).
    /// `linger`: how long a message may wait for the ones after it, so that a burst reaches the
    /// subscriber's loop in one wake-up rather than one each (zero: at once). For subscribers a
    /// few milliseconds cannot hurt (statistics, notifications), it saves their loop most of its
    /// wake-ups under load. The Redis bus reads in batches anyway and ignores it.
    virtual Subscription subscribe(std::string_view topic, std::string_view subscriber,
                                   boost::asio::any_io_executor executor, Handler handler,
                                   std::chrono::milliseconds linger) = 0;
    Subscription subscribe(std::string_view topic, std::string_view subscriber,
                           boost::asio::any_io_executor executor, Handler handler) {
        return subscribe(topic, subscriber, std::move(executor), std::move(handler),
                         std::chrono::milliseconds(0));
    }
    /// Messages sent and not yet handled, per subscription.
    virtual std::vector<QueueDepth> queue_depths() const = 0;
    /// Waits until every message published so far is accepted by the transport (durable in
    /// Redis); Unavailable or Timeout when it is not within `timeout`. In process: at once.
    virtual core::Result<void> flush(std::chrono::milliseconds timeout) {
        (void)timeout;
        return {};
    }
};

}  // namespace meridian::bus
