// Order request validation and the order state machine.
#include "core/order.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>

namespace meridian::core {
namespace {

using S = OrderStatus;

constexpr std::uint32_t bit(S s) {
    return std::uint32_t{1} << static_cast<unsigned>(s);
}
constexpr std::uint32_t bits(std::initializer_list<S> list) {
    std::uint32_t m = 0;
    for (S s : list) {
        m |= bit(s);
    }
    return m;
}

/// Explicit legal moves between statuses (besides fills, which may arrive in any non-terminal
/// state). Generous where Alpaca's stream may skip a step (a reconnect, a reconcile), strict
/// where a move would contradict itself: nothing leaves a terminal state.
constexpr std::array<std::uint32_t, order_status_count> legal_moves = [] {
    std::array<std::uint32_t, order_status_count> t{};
    auto set = [&](S from, std::initializer_list<S> to) {
        t[static_cast<std::size_t>(from)] = bits(to);
    };
    set(S::PendingReview, {S::Held, S::Accepted, S::PendingNew, S::New, S::Rejected, S::Canceled,
                           S::PendingCancel, S::Expired});
    set(S::Held, {S::Accepted, S::PendingNew, S::New, S::Canceled, S::Expired, S::Rejected,
                  S::PendingCancel, S::PendingReplace, S::Replaced, S::Suspended, S::Filled});
    set(S::Accepted, {S::PendingNew, S::New, S::AcceptedForBidding, S::Held, S::DoneForDay,
                      S::Canceled, S::Expired, S::Rejected, S::PendingCancel, S::PendingReplace,
                      S::Replaced, S::Suspended, S::Stopped, S::PartiallyFilled, S::Filled});
    set(S::AcceptedForBidding, {S::PendingNew, S::New, S::Canceled, S::Expired, S::Rejected,
                                S::PendingCancel, S::Stopped, S::PartiallyFilled, S::Filled});
    set(S::PendingNew, {S::Accepted, S::New, S::AcceptedForBidding, S::DoneForDay, S::Canceled,
                        S::Expired, S::Rejected, S::PendingCancel, S::PendingReplace, S::Replaced,
                        S::Suspended, S::Stopped, S::PartiallyFilled, S::Filled});
    set(S::New, {S::PartiallyFilled, S::Filled, S::DoneForDay, S::Canceled, S::Expired, S::Rejected,
                 S::PendingCancel, S::PendingReplace, S::Replaced, S::Suspended, S::Stopped,
                 S::Calculated});
    set(S::PartiallyFilled,
        {S::Filled, S::DoneForDay, S::Canceled, S::Expired, S::PendingCancel, S::PendingReplace,
         S::Replaced, S::Suspended, S::Stopped, S::Calculated});
    set(S::DoneForDay, {S::New, S::PartiallyFilled, S::Filled, S::Canceled, S::Expired,
                        S::PendingCancel, S::PendingReplace, S::Replaced, S::Calculated});
    // A refused cancel or replace returns the order to where it was: new or partially_filled.
    set(S::PendingCancel,
        {S::Canceled, S::New, S::PartiallyFilled, S::Filled, S::Expired, S::DoneForDay});
    set(S::PendingReplace, {S::Replaced, S::New, S::PartiallyFilled, S::Filled, S::Canceled,
                            S::Expired, S::DoneForDay});
    set(S::Suspended, {S::Accepted, S::PendingNew, S::New, S::PartiallyFilled, S::Filled,
                       S::Canceled, S::Expired, S::PendingCancel, S::DoneForDay});
    set(S::Stopped, {S::PartiallyFilled, S::Filled, S::Canceled, S::Expired, S::Calculated});
    set(S::Calculated, {S::Filled, S::DoneForDay, S::Canceled, S::Expired});
    return t;
}();

/// Statuses that say nothing has filled yet.
constexpr std::uint32_t before_any_fill =
    bits({S::PendingReview, S::Held, S::Accepted, S::AcceptedForBidding, S::PendingNew, S::New,
          S::Rejected});

Error illegal(std::string message) {
    return Error{Errc::IllegalState, std::move(message)};
}

/// Alpaca's price increments: >= $1 at most 2 decimals, below $1 at most 4.
Result<void> check_price(const Price& p, std::string_view field) {
    if (!p.is_positive()) return invalid(std::string{field} + " must be positive");
    const int max_decimals = p >= Price::from_units(1) ? 2 : 4;
    if (p.decimals() > max_decimals) {
        return invalid(std::string{field} + " " + p.to_string() + " has more than " +
                       std::to_string(max_decimals) + " decimals (sub-penny increment)");
    }
    return {};
}

}  // namespace

Result<void> validate(const Fill& fill) {
    if (fill.execution_id.empty()) return invalid("fill has no execution id");
    if (fill.symbol.empty()) return invalid("fill has no symbol");
    if (!fill.qty.is_positive()) return invalid("fill qty must be positive");
    if (!fill.price.is_positive()) return invalid("fill price must be positive");
    return {};
}

Result<void> validate(const OrderRequest& r) {
    if (r.symbol.empty()) return invalid("symbol is required");
    if (r.qty.has_value() == r.notional.has_value()) {
        return invalid("exactly one of qty and notional is required");
    }
    const bool market_day = r.type == OrderType::Market && r.time_in_force == TimeInForce::Day;
    if (r.qty) {
        if (!r.qty->is_positive()) return invalid("qty must be positive");
        if (!r.qty->is_whole() && !market_day) {
            return invalid(
                "fractional qty is allowed only for market orders with time_in_force day");
        }
    }
    if (r.notional) {
        if (!r.notional->is_positive()) return invalid("notional must be positive");
        if (!market_day) {
            return invalid("notional is allowed only for market orders with time_in_force day");
        }
        if (r.order_class != OrderClass::Simple) {
            return invalid("notional is allowed only for simple orders");
        }
    }

    const bool needs_limit = r.type == OrderType::Limit || r.type == OrderType::StopLimit;
    const bool needs_stop = r.type == OrderType::Stop || r.type == OrderType::StopLimit;
    const bool trailing = r.type == OrderType::TrailingStop;
    if (needs_limit && !r.limit_price) {
        return invalid("limit_price is required for " + std::string{to_string(r.type)} + " orders");
    }
    if (!needs_limit && r.limit_price) {
        return invalid("limit_price is not allowed for " + std::string{to_string(r.type)} +
                       " orders");
    }
    if (needs_stop && !r.stop_price) {
        return invalid("stop_price is required for " + std::string{to_string(r.type)} + " orders");
    }
    if (!needs_stop && r.stop_price) {
        return invalid("stop_price is not allowed for " + std::string{to_string(r.type)} +
                       " orders");
    }
    if (r.limit_price) {
        if (auto ok = check_price(*r.limit_price, "limit_price"); !ok) return ok;
    }
    if (r.stop_price) {
        if (auto ok = check_price(*r.stop_price, "stop_price"); !ok) return ok;
    }
    if (trailing) {
        if (r.trail_price.has_value() == r.trail_percent.has_value()) {
            return invalid(
                "exactly one of trail_price and trail_percent is required for trailing_stop "
                "orders");
        }
        if (r.trail_price) {
            if (auto ok = check_price(*r.trail_price, "trail_price"); !ok) return ok;
        }
        if (r.trail_percent &&
            (!r.trail_percent->is_positive() || *r.trail_percent >= Price::from_units(100))) {
            return invalid("trail_percent must be between 0 and 100");
        }
        if (r.time_in_force != TimeInForce::Day && r.time_in_force != TimeInForce::Gtc) {
            return invalid("trailing_stop orders take time_in_force day or gtc");
        }
    } else if (r.trail_price || r.trail_percent) {
        return invalid("trail_price and trail_percent are only for trailing_stop orders");
    }
    if (r.extended_hours && (r.type != OrderType::Limit || r.time_in_force != TimeInForce::Day)) {
        return invalid("extended_hours is allowed only for limit orders with time_in_force day");
    }

    const bool has_tp = r.take_profit.has_value();
    const bool has_sl = r.stop_loss.has_value();
    switch (r.order_class) {
        case OrderClass::Simple:
            if (has_tp || has_sl) {
                return invalid("take_profit and stop_loss need order_class bracket, oco or oto");
            }
            return {};
        case OrderClass::Bracket:
            if (!has_tp || !has_sl) {
                return invalid(
                    "bracket orders need take_profit.limit_price and stop_loss.stop_price");
            }
            break;
        case OrderClass::Oco:
            if (r.type != OrderType::Limit) return invalid("oco orders must be of type limit");
            if (!has_tp || !has_sl) return invalid("oco orders need take_profit and stop_loss");
            break;
        case OrderClass::Oto:
            if (has_tp == has_sl) {
                return invalid("oto orders need exactly one of take_profit and stop_loss");
            }
            break;
    }
    if (r.time_in_force != TimeInForce::Day && r.time_in_force != TimeInForce::Gtc) {
        return invalid(std::string{to_string(r.order_class)} +
                       " orders take time_in_force day or gtc");
    }
    if (r.extended_hours) {
        return invalid("extended_hours is not allowed for " +
                       std::string{to_string(r.order_class)} + " orders");
    }
    if (has_tp) {
        if (auto ok = check_price(r.take_profit->limit_price, "take_profit.limit_price"); !ok) {
            return ok;
        }
    }
    if (has_sl) {
        if (auto ok = check_price(r.stop_loss->stop_price, "stop_loss.stop_price"); !ok) return ok;
        if (r.stop_loss->limit_price) {
            if (auto ok = check_price(*r.stop_loss->limit_price, "stop_loss.limit_price"); !ok) {
                return ok;
            }
        }
    }
    if (has_tp && has_sl) {
        // The take-profit sits on the profitable side of the stop: above it when exiting a long.
        const Price tp = r.take_profit->limit_price;
        const Price sl = r.stop_loss->stop_price;
        const bool exits_long =
            r.order_class == OrderClass::Oco ? r.side == Side::Sell : r.side == Side::Buy;
        if (exits_long ? !(tp > sl) : !(tp < sl)) {
            return invalid(std::string{"take_profit.limit_price must be "} +
                           (exits_long ? "above" : "below") + " stop_loss.stop_price");
        }
    }
    return {};
}

Result<OrderRequest> changed(const OrderRequest& old, const OrderChange& change) {
    OrderRequest r = old;
    r.client_order_id = change.client_order_id;
    if (change.qty) r.qty = change.qty;
    if (change.time_in_force) r.time_in_force = *change.time_in_force;
    if (change.limit_price) r.limit_price = change.limit_price;
    if (change.stop_price) r.stop_price = change.stop_price;
    if (change.trail) {
        if (r.type != OrderType::TrailingStop) {
            return invalid("trail is only for trailing_stop orders");
        }
        (r.trail_price ? r.trail_price : r.trail_percent) = change.trail;
    }
    if (auto ok = validate(r); !ok) return ok.error();
    return r;
}

Result<Order> Order::create(const OrderRequest& request, OrderId id, ClientOrderId client_order_id,
                            Timestamp created_at, OrderStatus initial) {
    if (auto ok = validate(request); !ok) return ok.error();
    if (id.empty()) return invalid("order id is required");
    if (client_order_id.empty()) return invalid("client_order_id is required");
    if (initial != S::PendingNew && initial != S::Accepted && initial != S::Held &&
        initial != S::PendingReview) {
        return invalid("a new order starts pending_new, accepted, held or pending_review, not " +
                       std::string{to_string(initial)});
    }
    Order o;
    o.id_ = std::move(id);
    o.client_order_id_ = std::move(client_order_id);
    o.request_ = request;
    o.request_.client_order_id = o.client_order_id_;
    o.status_ = initial;
    o.created_at_ = created_at;
    o.updated_at_ = created_at;
    return o;
}

Result<Order> Order::create_replacing(const OrderId& old, const OrderRequest& request, OrderId id,
                                      ClientOrderId client_order_id, Timestamp created_at) {
    if (old.empty()) return invalid("the replaced order's id is required");
    auto o = create(request, std::move(id), std::move(client_order_id), created_at);
    if (o) o->replaces_ = old;
    return o;
}

OrderSnapshot Order::snapshot() const {
    OrderSnapshot s;
    s.id = id_;
    s.client_order_id = client_order_id_;
    s.request = request_;
    s.status = status_;
    s.filled_qty = filled_qty_;
    s.filled_notional = filled_notional_;
    s.commission = commission_;
    s.created_at = created_at_;
    s.updated_at = updated_at_;
    s.submitted_at = submitted_at_;
    s.filled_at = filled_at_;
    s.canceled_at = canceled_at_;
    s.expired_at = expired_at_;
    s.failed_at = failed_at_;
    s.replaced_at = replaced_at_;
    s.replaced_by = replaced_by_;
    s.replaces = replaces_;
    s.execution_ids.assign(execution_ids_.begin(), execution_ids_.end());
    std::sort(s.execution_ids.begin(), s.execution_ids.end());
    return s;
}

Result<Order> Order::restore(OrderSnapshot s) {
    if (auto ok = validate(s.request); !ok) return ok.error();
    if (s.id.empty() || s.client_order_id.empty()) return invalid("a stored order needs its ids");
    if (s.filled_qty.is_negative()) return invalid("order " + s.id.str() + ": negative filled_qty");
    if (s.request.qty && s.filled_qty > *s.request.qty) {
        return invalid("order " + s.id.str() + ": filled_qty " + s.filled_qty.to_string() +
                       " above qty " + s.request.qty->to_string());
    }
    const bool any_fill = s.filled_qty.is_positive();
    if (any_fill && (before_any_fill & bit(s.status)) != 0) {
        return invalid("order " + s.id.str() + " is " + std::string{to_string(s.status)} +
                       " yet has fills");
    }
    if (!any_fill && (s.status == S::PartiallyFilled || s.status == S::Filled)) {
        return invalid("order " + s.id.str() + " is " + std::string{to_string(s.status)} +
                       " without fills");
    }
    if (s.status == S::Filled && s.request.qty && s.filled_qty != *s.request.qty) {
        return invalid("order " + s.id.str() + " is filled with " + s.filled_qty.to_string() +
                       " of " + s.request.qty->to_string());
    }
    Order o;
    o.id_ = std::move(s.id);
    o.client_order_id_ = std::move(s.client_order_id);
    o.request_ = std::move(s.request);
    o.request_.client_order_id = o.client_order_id_;
    o.status_ = s.status;
    o.filled_qty_ = s.filled_qty;
    o.filled_notional_ = s.filled_notional;
    o.commission_ = s.commission;
    o.created_at_ = s.created_at;
    o.updated_at_ = s.updated_at;
    o.submitted_at_ = s.submitted_at;
    o.filled_at_ = s.filled_at;
    o.canceled_at_ = s.canceled_at;
    o.expired_at_ = s.expired_at;
    o.failed_at_ = s.failed_at;
    o.replaced_at_ = s.replaced_at;
    o.replaced_by_ = std::move(s.replaced_by);
    o.replaces_ = std::move(s.replaces);
    o.execution_ids_.insert(s.execution_ids.begin(), s.execution_ids.end());
    return o;
}

std::optional<Price> Order::filled_avg_price() const {
    if (filled_qty_.is_zero()) return std::nullopt;
    return average_price(filled_notional_, filled_qty_, Rounding::HalfEven);
}

std::optional<Quantity> Order::leaves_qty() const {
    if (!request_.qty) return std::nullopt;
    if (is_terminal()) return Quantity{};
    return *request_.qty - filled_qty_;
}

bool Order::can_transition(OrderStatus to) const noexcept {
    if (to == status_) return true;
    if (is_terminal()) return false;
    if ((legal_moves[static_cast<std::size_t>(status_)] & bit(to)) == 0) return false;
    const bool any_fill = filled_qty_.is_positive();
    if (any_fill && (before_any_fill & bit(to)) != 0) return false;
    if (to == S::PartiallyFilled && !any_fill) return false;
    if (to == S::Filled) {
        if (!any_fill) return false;
        if (request_.qty && filled_qty_ != *request_.qty) return false;
    }
    return true;
}

Result<void> Order::transition(OrderStatus to, Timestamp ts) {
    if (to == status_) return {};
    if (!can_transition(to)) {
        std::string why = "order " + id_.str() + ": " + std::string{to_string(status_)} + " -> " +
                          std::string{to_string(to)} + " is not a legal transition";
        if (is_terminal()) {
            why += " (" + std::string{to_string(status_)} + " is final)";
        } else if (to == S::Filled || to == S::PartiallyFilled) {
            why += " (filled " + filled_qty_.to_string() + " of " +
                   (request_.qty ? request_.qty->to_string() : std::string{"notional"}) + ")";
        }
        return illegal(std::move(why));
    }
    stamp(to, ts);
    return {};
}

Result<void> Order::replace_with(const OrderId& new_id, Timestamp ts) {
    if (new_id.empty()) return invalid("replacing order id is empty");
    if (status_ == S::Replaced) {
        if (replaced_by_ == new_id) return {};  // a repeated event
        return illegal("order " + id_.str() + " was already replaced by " +
                       (replaced_by_ ? replaced_by_->str() : std::string{"another order"}));
    }
    if (auto ok = transition(S::Replaced, ts); !ok) return ok;
    replaced_by_ = new_id;
    return {};
}

void Order::stamp(OrderStatus to, Timestamp ts) {
    status_ = to;
    if (ts > updated_at_) updated_at_ = ts;
    switch (to) {
        case S::PendingNew:
        case S::New:
        case S::Accepted:
            if (!submitted_at_) submitted_at_ = ts;
            break;
        case S::Filled:
            filled_at_ = ts;
            break;
        case S::Canceled:
            canceled_at_ = ts;
            break;
        case S::Expired:
            expired_at_ = ts;
            break;
        case S::Rejected:
            failed_at_ = ts;
            break;
        case S::Replaced:
            replaced_at_ = ts;
            break;
        default:
            break;
    }
}

Result<bool> Order::apply_fill(const Fill& fill) {
    if (auto ok = validate(fill); !ok) return ok.error();
    if (fill.order_id != id_) {
        return invalid("fill " + fill.execution_id + " is for order " + fill.order_id.str() +
                       ", not " + id_.str());
    }
    if (execution_ids_.contains(fill.execution_id)) return false;
    if (fill.symbol != request_.symbol) {
        return invalid("fill " + fill.execution_id + " symbol " + fill.symbol.str() +
                       " does not match order symbol " + request_.symbol.str());
    }
    if (fill.side != request_.side) {
        return invalid("fill " + fill.execution_id + " side does not match the order's");
    }
    if (is_terminal()) {
        return illegal("order " + id_.str() + " is " + std::string{to_string(status_)} +
                       "; it takes no more fills");
    }
    const Quantity new_filled = filled_qty_ + fill.qty;
    if (request_.qty && new_filled > *request_.qty) {
        return invalid("fill " + fill.execution_id + " of " + fill.qty.to_string() +
                       " exceeds the order's remaining " +
                       (*request_.qty - filled_qty_).to_string());
    }
    execution_ids_.insert(fill.execution_id);
    filled_qty_ = new_filled;
    filled_notional_ += fill.notional();
    commission_ += fill.commission;
    if (request_.qty && filled_qty_ == *request_.qty) {
        stamp(S::Filled, fill.ts_event);
    } else if (status_ != S::PendingCancel && status_ != S::PendingReplace) {
        stamp(S::PartiallyFilled, fill.ts_event);
    } else if (fill.ts_event > updated_at_) {
        updated_at_ = fill.ts_event;
    }
    return true;
}

}  // namespace meridian::core
