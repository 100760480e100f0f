// PositionsService: positions, cash, equity and P&L, kept exact from the fills on the bus.
#pragma once

#include <deque>
#include <optional>

#include "core/account.hpp"
#include "services/common/service.hpp"
#include "store/store.hpp"

namespace meridian::services {

struct PositionsConfig {
    core::Money starting_cash = core::Money::from_units(100'000);
    int multiplier = 1;
    std::chrono::milliseconds sample_every{60'000};  // equity curve resolution
    /// Positions held before Meridian's first order (an Alpaca account's), booked as fills at
    /// their average entry price before the stored fills; starting_cash includes their cost.
    std::vector<core::Fill> opening;
};

/// The account as the user sees it. Rebuilt at start from every stored fill (nothing applied
/// twice: fills are keyed by execution id), then kept by "orders" fill events and marked by
/// quotes. Publishes "positions" (a position changed) and "account" (a snapshot each second).
/// Routes: /positions, /portfolio/*. Runs on the positions loop; not thread-safe.
class PositionsService final : public Service {
public:
    PositionsService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                     store::OrderStore& orders, store::EquityStore& equity, PositionsConfig config);
    void add_routes(net::Router& router) override;

private:
    void on_start() override;
    void on_fill(const bus::Envelope& e);
    void publish_account();
    /// Renders the open positions for GET /positions (positions_body_).
    void publish_positions();
    /// Renders them soon (after what is queued on this loop).
    void positions_changed();
    void sample();
    boost::json::object account_json() const;

    store::OrderStore& orders_;
    store::EquityStore& equity_store_;
    PositionsConfig config_;
    core::Account account_;
    std::deque<store::EquityPoint> curve_;  // recent points (the store keeps them all)
    Snapshot<std::string> positions_body_;  // GET /positions, read by any thread
    bool render_pending_ = false;
    std::optional<core::Money> day_start_equity_;
    std::int64_t day_ = -1;
};

}  // namespace meridian::services
