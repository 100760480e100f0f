// NotificationsService: turns fills, denials, halts and drawdowns into notifications and
// delivers them to webhook channels, with retries.
#pragma once

#include <deque>
#include <map>
#include <set>

#include "core/ids.hpp"
#include "services/common/service.hpp"
#include "store/store.hpp"

namespace meridian::services {

/// A delivery channel: a webhook URL and the events (rules) it wants.
struct Channel {
    std::string id;
    std::string url;               // http://host:port/path
    std::set<std::string> events;  // fill, denial, halt, drawdown (empty: all)
    double drawdown_threshold = 0.05;
};

struct NotificationsConfig {
    std::size_t kept = 1000;
    int attempts = 4;  // per webhook delivery: 0.5 s, 1 s, 2 s between them
    std::chrono::milliseconds timeout{5000};
};

/// Listens to "orders" (fills), "risk.events" (denials, halts, stale data) and "account"
/// (drawdown from the peak beyond a channel's threshold). Each notification is kept (settings
/// store, written in batches each second; the last `kept`), published on "notifications" and POSTed
/// as JSON to every channel whose rules match, retried with backoff. Routes: /notifications,
/// /notifications/channels. Runs on the notifications loop; not thread-safe.
class NotificationsService final : public Service {
public:
    NotificationsService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                         store::SettingsStore& settings, NotificationsConfig config = {});
    void add_routes(net::Router& router) override;

private:
    void on_start() override;
    void on_stop() override;
    void flush();
    void notify(const std::string& event, std::string message, boost::json::object data);
    void deliver(const Channel& channel, std::string body);

    store::SettingsStore& settings_;
    NotificationsConfig config_;
    core::IdGenerator ids_;
    std::map<std::string, Channel> channels_;
    /// Shared by recent_ and pending_ (the newest `kept`, and those not yet stored).
    using Notification = std::shared_ptr<const boost::json::object>;
    std::deque<Notification> recent_;
    std::vector<std::pair<std::string, Notification>> pending_;  // to store, by key
    std::vector<std::shared_ptr<const void>> receipts_;          // of the messages behind pending_
    std::uint64_t seq_ = 0;
    double peak_equity_ = 0;
    std::set<std::string> drawdown_sent_;  // channel ids told about the current drawdown
};

}  // namespace meridian::services
