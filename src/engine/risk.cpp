// Pre-trade risk checks and the trading switch.
#include "engine/risk.hpp"

#include <algorithm>

#include "engine/calendar.hpp"

namespace meridian::engine {
namespace {

std::string money(const core::Money& m) {
    return m.round_to_cents(core::Rounding::HalfUp).to_string();
}

Denial deny(DenyReason r, std::string message) {
    return Denial{r, std::move(message)};
}

}  // namespace

std::string_view to_string(DenyReason r) noexcept {
    switch (r) {
        case DenyReason::Halted:
            return "halted";
        case DenyReason::ReduceOnly:
            return "reduce_only";
        case DenyReason::MaxOrderQty:
            return "max_order_qty";
        case DenyReason::MaxOrderNotional:
            return "max_order_notional";
        case DenyReason::MaxPositionQty:
            return "max_position_qty";
        case DenyReason::MaxPositionNotional:
            return "max_position_notional";
        case DenyReason::MaxGrossExposure:
            return "max_gross_exposure";
        case DenyReason::MaxOpenOrders:
            return "max_open_orders";
        case DenyReason::OrderRate:
            return "max_orders_per_second";
        case DenyReason::PriceCollar:
            return "price_collar";
        case DenyReason::NoPrice:
            return "no_price";
        case DenyReason::BuyingPower:
            return "buying_power";
        case DenyReason::ShortSelling:
            return "short_selling";
    }
    return "unknown";
}

std::string_view to_string(TradingState s) noexcept {
    switch (s) {
        case TradingState::Active:
            return "active";
        case TradingState::ReduceOnly:
            return "reduce_only";
        case TradingState::Halted:
            return "halted";
    }
    return "unknown";
}

std::optional<Denial> RiskEngine::check(const core::OrderRequest& order, const RiskInputs& in,
                                        core::Timestamp now) {
    if (state_ == TradingState::Halted) return deny(DenyReason::Halted, "trading is halted");

    const auto* position = in.account.position(order.symbol);
    const core::Quantity held = position ? position->qty() : core::Quantity{};
    const core::Quantity signed_qty =
        order.qty ? (order.side == core::Side::Buy ? *order.qty : -*order.qty) : core::Quantity{};
    const core::Quantity after = held + signed_qty;
    const bool reduces = order.qty && !held.is_zero() &&
                         held.is_negative() != (order.side == core::Side::Sell) &&
                         order.qty->abs() <= held.abs();
    if (state_ == TradingState::ReduceOnly && !reduces) {
        return deny(DenyReason::ReduceOnly,
                    "trading is reduce-only: " + std::string{core::to_string(order.side)} + " " +
                        (order.qty ? order.qty->to_string() : "notional") + " " +
                        order.symbol.str() + " with " + held.to_string() + " held");
    }
    if (limits_.max_order_qty && order.qty && *order.qty > *limits_.max_order_qty) {
        return deny(DenyReason::MaxOrderQty, "order qty " + order.qty->to_string() +
                                                 " exceeds max_order_qty " +
                                                 limits_.max_order_qty->to_string());
    }

    // The price the order is valued at: its limit, else its stop, else the last trade.
    std::optional<core::Price> price = order.limit_price ? order.limit_price : order.stop_price;
    if (!price) price = in.last_price;
    if (limits_.price_collar_percent && in.last_price && (order.limit_price || order.stop_price)) {
        const core::Price p = order.limit_price ? *order.limit_price : *order.stop_price;
        const core::Price gap = p > *in.last_price ? p - *in.last_price : *in.last_price - p;
        // gap / last > pct / 100  <=>  gap x 100 > pct x last (exact)
        if (gap * core::Quantity::from_units(100) >
            *limits_.price_collar_percent * core::Quantity::from_raw(in.last_price->raw())) {
            return deny(DenyReason::PriceCollar, "price " + p.to_string() + " is more than " +
                                                     limits_.price_collar_percent->to_string() +
                                                     " % from the last price " +
                                                     in.last_price->to_string());
        }
    }
    const bool needs_price = limits_.max_order_notional || limits_.max_position_notional ||
                             limits_.max_gross_exposure ||
                             (limits_.check_buying_power && order.side == core::Side::Buy);
    if (!price && order.qty && needs_price) {
        return deny(DenyReason::NoPrice,
                    "no price known for " + order.symbol.str() + " to value the order");
    }
    const core::Money notional =
        order.notional ? *order.notional : (order.qty ? *price * *order.qty : core::Money{});
    if (limits_.max_order_notional && notional > *limits_.max_order_notional) {
        return deny(DenyReason::MaxOrderNotional, "order notional " + money(notional) +
                                                      " exceeds max_order_notional " +
                                                      money(*limits_.max_order_notional));
    }
    if (!reduces) {
        if (limits_.max_position_qty && after.abs() > *limits_.max_position_qty) {
            return deny(DenyReason::MaxPositionQty,
                        "position would be " + after.to_string() + " " + order.symbol.str() +
                            ", beyond max_position_qty " + limits_.max_position_qty->to_string());
        }
        if (limits_.max_position_notional && price) {
            const core::Money value = (*price * after).abs();
            if (value > *limits_.max_position_notional) {
                return deny(DenyReason::MaxPositionNotional,
                            "position would be worth " + money(value) +
                                ", beyond max_position_notional " +
                                money(*limits_.max_position_notional));
            }
        }
        if (limits_.max_gross_exposure) {
            const core::Money gross =
                in.account.long_market_value() - in.account.short_market_value() + notional;
            if (gross > *limits_.max_gross_exposure) {
                return deny(DenyReason::MaxGrossExposure, "gross exposure would be " +
                                                              money(gross) +
                                                              ", beyond max_gross_exposure " +
                                                              money(*limits_.max_gross_exposure));
            }
        }
        if (!limits_.allow_short && order.side == core::Side::Sell && after.is_negative()) {
            return deny(DenyReason::ShortSelling,
                        "short selling is off: selling " + order.qty->to_string() + " " +
                            order.symbol.str() + " with " + held.to_string() + " held");
        }
    }
    if (limits_.max_open_orders && in.open_orders >= *limits_.max_open_orders) {
        return deny(DenyReason::MaxOpenOrders,
                    std::to_string(in.open_orders) + " orders are open, the max_open_orders");
    }
    if (limits_.max_orders_per_second) {
        while (!recent_.empty() && (now - recent_.front()).ns >= 1'000'000'000) {
            recent_.pop_front();
        }
        if (recent_.size() >= *limits_.max_orders_per_second) {
            return deny(DenyReason::OrderRate,
                        std::to_string(recent_.size()) +
                            " orders in the last second, the max_orders_per_second");
        }
    }
    if (limits_.check_buying_power && order.side == core::Side::Buy && !reduces) {
        const core::Money available = in.account.buying_power() - in.open_buy_notional;
        if (notional > available) {
            return deny(DenyReason::BuyingPower, "insufficient buying power: order " +
                                                     money(notional) + ", available " +
                                                     money(available));
        }
    }
    if (limits_.max_orders_per_second) recent_.push_back(now);
    return std::nullopt;
}

std::optional<std::string> RiskEngine::on_equity(core::Timestamp ts, core::Money equity) {
    // The trading day: the New York date.
    const std::int64_t day = core::days_from_civil(nyse::new_york_date(ts));
    if (!day_ || *day_ != day) {
        day_ = day;
        day_start_ = equity;
    }
    if (!peak_ || equity > *peak_) peak_ = equity;
    if (state_ == TradingState::Halted) return std::nullopt;
    if (limits_.max_daily_loss && day_start_ - equity >= *limits_.max_daily_loss) {
        state_ = TradingState::Halted;
        return "halted: lost " + money(day_start_ - equity) + " today, max_daily_loss " +
               money(*limits_.max_daily_loss);
    }
    if (limits_.max_drawdown && peak_->is_positive()) {
        const double dd = 1.0 - equity.to_double() / peak_->to_double();
        if (dd >= *limits_.max_drawdown - 1e-12) {  // the limit itself halts, despite rounding
            state_ = TradingState::Halted;
            return "halted: drawdown " + std::to_string(dd * 100).substr(0, 5) +
                   " % from the peak " + money(*peak_) + ", max_drawdown " +
                   std::to_string(*limits_.max_drawdown * 100).substr(0, 5) + " %";
        }
    }
    return std::nullopt;
}

}  // namespace meridian::engine
