// Performance statistics of an equity curve and its round trips (formulas in docs/statistics.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/decimal.hpp"
#include "core/timestamp.hpp"

namespace meridian::engine {

/// Account value at one time.
struct EquityPoint {
    core::Timestamp ts;
    core::Money cash;
    core::Money positions_value;
    core::Money equity;
};

/// The curve as statistics and charts read it: 16 bytes a point (a million-bar run keeps a
/// million of them).
struct CurvePoint {
    core::Timestamp ts;
    double equity = 0;
};

/// One position opened from flat and closed back to flat (or flipped): its net P&L.
struct RoundTrip {
    core::Money pnl;  // realized, net of commissions
};

/// Win rate, profit factor and expectancy of a list of round trips.
struct TripStats {
    double win_rate = 0;
    std::optional<double> profit_factor;
    double expectancy = 0;
};
TripStats trip_stats(const std::vector<RoundTrip>& trips);

/// The P&L of one strategy or one symbol: exact money, from its own fills replayed FIFO.
struct Breakdown {
    std::uint64_t num_fills = 0;
    std::uint64_t num_round_trips = 0;
    core::Money realized_pnl;  // gross
    core::Money commissions;
    core::Money unrealized_pnl;  // open positions at the last marks
    core::Money total_pnl;       // realized + unrealized - commissions
    TripStats trips;
};

struct Summary {
    core::Money starting_cash;
    core::Money final_equity;
    core::Money cash;
    double total_return = 0;              // final / start - 1
    double cagr = 0;                      // compounded annual growth over calendar time
    double volatility = 0;                // annualised sample standard deviation of period returns
    double sharpe = 0;                    // annualised mean / standard deviation of period returns
    double sortino = 0;                   // annualised mean / downside deviation
    std::optional<double> calmar;         // cagr / max_drawdown; empty without a drawdown
    double max_drawdown = 0;              // deepest fall from a peak, a positive fraction
    double max_drawdown_duration = 0;     // longest days from a peak to its recovery (or the end)
    double win_rate = 0;                  // winning round trips / round trips
    std::optional<double> profit_factor;  // gross wins / gross losses; empty without losses
    double expectancy = 0;                // mean net P&L per round trip, dollars
    std::uint64_t num_fills = 0;
    std::uint64_t num_round_trips = 0;
    double exposure = 0;          // fraction of periods with a position open
    double turnover = 0;          // traded notional / mean equity, per year
    double periods_per_year = 0;  // from the median spacing of the curve
    std::map<std::string, Breakdown> by_strategy;
    std::map<std::string, Breakdown> by_symbol;
};

/// Computes the statistics. `exposed` says, per equity point, whether any position was open.
/// `risk_free_rate` is annual; each period's share of it (rate / periods per year) is taken
/// from the returns in Sharpe and Sortino.
Summary summarize(const std::vector<CurvePoint>& curve, const EquityPoint& last,
                  const std::vector<bool>& exposed, const std::vector<RoundTrip>& trips,
                  core::Money starting_cash, std::uint64_t num_fills, double risk_free_rate = 0,
                  core::Money traded_notional = {});
/// The same from full equity points (the last one gives final equity and cash).
Summary summarize(const std::vector<EquityPoint>& curve, const std::vector<bool>& exposed,
                  const std::vector<RoundTrip>& trips, core::Money starting_cash,
                  std::uint64_t num_fills, double risk_free_rate = 0,
                  core::Money traded_notional = {});

/// summary.json: money as exact decimal strings, statistics as numbers (null when undefined).
std::string summary_json(const Summary& s);

/// Shortest text that reads back as the same double ("0.1", "1e-05"); "null" if not finite.
std::string format_double(double v);

}  // namespace meridian::engine
