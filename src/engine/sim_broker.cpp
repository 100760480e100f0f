// Simulated order matching against bars and quotes.
#include "engine/sim_broker.hpp"

#include <algorithm>
#include <cmath>

#include "engine/calendar.hpp"

namespace meridian::engine {
namespace {

using core::Money;
using core::OrderStatus;
using core::OrderType;
using core::Price;
using core::Quantity;
using core::Side;
using core::TimeInForce;

/// The trading day of an instant: its New York date (day orders expire with it).
std::int64_t day_of(core::Timestamp ts) {
    return core::days_from_civil(nyse::new_york_date(ts));
}

/// price x (1 +- bps / 10,000), rounded against the order at 9 decimals.
Price slipped(Price p, Price bps, Side side) {
    if (bps.is_zero()) return p;
    const core::Int128 scale = core::Int128{10'000} * Price::one;  // 10,000 bps in nano units
    const core::Int128 factor = side == Side::Buy ? scale + bps.raw() : scale - bps.raw();
    const core::Int128 raw = core::decimal::div_round(
        core::Int128{p.raw()} * factor, scale,
        side == Side::Buy ? core::Rounding::Ceiling : core::Rounding::Floor);
    return Price::from_raw(static_cast<std::int64_t>(raw));
}

/// Where a limit order fills on a bar with this open/low/high, or nothing.
std::optional<Price> limit_fill(Side side, Price limit, Price open, Price low, Price high) {
    if (side == Side::Buy) {
        if (open <= limit) return open;
        if (low <= limit) return limit;
    } else {
        if (open >= limit) return open;
        if (high >= limit) return limit;
    }
    return std::nullopt;
}

/// Where a stop order fills (as a market order once triggered), or nothing.
std::optional<Price> stop_fill(Side side, Price stop, Price open, Price low, Price high) {
    if (side == Side::Buy) {
        if (open >= stop) return open;
        if (high >= stop) return stop;
    } else {
        if (open <= stop) return open;
        if (low <= stop) return stop;
    }
    return std::nullopt;
}

/// A trailing stop's stop price from its watermark.
Price trailing_stop_price(const core::OrderRequest& r, Price watermark) {
    const bool sell = r.side == Side::Sell;
    if (r.trail_price) return sell ? watermark - *r.trail_price : watermark + *r.trail_price;
    const core::Int128 hundred = core::Int128{100} * Price::one;
    const core::Int128 factor =
        sell ? hundred - r.trail_percent->raw() : hundred + r.trail_percent->raw();
    const core::Int128 raw = core::decimal::div_round(core::Int128{watermark.raw()} * factor,
                                                      hundred, core::Rounding::HalfEven);
    return Price::from_raw(static_cast<std::int64_t>(raw)).round(4, core::Rounding::HalfEven);
}

core::Error illegal(std::string message) {
    return core::Error{core::Errc::IllegalState, std::move(message)};
}

}  // namespace

std::string_view to_string(OrderUpdate::Event e) noexcept {
    switch (e) {
        case OrderUpdate::Event::New:
            return "new";
        case OrderUpdate::Event::PartialFill:
            return "partial_fill";
        case OrderUpdate::Event::Fill:
            return "fill";
        case OrderUpdate::Event::Canceled:
            return "canceled";
        case OrderUpdate::Event::Expired:
            return "expired";
        case OrderUpdate::Event::Rejected:
            return "rejected";
        case OrderUpdate::Event::Replaced:
            return "replaced";
        case OrderUpdate::Event::Updated:
            return "updated";
    }
    return "unknown";
}

// ---- Commission ----

core::Result<Commission> Commission::parse(std::string_view spec) {
    Commission c;
    if (spec.empty()) return core::invalid("commission is empty (e.g. per_share=0.005,min=1)");
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            return core::invalid("commission '" + std::string{item} + "': expected KEY=AMOUNT");
        }
        const std::string key{item.substr(0, eq)};
        const std::string_view value = item.substr(eq + 1);
        if (key == "bps") {
            auto p = Price::parse(value);
            if (!p || p->is_negative()) {
                return core::invalid("commission bps '" + std::string{value} +
                                     "' must be a number >= 0");
            }
            c.bps = *p;
            continue;
        }
        auto m = Money::parse(value);
        if (!m || m->is_negative()) {
            return core::invalid("commission " + key + " '" + std::string{value} +
                                 "' must be an amount >= 0");
        }
        if (key == "per_share") {
            c.per_share = *m;
        } else if (key == "per_order") {
            c.per_order = *m;
        } else if (key == "min") {
            c.minimum = *m;
        } else {
            return core::invalid("unknown commission key '" + key +
                                 "' (valid: per_share, per_order, bps, min)");
        }
    }
    return c;
}

Money Commission::on(Quantity qty, Money notional) const {
    Money total = per_order + core::multiply(per_share, qty, core::Rounding::HalfUp);
    if (!bps.is_zero()) {
        const core::Int128 raw =
            core::decimal::div_round(core::decimal::mul(notional.raw(), core::Int128{bps.raw()}),
                                     core::Int128{10'000} * Price::one, core::Rounding::HalfUp);
        total += Money::from_raw(raw);
    }
    total = total.round_to_cents(core::Rounding::HalfUp);
    return std::max(total, minimum);
}

bool Commission::is_zero() const {
    return per_share.is_zero() && per_order.is_zero() && bps.is_zero() && minimum.is_zero();
}

// ---- SimBroker ----

std::size_t SimBroker::add(core::Order order, std::string strategy,
                           core::Timestamp eligible_after) {
    SimOrder s{std::move(order), std::move(strategy), {}, {}, {}, {}, false, false, {}, {}};
    s.eligible_after = eligible_after;
    orders_.push_back(std::move(s));
    const std::size_t i = orders_.size() - 1;
    by_id_[orders_[i].order.id()] = i;
    client_ids_.insert(orders_[i].order.client_order_id());
    open_.push_back(i);
    return i;
}

const SimOrder* SimBroker::find(const core::OrderId& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &orders_[it->second];
}

std::vector<core::OrderId> SimBroker::legs_of(const core::OrderId& parent) const {
    std::vector<core::OrderId> out;
    auto it = by_id_.find(parent);
    if (it == by_id_.end()) return out;
    // Legs come after their entry (made with it, resized when it ends, or adopted after it).
    for (std::size_t i = it->second + 1; i < orders_.size(); ++i) {
        if (orders_[i].parent == it->second) out.push_back(orders_[i].order.id());
    }
    return out;
}

core::Result<void> SimBroker::adopt(core::Order order, std::string strategy, core::Timestamp now) {
    if (order.is_terminal()) return core::Error{core::Errc::IllegalState, "order is final"};
    if (by_id_.contains(order.id()) || client_ids_.contains(order.client_order_id())) {
        return core::Error{core::Errc::Duplicate, "order " + order.id().str() + " is known"};
    }
    if (order.status() == OrderStatus::PendingNew) {
        MERIDIAN_ASSERT(order.transition(OrderStatus::New, now).has_value(), "pending_new -> new");
        pending_.push_back(
            OrderUpdate{OrderUpdate::Event::New, order.id(), strategy, std::nullopt, {}, now});
    }
    add(std::move(order), std::move(strategy), now);
    return {};
}

core::Result<void> SimBroker::link(const core::OrderId& id,
                                   const std::optional<core::OrderId>& parent,
                                   const std::optional<core::OrderId>& oco_peer) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return core::Error{core::Errc::NotFound, "no order " + id.str()};
    const std::size_t i = it->second;
    if (auto p = parent ? by_id_.find(*parent) : by_id_.end(); p != by_id_.end()) {
        orders_[i].parent = p->second;
        // Only a held leg waits for its entry (works when it fills, goes when it ends); an oco's
        // stop, or a leg already working, is tied by its peer alone.
        auto& children = orders_[p->second].children;
        if (orders_[i].order.status() == OrderStatus::Held &&
            std::find(children.begin(), children.end(), i) == children.end()) {
            children.push_back(i);
        }
    }
    if (auto q = oco_peer ? by_id_.find(*oco_peer) : by_id_.end(); q != by_id_.end()) {
        orders_[i].oco_peer = q->second;
        orders_[q->second].oco_peer = i;
    }
    return {};
}

core::Result<core::OrderId> SimBroker::submit(const core::OrderRequest& request,
                                              std::string strategy, core::Timestamp now) {
    return accept(request, std::move(strategy), now, std::nullopt, now);
}

core::Result<core::OrderId> SimBroker::submit(const core::Order& order, std::string strategy,
                                              core::Timestamp now) {
    core::OrderRequest request = order.request();
    request.client_order_id = order.client_order_id();
    return accept(request, std::move(strategy), now, order.id(), order.created_at());
}

core::Result<core::OrderId> SimBroker::accept(const core::OrderRequest& request,
                                              std::string strategy, core::Timestamp now,
                                              std::optional<core::OrderId> given_id,
                                              core::Timestamp created_at) {
    auto coid = request.client_order_id ? *request.client_order_id : ids_.next_client_order_id();
    if (client_ids_.contains(coid)) {
        return core::Error{core::Errc::Duplicate, "client_order_id must be unique: " + coid.str()};
    }
    core::OrderRequest main = request;
    if (request.order_class == core::OrderClass::Oco) {
        // The take-profit limit is the order; the stop-loss its one-cancels-other peer.
        main.limit_price = request.take_profit->limit_price;
    }
    if (given_id && by_id_.contains(*given_id)) {
        return core::Error{core::Errc::Duplicate, "order " + given_id->str() + " is known"};
    }
    auto order =
        core::Order::create(main, given_id ? *given_id : ids_.next_order_id(), coid, created_at);
    if (!order) return order.error();
    MERIDIAN_ASSERT(order->transition(OrderStatus::New, now).has_value(), "pending_new -> new");
    core::OrderId id = order->id();
    pending_.push_back(OrderUpdate{OrderUpdate::Event::New, id, strategy, std::nullopt, {}, now});
    const std::size_t parent = add(std::move(*order), strategy, now);

    auto leg = [&](Side side, OrderType type, std::optional<Price> limit, std::optional<Price> stop,
                   OrderStatus initial) {
        core::OrderRequest r;
        r.symbol = request.symbol;
        r.side = side;
        r.type = type;
        r.time_in_force = request.time_in_force;
        r.qty = request.qty;
        r.limit_price = limit;
        r.stop_price = stop;
        auto o =
            core::Order::create(r, ids_.next_order_id(), ids_.next_client_order_id(), now, initial);
        MERIDIAN_ASSERT(o.has_value(), "a leg of a valid advanced order is valid");
        if (initial == OrderStatus::PendingNew) {
            MERIDIAN_ASSERT(o->transition(OrderStatus::New, now).has_value(), "pending_new -> new");
        }
        // Reported like the entry, so that whoever keeps orders keeps the legs from the start
        // (held ones as an update: they are not working yet).
        pending_.push_back(OrderUpdate{
            initial == OrderStatus::Held ? OrderUpdate::Event::Updated : OrderUpdate::Event::New,
            o->id(),
            strategy,
            std::nullopt,
            {},
            now});
        return add(std::move(*o), strategy, now);
    };
    const Side exit = core::opposite(request.side);
    auto stop_leg = [&](Side side, OrderStatus initial) {
        const auto& sl = *request.stop_loss;
        return leg(side, sl.limit_price ? OrderType::StopLimit : OrderType::Stop, sl.limit_price,
                   sl.stop_price, initial);
    };
    switch (request.order_class) {
        case core::OrderClass::Simple:
            break;
        case core::OrderClass::Bracket: {
            const std::size_t tp = leg(exit, OrderType::Limit, request.take_profit->limit_price,
                                       std::nullopt, OrderStatus::Held);
            const std::size_t sl = stop_leg(exit, OrderStatus::Held);
            orders_[tp].parent = parent;
            orders_[sl].parent = parent;
            orders_[tp].oco_peer = sl;
            orders_[sl].oco_peer = tp;
            orders_[parent].children = {tp, sl};
            break;
        }
        case core::OrderClass::Oto: {
            const std::size_t l =
                request.take_profit ? leg(exit, OrderType::Limit, request.take_profit->limit_price,
                                          std::nullopt, OrderStatus::Held)
                                    : stop_leg(exit, OrderStatus::Held);
            orders_[l].parent = parent;
            orders_[parent].children = {l};
            break;
        }
        case core::OrderClass::Oco: {
            const std::size_t sl = stop_leg(request.side, OrderStatus::PendingNew);
            orders_[sl].parent = parent;  // nested under it, as Alpaca does; not held by it
            orders_[sl].oco_peer = parent;
            orders_[parent].oco_peer = sl;
            break;
        }
    }
    return id;
}

core::Result<void> SimBroker::cancel(const core::OrderId& id, core::Timestamp now) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return core::Error{core::Errc::NotFound, "no order " + id.str()};
    const std::size_t i = it->second;
    if (orders_[i].order.is_terminal()) {
        return illegal("order " + id.str() + " is already " +
                       std::string{core::to_string(orders_[i].order.status())});
    }
    finish(i, OrderStatus::Canceled, now, pending_);
    if (auto peer = orders_[i].oco_peer) finish(*peer, OrderStatus::Canceled, now, pending_);
    prune();
    return {};
}

core::Result<core::OrderId> SimBroker::replace(const core::OrderId& id,
                                               const core::OrderChange& change,
                                               core::Timestamp now) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return core::Error{core::Errc::NotFound, "no order " + id.str()};
    const std::size_t i = it->second;
    const core::Order& old = orders_[i].order;
    if (old.is_terminal()) return illegal("order " + id.str() + " is final and cannot be replaced");
    if (old.order_class() != core::OrderClass::Simple || orders_[i].parent || orders_[i].oco_peer) {
        return illegal("order " + id.str() + " is part of an advanced order; replace it whole");
    }
    if (old.filled_qty().is_positive()) return illegal("order " + id.str() + " is partly filled");
    auto r = core::changed(old.request(), change);
    if (!r) return r.error();
    const auto coid =
        change.client_order_id ? *change.client_order_id : ids_.next_client_order_id();
    if (client_ids_.contains(coid)) {
        return core::Error{core::Errc::Duplicate, "client_order_id must be unique: " + coid.str()};
    }
    auto created = core::Order::create_replacing(id, *r, ids_.next_order_id(), coid, now);
    if (!created) return created.error();
    MERIDIAN_ASSERT(created->transition(OrderStatus::New, now).has_value(), "pending_new -> new");
    core::OrderId new_id = created->id();
    MERIDIAN_ASSERT(orders_[i].order.replace_with(new_id, now).has_value(), "working -> replaced");
    std::string strategy = orders_[i].strategy;
    pending_.push_back(
        OrderUpdate{OrderUpdate::Event::Replaced, id, strategy, std::nullopt, {}, now});
    pending_.push_back(
        OrderUpdate{OrderUpdate::Event::New, new_id, strategy, std::nullopt, {}, now});
    add(std::move(*created), std::move(strategy), now);
    prune();
    return new_id;
}

core::Quantity SimBroker::fillable(const core::Order& order, core::Price price) {
    if (auto leaves = order.leaves_qty()) return *leaves;
    if (order.is_terminal() || !price.is_positive()) return Quantity{};
    const Money left = *order.notional() - order.filled_notional();
    if (!left.is_positive()) return Quantity{};
    // Money has 18 decimals and Price 9: their quotient in raw units is nano-shares.
    return Quantity::from_raw(static_cast<std::int64_t>(
        core::decimal::div_round(left.raw(), price.raw(), core::Rounding::Down)));
}

core::Quantity SimBroker::volume_left(const Bar& bar) const {
    if (!config_.volume_participation) return Quantity::from_raw(INT64_MAX);
    const double cap_shares = std::floor(bar.volume.to_double() * *config_.volume_participation);
    Quantity cap = Quantity::from_units(static_cast<std::int64_t>(cap_shares));
    auto it = volume_taken_.find(bar.symbol);
    if (it != volume_taken_.end()) cap = cap - std::min(cap, it->second);
    return cap;
}

void SimBroker::finish(std::size_t i, OrderStatus status, core::Timestamp ts,
                       std::vector<OrderUpdate>& updates, std::string reason) {
    SimOrder& s = orders_[i];
    if (s.order.is_terminal()) return;
    MERIDIAN_ASSERT(s.order.transition(status, ts).has_value(), "a working order can end so");
    OrderUpdate::Event e = OrderUpdate::Event::Canceled;
    if (status == OrderStatus::Expired) e = OrderUpdate::Event::Expired;
    if (status == OrderStatus::Rejected) e = OrderUpdate::Event::Rejected;
    updates.push_back(
        OrderUpdate{e, s.order.id(), s.strategy, std::nullopt, std::move(reason), ts});
    // An entry that ends: its held legs go with it, or are resized to what did fill.
    const std::vector<std::size_t> children = s.children;
    if (children.empty()) return;
    const Quantity filled = s.order.filled_qty();
    for (std::size_t c : children) {
        finish(c, OrderStatus::Canceled, ts, updates);
    }
    if (filled.is_zero()) return;
    std::vector<std::size_t> fresh;
    for (std::size_t c : children) {
        core::OrderRequest r = orders_[c].order.request();
        r.qty = filled;
        r.client_order_id.reset();
        auto o = core::Order::create(r, ids_.next_order_id(), ids_.next_client_order_id(), ts);
        MERIDIAN_ASSERT(o.has_value(), "a resized leg is valid");
        MERIDIAN_ASSERT(o->transition(OrderStatus::New, ts).has_value(), "pending_new -> new");
        updates.push_back(OrderUpdate{
            OrderUpdate::Event::New, o->id(), orders_[i].strategy, std::nullopt, {}, ts});
        fresh.push_back(add(std::move(*o), orders_[i].strategy, ts));
        orders_[fresh.back()].parent = i;  // still the entry's legs (working: not held by it)
    }
    if (fresh.size() == 2) {
        orders_[fresh[0]].oco_peer = fresh[1];
        orders_[fresh[1]].oco_peer = fresh[0];
    }
}

void SimBroker::on_filled(std::size_t i, core::Timestamp ts, std::vector<OrderUpdate>& updates) {
    if (auto peer = orders_[i].oco_peer) finish(*peer, OrderStatus::Canceled, ts, updates);
    for (std::size_t c : orders_[i].children) {
        SimOrder& leg = orders_[c];
        if (leg.order.status() != OrderStatus::Held) continue;
        MERIDIAN_ASSERT(leg.order.transition(OrderStatus::New, ts).has_value(), "held -> new");
        leg.eligible_after = ts;  // exits work from the next bar on
        updates.push_back(OrderUpdate{
            OrderUpdate::Event::New, leg.order.id(), leg.strategy, std::nullopt, {}, ts});
    }
}

bool SimBroker::execute(std::size_t i, Quantity qty, Price price, core::Timestamp ts,
                        core::Account& account, std::vector<OrderUpdate>& updates) {
    SimOrder& s = orders_[i];
    core::Order& order = s.order;
    const Side side = order.side();
    const bool first_execution = order.filled_qty().is_zero();
    Commission c = config_.commission;
    if (!first_execution) {
        c.per_order = Money{};
        c.minimum = Money{};
    }
    const Money commission = c.on(qty, price * qty);
    const Money cost = price * qty + commission;
    std::string refused;
    if (side == Side::Buy) {
        if (cost > account.buying_power()) {
            refused = "insufficient buying power: need " +
                      cost.to_string(2, core::Rounding::HalfUp) + ", have " +
                      account.buying_power().to_string(2, core::Rounding::HalfUp);
        }
    } else if (account.multiplier() == 1) {
        const auto* p = account.position(order.symbol());
        const Quantity held = p ? p->qty() : Quantity{};
        if (held < qty) {
            refused = "a cash account cannot sell " + qty.to_string() + " " + order.symbol().str() +
                      " holding " + held.to_string();
        }
    }
    if (!refused.empty()) {
        finish(i, first_execution ? OrderStatus::Rejected : OrderStatus::Canceled, ts, updates,
               std::move(refused));
        return false;
    }
    core::Fill fill;
    fill.execution_id = config_.execution_prefix + std::to_string(++executions_);
    fill.order_id = order.id();
    fill.symbol = order.symbol();
    fill.side = side;
    fill.qty = qty;
    fill.price = price;
    fill.commission = commission;
    fill.ts_event = ts;
    fill.ts_init = ts;
    MERIDIAN_ASSERT(*order.apply_fill(fill), "a fresh execution applies");
    MERIDIAN_ASSERT(*account.apply_fill(fill), "an affordable fill applies");
    volume_taken_[order.symbol()] += qty;
    // A notional order is filled when its dollars buy no more (the broker decides its end).
    if (!order.qty() && fillable(order, price).is_zero()) {
        MERIDIAN_ASSERT(order.transition(OrderStatus::Filled, ts).has_value(), "notional filled");
    }
    const bool done = order.status() == OrderStatus::Filled;
    updates.push_back(OrderUpdate{done ? OrderUpdate::Event::Fill : OrderUpdate::Event::PartialFill,
                                  order.id(),
                                  s.strategy,
                                  fill,
                                  {},
                                  ts});
    if (done) on_filled(i, ts, updates);
    return true;
}

void SimBroker::work(std::size_t i, const Bar& bar, bool at_close, core::Account& account,
                     std::vector<OrderUpdate>& updates) {
    SimOrder& s = orders_[i];
    const core::Order& o = s.order;
    const core::OrderRequest& r = o.request();
    const TimeInForce tif = r.time_in_force;
    const std::int64_t day = day_of(bar.ts);
    const bool market = r.type == OrderType::Market;

    if (tif == TimeInForce::Day && !market && s.first_day && *s.first_day < day) {
        finish(i, OrderStatus::Expired, bar.ts, updates);
        return;
    }
    if (!s.first_day) s.first_day = day;

    // The prices this bar offers the order: all of it, or only its open or close.
    Price open = bar.open;
    Price low = bar.low;
    Price high = bar.high;
    const bool close_only =
        at_close || tif == TimeInForce::Cls || (market && config_.fill_at == FillAt::Close);
    if (close_only) open = low = high = bar.close;
    if (tif == TimeInForce::Opg) low = high = open;

    std::optional<Price> price;
    bool marketable = false;  // fills at a market price: slippage applies
    const Side side = r.side;
    switch (r.type) {
        case OrderType::Market:
            price = open;
            marketable = true;
            break;
        case OrderType::Limit:
            price = limit_fill(side, *r.limit_price, open, low, high);
            break;
        case OrderType::Stop:
            price = stop_fill(side, *r.stop_price, open, low, high);
            marketable = true;
            break;
        case OrderType::StopLimit:
            if (s.stop_triggered) {
                price = limit_fill(side, *r.limit_price, open, low, high);
            } else if (auto trigger = stop_fill(side, *r.stop_price, open, low, high)) {
                s.stop_triggered = true;
                const bool by_open = *trigger == open;
                const bool limit_no_worse = side == Side::Buy ? *r.limit_price >= *r.stop_price
                                                              : *r.limit_price <= *r.stop_price;
                if (by_open) {
                    price = limit_fill(side, *r.limit_price, open, low, high);
                } else if (limit_no_worse) {
                    price = *trigger;
                }
            }
            break;
        case OrderType::TrailingStop: {
            if (!s.watermark) s.watermark = open;
            const Price stop = trailing_stop_price(r, *s.watermark);
            price = stop_fill(side, stop, open, low, high);
            marketable = true;
            s.watermark =
                side == Side::Sell ? std::max(*s.watermark, high) : std::min(*s.watermark, low);
            break;
        }
    }

    const bool first_chance = !s.worked_once;
    s.worked_once = true;
    if (price) {
        if (marketable) price = slipped(*price, config_.slippage_bps, side);
        const Quantity leaves = fillable(o, *price);
        const Quantity can = std::min(leaves, volume_left(bar));
        if (tif == TimeInForce::Fok && can < leaves) {
            finish(i, OrderStatus::Canceled, bar.ts, updates,
                   "fill or kill: only " + can.to_string() + " available");
            return;
        }
        if (can.is_positive() && !execute(i, can, *price, bar.ts, account, updates)) return;
    }
    if (orders_[i].order.is_terminal()) return;
    if (first_chance && (tif == TimeInForce::Ioc || tif == TimeInForce::Fok)) {
        finish(i, OrderStatus::Canceled, bar.ts, updates);
    } else if (first_chance && (tif == TimeInForce::Opg || tif == TimeInForce::Cls)) {
        finish(i, OrderStatus::Expired, bar.ts, updates);
    }
}

std::vector<OrderUpdate> SimBroker::take_updates() {
    std::vector<OrderUpdate> out;
    out.swap(pending_);
    return out;
}

std::vector<OrderUpdate> SimBroker::on_bar(const Bar& bar, bool after_strategies,
                                           core::Account& account) {
    if (bar.ts != volume_bar_ts_) {
        volume_bar_ts_ = bar.ts;
        if (!volume_taken_.empty()) volume_taken_.clear();
    }
    if (open_.empty() && pending_.empty()) return {};  // most bars of a backtest
    std::vector<OrderUpdate> updates = take_updates();
    // The common case on a bar: nothing working in this symbol.
    const bool any = std::any_of(open_.begin(), open_.end(), [&](std::size_t i) {
        return orders_[i].order.symbol() == bar.symbol;
    });
    if (!any) return updates;
    // Stops first: when a stop-loss and a take-profit could both fill on one bar, the bar's
    // path is unknown and the loss is the cautious assumption.
    std::vector<std::size_t> snapshot = open_;
    std::stable_partition(snapshot.begin(), snapshot.end(), [&](std::size_t i) {
        const OrderType t = orders_[i].order.type();
        return t == OrderType::Stop || t == OrderType::StopLimit || t == OrderType::TrailingStop;
    });
    for (const std::size_t i : snapshot) {
        const SimOrder& s = orders_[i];
        if (s.order.is_terminal() || s.order.symbol() != bar.symbol) continue;
        if (s.order.status() == OrderStatus::Held) continue;
        if (!after_strategies) {
            if (s.eligible_after < bar.ts) work(i, bar, false, account, updates);
            continue;
        }
        // After the strategies: what was decided on this bar and fills at its close.
        const bool closes_now =
            config_.fill_at == FillAt::Close &&
            (s.order.type() == OrderType::Market || s.order.time_in_force() == TimeInForce::Cls);
        if (s.eligible_after == bar.ts && closes_now) work(i, bar, true, account, updates);
    }
    prune();
    return updates;
}

std::vector<OrderUpdate> SimBroker::on_quote(const Quote& quote, core::Account& account) {
    std::vector<OrderUpdate> updates = take_updates();
    const std::vector<std::size_t> snapshot = open_;
    for (const std::size_t i : snapshot) {
        SimOrder& s = orders_[i];
        if (s.order.is_terminal() || s.order.symbol() != quote.symbol) continue;
        if (s.order.status() == OrderStatus::Held || !(s.eligible_after < quote.ts)) continue;
        const core::OrderRequest& r = s.order.request();
        const std::int64_t day = day_of(quote.ts);
        if (r.time_in_force == TimeInForce::Day && r.type != OrderType::Market && s.first_day &&
            *s.first_day < day) {
            finish(i, OrderStatus::Expired, quote.ts, updates);
            continue;
        }
        if (!s.first_day) s.first_day = day;
        const bool buy = r.side == Side::Buy;
        const Price touch = buy ? quote.ask : quote.bid;  // where this side trades
        std::optional<Price> price;
        switch (r.type) {
            case OrderType::Market:
                price = touch;
                break;
            case OrderType::Limit:
                if (buy ? touch <= *r.limit_price : touch >= *r.limit_price) price = touch;
                break;
            case OrderType::Stop:
                if (buy ? touch >= *r.stop_price : touch <= *r.stop_price) price = touch;
                break;
            case OrderType::StopLimit:
                if (!s.stop_triggered && (buy ? touch >= *r.stop_price : touch <= *r.stop_price)) {
                    s.stop_triggered = true;
                }
                if (s.stop_triggered && (buy ? touch <= *r.limit_price : touch >= *r.limit_price)) {
                    price = touch;
                }
                break;
            case OrderType::TrailingStop: {
                if (!s.watermark) s.watermark = buy ? quote.ask : quote.bid;
                const Price stop = trailing_stop_price(r, *s.watermark);
                if (buy ? touch >= stop : touch <= stop) price = touch;
                s.watermark =
                    buy ? std::min(*s.watermark, quote.ask) : std::max(*s.watermark, quote.bid);
                break;
            }
        }
        if (price) {
            if (r.type == OrderType::Market || r.type == OrderType::Stop ||
                r.type == OrderType::TrailingStop) {
                price = slipped(*price, config_.slippage_bps, r.side);
            }
            if (const Quantity qty = fillable(s.order, *price); qty.is_positive()) {
                execute(i, qty, *price, quote.ts, account, updates);
            } else {
                // Dollars that buy less than a nano-share: refused, or the rest given up.
                const bool any = s.order.filled_qty().is_positive();
                finish(i, any ? OrderStatus::Canceled : OrderStatus::Rejected, quote.ts, updates,
                       "the notional left buys less than a nano-share at " + price->to_string());
            }
        }
        if (!orders_[i].order.is_terminal() &&
            (r.time_in_force == TimeInForce::Ioc || r.time_in_force == TimeInForce::Fok)) {
            finish(i, OrderStatus::Canceled, quote.ts, updates);
        }
    }
    prune();
    return updates;
}

core::Money SimBroker::committed_buy_notional(const core::Account& account) const {
    Money total;
    for (const std::size_t i : open_) {
        const core::Order& o = orders_[i].order;
        if (o.side() != Side::Buy || o.status() == OrderStatus::Held) continue;
        if (o.notional()) {
            total += *o.notional() - o.filled_notional();
            continue;
        }
        const auto price =
            o.request().limit_price ? o.request().limit_price : account.mark_price(o.symbol());
        if (price) total += *price * *o.leaves_qty();
    }
    return total;
}

void SimBroker::forget_final(std::size_t keep) {
    prune();
    const std::size_t n = orders_.size();
    std::vector<bool> kept(n, false);
    std::size_t finals = 0;
    for (std::size_t i = n; i-- > 0;) {
        kept[i] = !orders_[i].order.is_terminal() || finals++ < keep;
    }
    // A kept order keeps its relatives (and theirs): a bracket is three orders, an oco two.
    for (bool grew = true; grew;) {
        grew = false;
        auto keep_too = [&](std::size_t j) {
            if (!kept[j]) kept[j] = grew = true;
        };
        for (std::size_t i = 0; i < n; ++i) {
            if (!kept[i]) continue;
            const SimOrder& s = orders_[i];
            if (s.parent) keep_too(*s.parent);
            if (s.oco_peer) keep_too(*s.oco_peer);
            for (std::size_t c : s.children) {
                keep_too(c);
            }
        }
    }
    constexpr std::size_t gone = static_cast<std::size_t>(-1);
    std::vector<std::size_t> moved_to(n, gone);
    std::deque<SimOrder> rest;
    for (std::size_t i = 0; i < n; ++i) {
        if (kept[i]) {
            moved_to[i] = rest.size();
            rest.push_back(std::move(orders_[i]));
        } else {
            by_id_.erase(orders_[i].order.id());
            client_ids_.erase(orders_[i].order.client_order_id());
        }
    }
    if (rest.size() == n) {
        orders_ = std::move(rest);
        return;
    }
    for (auto& s : rest) {
        if (s.parent) s.parent = moved_to[*s.parent];
        if (s.oco_peer) s.oco_peer = moved_to[*s.oco_peer];
        for (auto& c : s.children) {
            c = moved_to[c];
        }
    }
    for (auto& i : open_) {
        i = moved_to[i];  // open orders are all kept
    }
    orders_ = std::move(rest);
    for (std::size_t i = 0; i < orders_.size(); ++i) {
        by_id_[orders_[i].order.id()] = i;
    }
}

void SimBroker::prune() {
    std::erase_if(open_, [&](std::size_t i) { return orders_[i].order.is_terminal(); });
}

}  // namespace meridian::engine
