// AnalyticsService: performance statistics of the live account, its trades, and backtests run
// in the background on stored history.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/backtest.hpp"
#include "engine/sim_broker.hpp"
#include "engine/statistics.hpp"
#include "services/common/service.hpp"
#include "store/store.hpp"

namespace meridian::services {

struct AnalyticsConfig {
    core::Money starting_cash = core::Money::from_units(100'000);
    std::size_t max_backtests = 100;  // kept in memory, oldest dropped
};

/// Replays every fill as it comes (engine::TripLedger: positions and round trips, overall, per
/// strategy and per symbol, each fill once by execution id) and keeps the newest
/// kRecentFills for /analytics/trades and the equity curve (one point a minute, from
/// "account"); computes the same statistics a backtest reports (engine::summarize). Memory grows
/// with round trips (16 bytes each), not with fills.
/// Backtests asked for over the API run on their own thread over bars from the history store;
/// their state and summary are kept by id. Runs on the analytics loop; not thread-safe
/// (the backtest threads touch only their own job, under its mutex).
class AnalyticsService final : public Service {
public:
    AnalyticsService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                     store::OrderStore& orders, store::EquityStore& equity, store::BarStore& bars,
                     AnalyticsConfig config);
    ~AnalyticsService() override;
    void add_routes(net::Router& router) override;

    struct Job;

private:
    void on_start() override;
    void on_stop() override;
    /// Takes a fill into the ledgers and the recent list, unless it was taken before.
    void record(const core::Fill& fill, const std::string& strategy);

    static constexpr std::size_t kRecentFills = 10'000;  // /analytics/trades' largest limit

    store::OrderStore& orders_;
    store::EquityStore& equity_store_;
    store::BarStore& bars_;
    AnalyticsConfig config_;
    engine::TripLedger ledger_;
    std::map<std::string, engine::TripLedger> by_strategy_;
    std::map<std::string, engine::TripLedger> by_symbol_;
    core::Money traded_;
    std::deque<engine::FillRecord> recent_;  // newest last
    std::vector<engine::EquityPoint> curve_;
    std::vector<bool> exposed_;
    std::int64_t last_minute_ = -1;
    std::map<core::Symbol, core::Price> marks_;
    std::map<std::string, std::shared_ptr<Job>> jobs_;
    std::deque<std::string> job_order_;
    std::uint64_t next_job_ = 0;
};

}  // namespace meridian::services
