// RiskEngine: the pre-trade checks every order passes, and the switch that halts trading.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "core/account.hpp"
#include "core/decimal.hpp"
#include "core/order.hpp"
#include "core/timestamp.hpp"

namespace meridian::engine {

/// Active: all orders; reduce-only: only orders that shrink a position; halted: none.
enum class TradingState { Active, ReduceOnly, Halted };
std::string_view to_string(TradingState s) noexcept;

/// Why an order was denied: a stable code a user or API client can match on.
enum class DenyReason {
    Halted,
    ReduceOnly,
    MaxOrderQty,
    MaxOrderNotional,
    MaxPositionQty,
    MaxPositionNotional,
    MaxGrossExposure,
    MaxOpenOrders,
    OrderRate,
    PriceCollar,
    NoPrice,
    BuyingPower,
    ShortSelling,
};

/// "halted", "max_order_notional", ... (snake case, as in config keys).
std::string_view to_string(DenyReason r) noexcept;

/// Limits; an empty one is not checked. Defaults: no limits beyond buying power.
struct RiskLimits {
    std::optional<core::Quantity> max_order_qty;
    std::optional<core::Money> max_order_notional;
    std::optional<core::Quantity> max_position_qty;    // per symbol, |resulting position|
    std::optional<core::Money> max_position_notional;  // per symbol, at the order's price
    std::optional<core::Money> max_gross_exposure;     // sum of |market values| after the order
    std::optional<std::size_t> max_open_orders;
    std::optional<std::uint32_t> max_orders_per_second;
    std::optional<core::Price> price_collar_percent;  // limit/stop vs last price, in percent
    std::optional<core::Money> max_daily_loss;        // from the day's first equity; halts
    std::optional<double> max_drawdown;               // fraction below the peak; halts
    bool allow_short = true;
    bool check_buying_power = true;
    TradingState initial_state = TradingState::Active;
};

/// A refusal with the numbers that tripped it, e.g. "order notional 150000 exceeds
/// max_order_notional 100000".
struct Denial {
    DenyReason reason;
    std::string message;
};

/// What the checks need to know about the account and the market at the moment of an order.
struct RiskInputs {
    const core::Account& account;
    std::size_t open_orders = 0;
    core::Money open_buy_notional;          // committed by working buy orders
    std::optional<core::Price> last_price;  // of the order's symbol
};

/// Runs the pre-trade checks in a fixed order (state, size, price, position, exposure, rate,
/// money) and watches equity for the daily-loss and drawdown limits, which halt trading.
/// Runs on the risk loop (in a backtest, the backtest's); not thread-safe.
class RiskEngine {
public:
    explicit RiskEngine(const RiskLimits& limits)
        : limits_{limits}, state_{limits_.initial_state} {}

    /// Empty if the order may go; otherwise why not. An allowed order counts toward the rate.
    std::optional<Denial> check(const core::OrderRequest& order, const RiskInputs& in,
                                core::Timestamp now);
    /// Feeds the account's equity; crossing max_daily_loss or max_drawdown halts trading.
    /// Returns the reason when this call halted it.
    std::optional<std::string> on_equity(core::Timestamp ts, core::Money equity);
    /// The trading day's (New York's date) first equity fed, and the highest ever fed; empty
    /// before any. Kept whatever the limits, for what the risk metrics report.
    std::optional<core::Money> day_start() const {
        return day_ ? std::optional<core::Money>{day_start_} : std::nullopt;
    }
    const std::optional<core::Money>& peak() const noexcept { return peak_; }

    TradingState state() const noexcept { return state_; }
    void set_state(TradingState s) noexcept { state_ = s; }
    /// New limits from now on (the rate window and the equity watermarks are kept).
    void set_limits(const RiskLimits& limits) { limits_ = limits; }
    const RiskLimits& limits() const noexcept { return limits_; }

private:
    RiskLimits limits_;
    TradingState state_;
    std::deque<core::Timestamp> recent_;  // accepted orders within the last second
    std::optional<std::int64_t> day_;
    core::Money day_start_;
    std::optional<core::Money> peak_;
};

}  // namespace meridian::engine
