// RiskService: owns the limits and the halt switch, watches equity and data, keeps risk events.
#pragma once

#include <deque>
#include <map>
#include <set>

#include "engine/risk.hpp"
#include "services/common/service.hpp"
#include "store/store.hpp"

namespace meridian::services {

struct RiskConfig {
    engine::RiskLimits limits;  // defaults; limits saved through the API win
    /// A symbol whose last quote is older than this is halted until quotes resume.
    std::chrono::milliseconds stale_after{30'000};
    std::size_t events_kept = 1000;
};

/// The limits and trading state every order is checked against: kept in the settings store and
/// published on "risk.state" (at start, on every change, and each second), which the execution
/// service mirrors into its pre-trade checks. Watches "account" snapshots (daily loss and
/// drawdown halt trading), quotes (stale symbols halt), and keeps "risk.events" (denials,
/// breaches, halts). Runs on the risk loop; not thread-safe.
class RiskService final : public Service {
public:
    RiskService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                store::SettingsStore& settings, RiskConfig config);
    void add_routes(net::Router& router) override;

private:
    void on_start() override;
    void publish_state();
    void record(const std::string& type, boost::json::object event);
    void check_stale();
    void on_account(const bus::Envelope& e);
    net::Response set_state(net::Request& req, engine::TradingState state);

    store::SettingsStore& settings_;
    RiskConfig config_;
    engine::RiskEngine engine_;  // limits and state; on_equity for the loss limits
    std::map<core::Symbol, core::Timestamp> last_quote_;
    std::set<core::Symbol> stale_;
    std::deque<boost::json::object> events_;
    std::deque<double> equity_;  // one point per account snapshot minute, for VaR
    std::optional<core::Money> last_equity_;
    std::int64_t equity_minute_ = -1;
    boost::json::object last_account_;
};

}  // namespace meridian::services
