// Backtest: recorded bars through strategies, the simulated broker and the account, on a
// ManualClock.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/account.hpp"
#include "core/decimal.hpp"
#include "core/fill.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "engine/bar.hpp"
#include "engine/risk.hpp"
#include "engine/sim_broker.hpp"
#include "engine/statistics.hpp"
#include "engine/strategy.hpp"

namespace meridian::engine {

struct BacktestConfig {
    core::Money cash = core::Money::from_units(100'000);
    SimBrokerConfig broker;
    RiskLimits risk;
    std::optional<core::Timestamp> from;  // first bar time included
    std::optional<core::Timestamp> to;    // last bar time included
    std::uint64_t seed = 1;               // order ids
    double risk_free_rate = 0;            // annual, for Sharpe and Sortino
    /// Called now and then with (bars done, bars in all) and once at the end; may be empty.
    std::function<void(std::size_t, std::size_t)> progress;
    /// Called with each equity point as it is recorded (to write it out as the run goes); may
    /// be empty.
    std::function<void(const EquityPoint&)> on_equity;
    /// Keep every EquityPoint in the result (64 bytes each). false: only the first and last
    /// (with on_equity writing the rest out); statistics and the report read `curve`.
    bool keep_equity_points = true;
};

/// An order the risk engine refused, or the moment it halted trading (no order then).
struct RiskEvent {
    core::Timestamp ts;
    std::string strategy;
    std::optional<core::OrderRequest> order;
    std::string reason;  // a DenyReason code, or "halted"
    std::string message;
};

struct BacktestResult {
    std::vector<FillRecord> fills;
    std::deque<SimOrder> orders;
    /// One point per distinct time (only the first and last without keep_equity_points).
    std::vector<EquityPoint> equity;
    /// Every point's time and equity, for statistics and charts.
    std::vector<CurvePoint> curve;
    std::vector<RiskEvent> risk_events;
    Summary summary;
};

/// A backtest fed one event at a time, for inputs read as the run goes: run_backtest is this
/// over vectors. Events come in time order (with quotes, a bar at its end: its start plus its
/// symbol's bar length). Not thread-safe; `strategies` outlive it.
class Backtest {
public:
    Backtest(std::vector<std::unique_ptr<Strategy>>& strategies, const BacktestConfig& config);
    ~Backtest();
    Backtest(const Backtest&) = delete;
    Backtest& operator=(const Backtest&) = delete;

    /// Orders fill against quotes, not bars; a symbol's bars reach the strategies `bar_lengths`
    /// after their start.
    void fill_from_quotes(const std::map<core::Symbol, core::Duration>& bar_lengths);
    /// Room for this many equity points.
    void reserve(std::size_t events);
    void on_bar(const Bar& bar);
    void on_quote(const Quote& quote);
    /// The last equity point, the orders, the statistics. Errors: no event in [from, to].
    core::Result<BacktestResult> finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Runs `bars` (time-ordered, several symbols allowed) through `strategies`. For each time: the
/// broker fills waiting orders at the bar's open, the account marks the close, each strategy
/// sees the bar and may submit, (with FillAt::Close) the broker fills at the close, and one
/// equity point is recorded per distinct time. Deterministic: the same inputs give the same
/// result. Errors: no bars in the [from, to] range.
core::Result<BacktestResult> run_backtest(const std::vector<Bar>& bars,
                                          std::vector<std::unique_ptr<Strategy>>& strategies,
                                          const BacktestConfig& config);
/// The same with quotes (time-ordered): orders then fill against quotes (buys at the ask, sells
/// at the bid; SimBroker::on_quote), never against bars; each bar reaches the strategies at its
/// end (its start plus the symbol's shortest bar spacing), so no quote before a bar's close can
/// fill what the bar decided; strategies see every quote (on_quote); positions are marked at
/// the mid. One equity point per distinct event time.
core::Result<BacktestResult> run_backtest(const std::vector<Bar>& bars,
                                          const std::vector<Quote>& quotes,
                                          std::vector<std::unique_ptr<Strategy>>& strategies,
                                          const BacktestConfig& config);

/// Fills replayed as they come, per symbol, FIFO: the positions they leave and their round trips
/// (each time a position returns to flat or flips, its net P&L, realized minus commissions,
/// since it opened). What a running system keeps instead of every fill.
class TripLedger {
public:
    /// `refuse_repeats` false: the caller knows the fills are distinct (no execution ids kept).
    explicit TripLedger(bool refuse_repeats = true) : refuse_repeats_{refuse_repeats} {}
    /// Applies a fill: false if its execution id was applied before (nothing changes). Errors
    /// as core::Position::apply.
    core::Result<bool> add(const core::Fill& fill);
    const std::vector<RoundTrip>& trips() const noexcept { return trips_; }
    const std::map<core::Symbol, core::Position>& positions() const noexcept { return positions_; }
    std::uint64_t num_fills() const noexcept { return num_fills_; }
    /// The ledger's P&L, its open positions valued at `mark`.
    Breakdown breakdown(
        const std::function<std::optional<core::Price>(const core::Symbol&)>& mark) const;

private:
    struct Open {
        core::Money realized_at_open;
        core::Money commissions_at_open;
    };
    std::map<core::Symbol, core::Position> positions_;
    std::map<core::Symbol, Open> open_;
    std::vector<RoundTrip> trips_;
    std::uint64_t num_fills_ = 0;
    bool refuse_repeats_ = true;
};

/// Round trips of the fills (TripLedger).
std::vector<RoundTrip> round_trips(const std::vector<FillRecord>& fills);

/// P&L per strategy (by_strategy) or per symbol, from the fills replayed FIFO; open positions
/// valued at `mark`.
std::map<std::string, Breakdown> breakdown(
    const std::vector<FillRecord>& fills, bool by_strategy,
    const std::function<std::optional<core::Price>(const core::Symbol&)>& mark);

/// fills.csv: time,symbol,side,qty,price,commission,order_id,strategy (exact decimals).
std::string fills_csv(const BacktestResult& result);
/// orders.csv: one row per order with its final status and fills.
std::string orders_csv(const BacktestResult& result);
/// risk.csv: time,strategy,symbol,side,qty,reason,message (denials and halts).
std::string risk_csv(const BacktestResult& result);
/// equity.csv: time,cash,positions_value,equity.
std::string equity_csv(const BacktestResult& result);
/// Its header line, and its rows one at a time for writing the curve as a run goes: the same
/// text as equity_csv, made faster by remembering the last date and the last cash written.
extern const char* const equity_csv_header;
class EquityCsvWriter {
public:
    void append(std::string& out, const EquityPoint& p);

private:
    std::int64_t day_ = INT64_MIN;  // days since the epoch of date_
    char date_[11] = {};            // "YYYY-MM-DDT"
    core::Money cash_;
    std::string cash_text_ = "0";
    bool cash_set_ = false;
};

}  // namespace meridian::engine
