// Order, the request that creates it, and its state machine over Alpaca's statuses.
#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/decimal.hpp"
#include "core/fill.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "core/types.hpp"

namespace meridian::core {

struct TakeProfit {
    Price limit_price;
};

struct StopLoss {
    Price stop_price;
    std::optional<Price> limit_price;  // present: the stop-loss leg is a stop-limit
};

/// What a strategy or user asks for (Alpaca's POST /v2/orders fields). Exactly one of qty and
/// notional. validate() says whether it is well-formed.
struct OrderRequest {
    Symbol symbol;
    Side side = Side::Buy;
    OrderType type = OrderType::Market;
    TimeInForce time_in_force = TimeInForce::Day;
    std::optional<Quantity> qty;
    std::optional<Money> notional;
    std::optional<Price> limit_price;
    std::optional<Price> stop_price;
    std::optional<Price> trail_price;
    std::optional<Price> trail_percent;  // a percentage as a decimal: 1.5 means 1.5 %
    OrderClass order_class = OrderClass::Simple;
    std::optional<TakeProfit> take_profit;
    std::optional<StopLoss> stop_loss;
    bool extended_hours = false;
    std::optional<ClientOrderId> client_order_id;
};

/// Alpaca's rules for a well-formed order (reference section 2.3): qty xor notional, positive;
/// fractional qty and notional only for market day orders; the prices each type needs and no
/// others; sub-penny rules (>= $1: 2 decimals, < $1: 4); extended hours only for limit day
/// orders; bracket, oco and oto legs consistent with the side. The error names the field.
Result<void> validate(const OrderRequest& request);

/// What a replace (PATCH /orders/{id}, Alpaca's fields) changes; what is unset stays as it was.
struct OrderChange {
    std::optional<Quantity> qty;
    std::optional<TimeInForce> time_in_force;
    std::optional<Price> limit_price, stop_price;
    /// A trailing stop's new trail: its trail_price or trail_percent, whichever it has.
    std::optional<Price> trail;
    /// The replacing order's own (a new one is made when unset).
    std::optional<ClientOrderId> client_order_id;

    /// Nothing about the order changes (a client_order_id alone changes nothing).
    bool changes_nothing() const noexcept {
        return !qty && !time_in_force && !limit_price && !stop_price && !trail;
    }
};

/// The request of the order that replaces one of `old` with `change`: validated as any
/// order's (a limit_price for a market order, or a trail for one that does not trail, is
/// InvalidArgument naming the field). Its client_order_id is the change's, if any.
Result<OrderRequest> changed(const OrderRequest& old, const OrderChange& change);

/// Everything an Order holds, as plain data: what a store writes and reads back.
struct OrderSnapshot {
    OrderId id;
    ClientOrderId client_order_id;
    OrderRequest request;
    OrderStatus status = OrderStatus::PendingNew;
    Quantity filled_qty;
    Money filled_notional;
    Money commission;
    Timestamp created_at;
    Timestamp updated_at;
    std::optional<Timestamp> submitted_at;
    std::optional<Timestamp> filled_at;
    std::optional<Timestamp> canceled_at;
    std::optional<Timestamp> expired_at;
    std::optional<Timestamp> failed_at;
    std::optional<Timestamp> replaced_at;
    std::optional<OrderId> replaced_by;
    std::optional<OrderId> replaces;
    std::vector<std::string> execution_ids;  // the fills applied, so none applies twice
};

/// An order and its lifecycle. States and transitions follow Alpaca (reference section 3):
/// only legal transitions apply, an illegal one returns IllegalState and changes nothing,
/// terminal states (filled, canceled, expired, replaced, rejected) are absorbing, and
/// filled_qty never exceeds qty. The exact filled notional is kept, so the average fill
/// price is exact to the rounding asked for. Runs on its owner's loop; not thread-safe.
class Order {
public:
    /// A new order from a valid request, in `initial` status (pending_new by default; held for
    /// a bracket's exit legs; accepted or pending_review as a broker may report).
    static Result<Order> create(const OrderRequest& request, OrderId id,
                                ClientOrderId client_order_id, Timestamp created_at,
                                OrderStatus initial = OrderStatus::PendingNew);
    /// A new order (pending_new) that takes the place of `old` (a replace): it says so in
    /// replaces(), as the old one will in replaced_by().
    static Result<Order> create_replacing(const OrderId& old, const OrderRequest& request,
                                          OrderId id, ClientOrderId client_order_id,
                                          Timestamp created_at);

    const OrderId& id() const noexcept { return id_; }
    const ClientOrderId& client_order_id() const noexcept { return client_order_id_; }
    const OrderRequest& request() const noexcept { return request_; }
    const Symbol& symbol() const noexcept { return request_.symbol; }
    Side side() const noexcept { return request_.side; }
    OrderType type() const noexcept { return request_.type; }
    TimeInForce time_in_force() const noexcept { return request_.time_in_force; }
    OrderClass order_class() const noexcept { return request_.order_class; }
    const std::optional<Quantity>& qty() const noexcept { return request_.qty; }
    const std::optional<Money>& notional() const noexcept { return request_.notional; }
    OrderStatus status() const noexcept { return status_; }
    bool is_terminal() const noexcept { return core::is_terminal(status_); }
    /// Open in Alpaca's sense: not terminal (GET /v2/orders?status=open).
    bool is_open() const noexcept { return !is_terminal(); }

    Quantity filled_qty() const noexcept { return filled_qty_; }
    /// Exact sum of qty x price over the fills.
    Money filled_notional() const noexcept { return filled_notional_; }
    Money commission() const noexcept { return commission_; }
    /// filled_notional / filled_qty rounded half-even to 9 decimals; empty before any fill.
    std::optional<Price> filled_avg_price() const;
    /// qty - filled_qty for a qty order; empty for a notional order.
    std::optional<Quantity> leaves_qty() const;

    Timestamp created_at() const noexcept { return created_at_; }
    Timestamp updated_at() const noexcept { return updated_at_; }
    const std::optional<Timestamp>& submitted_at() const noexcept { return submitted_at_; }
    const std::optional<Timestamp>& filled_at() const noexcept { return filled_at_; }
    const std::optional<Timestamp>& canceled_at() const noexcept { return canceled_at_; }
    const std::optional<Timestamp>& expired_at() const noexcept { return expired_at_; }
    const std::optional<Timestamp>& failed_at() const noexcept { return failed_at_; }
    const std::optional<Timestamp>& replaced_at() const noexcept { return replaced_at_; }
    const std::optional<OrderId>& replaced_by() const noexcept { return replaced_by_; }
    /// The order this one replaced, if it is a replacement.
    const std::optional<OrderId>& replaces() const noexcept { return replaces_; }

    /// The order as plain data (execution ids sorted).
    OrderSnapshot snapshot() const;
    /// An order back from a snapshot. Errors (InvalidArgument) when the snapshot breaks an
    /// order's invariants: an invalid request, missing ids, filled_qty above qty or negative,
    /// or a status its fills contradict (nothing filled yet partially_filled or filled; something
    /// filled yet pending_new, new, accepted, held or rejected).
    static Result<Order> restore(OrderSnapshot snapshot);

    /// Whether `to` may follow the current status given the fills so far.
    bool can_transition(OrderStatus to) const noexcept;
    /// Moves to `to` at `ts`. The same status again is a no-op (a repeated event). Illegal:
    /// IllegalState, nothing changes. partially_filled needs a fill first; filled needs every
    /// share filled (qty orders) or some (notional orders, whose end the broker decides);
    /// pre-fill states and rejected are illegal once anything filled.
    Result<void> transition(OrderStatus to, Timestamp ts);
    /// transition(Replaced) that records the replacing order's id.
    Result<void> replace_with(const OrderId& new_id, Timestamp ts);
    /// Applies an execution: true if applied, false if this execution id was already applied
    /// (nothing changes). Errors (nothing changes): wrong order, symbol or side; qty or price
    /// not positive; more than leaves_qty; the order is terminal. The last share makes the
    /// order filled; otherwise partially_filled (pending_cancel/pending_replace stay pending).
    Result<bool> apply_fill(const Fill& fill);

private:
    Order() = default;
    void stamp(OrderStatus to, Timestamp ts);

    OrderId id_;
    ClientOrderId client_order_id_;
    OrderRequest request_;
    OrderStatus status_ = OrderStatus::PendingNew;
    Quantity filled_qty_;
    Money filled_notional_;
    Money commission_;
    Timestamp created_at_;
    Timestamp updated_at_;
    std::optional<Timestamp> submitted_at_;
    std::optional<Timestamp> filled_at_;
    std::optional<Timestamp> canceled_at_;
    std::optional<Timestamp> expired_at_;
    std::optional<Timestamp> failed_at_;
    std::optional<Timestamp> replaced_at_;
    std::optional<OrderId> replaced_by_;
    std::optional<OrderId> replaces_;
    std::unordered_set<std::string> execution_ids_;
};

}  // namespace meridian::core
