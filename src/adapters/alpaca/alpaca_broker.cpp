// AlpacaBroker: orders out over REST, their lives back over trade_updates, checked by REST.
#include "adapters/alpaca/alpaca_broker.hpp"

#include <cstdio>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "services/common/metrics.hpp"

namespace meridian::alpaca {

namespace asio = boost::asio;
using engine::OrderUpdate;

namespace {

OrderUpdate::Event event_for(core::OrderStatus s) {
    switch (s) {
        case core::OrderStatus::New:
            return OrderUpdate::Event::New;
        case core::OrderStatus::Canceled:
            return OrderUpdate::Event::Canceled;
        case core::OrderStatus::Expired:
            return OrderUpdate::Event::Expired;
        case core::OrderStatus::Rejected:
            return OrderUpdate::Event::Rejected;
        case core::OrderStatus::Replaced:
            return OrderUpdate::Event::Replaced;
        default:
            return OrderUpdate::Event::Updated;
    }
}

/// When a status says it happened: Alpaca's own stamp where it has one.
core::Timestamp when(const BrokerOrder& b, core::Timestamp fallback) {
    switch (b.status) {
        case core::OrderStatus::Canceled:
            return b.canceled_at.value_or(b.updated_at.value_or(fallback));
        case core::OrderStatus::Expired:
            return b.expired_at.value_or(b.updated_at.value_or(fallback));
        case core::OrderStatus::Replaced:
            return b.replaced_at.value_or(b.updated_at.value_or(fallback));
        case core::OrderStatus::Rejected:
            return b.failed_at.value_or(b.updated_at.value_or(fallback));
        default:
            return b.updated_at.value_or(fallback);
    }
}

}  // namespace

AlpacaBroker::AlpacaBroker(const services::BrokerContext& context, Settings settings)
    : clock_{context.clock},
      account_{context.account},
      metrics_{context.metrics},
      settings_{std::move(settings)},
      executor_{context.executor},
      client_{context.executor, settings_},
      stream_{context.executor, settings_,
              TradeStream::Handlers{
                  [this](TradeUpdate u) { on_update(std::move(u)); },
                  [this] {
                      // Alpaca does not replay what a dropped stream missed: read it back.
                      metrics_.inc("meridian_alpaca_stream_connects_total");
                      if (started_) reconcile_soon();
                  },
                  [this](const std::string& why) {
                      metrics_.inc("meridian_alpaca_unreadable_updates_total");
                      std::fprintf(stderr, "alpaca: unreadable trade update (%s): reconciling\n",
                                   why.c_str());
                      reconcile_soon();
                  }}},
      ids_{core::IdGenerator::from_entropy()},
      symbols_{context.symbols} {
    metrics_.counter("meridian_alpaca_stream_connects_total",
                     "trade_updates connections made (the first and every reconnect).");
    metrics_.counter("meridian_alpaca_unreadable_updates_total",
                     "trade_updates messages that could not be read.");
    metrics_.counter("meridian_alpaca_reconciled_changes_total",
                     "Order changes found by reconciliation that the stream had not reported.");
    metrics_.counter("meridian_alpaca_duplicate_fills_total",
                     "Fill events already applied (repeated or out of order), ignored.");
    metrics_.counter("meridian_alpaca_unknown_outcomes_total",
                     "Submissions whose answer was lost, settled by client_order_id.");
    metrics_.gauge("meridian_alpaca_position_mismatches",
                   "Symbols whose position differs from Alpaca's at the last reconciliation.");
    metrics_.gauge("meridian_alpaca_requests", "REST requests made to Alpaca since start.");
}

void AlpacaBroker::reconcile_soon() {
    asio::co_spawn(
        executor_,
        [this, alive = alive_]() -> asio::awaitable<void> {
            if (!*alive) co_return;
            (void)co_await reconcile();
        },
        asio::detached);
}

AlpacaBroker::~AlpacaBroker() {
    stop();
}

void AlpacaBroker::stop() {
    *alive_ = false;
    stream_.stop();
}

std::string AlpacaBroker::status() const {
    std::string s = started_ ? "reconciled" : "not reconciled";
    if (!last_error_.empty()) s += " (last error: " + last_error_ + ")";
    return s + "; trade stream " + stream_.state();
}

AlpacaBroker::Entry* AlpacaBroker::entry(const core::OrderId& id) {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : &it->second;
}

AlpacaBroker::Entry* AlpacaBroker::by_client_id(const std::string& coid) {
    auto it = by_client_id_.find(coid);
    return it == by_client_id_.end() ? nullptr : entry(it->second);
}

AlpacaBroker::Entry* AlpacaBroker::by_alpaca_id(const std::string& id) {
    auto it = by_alpaca_id_.find(id);
    return it == by_alpaca_id_.end() ? nullptr : entry(it->second);
}

void AlpacaBroker::remember(Entry& e) {
    by_client_id_[e.order.client_order_id().str()] = e.order.id();
    if (!e.alpaca_id.empty()) by_alpaca_id_[e.alpaca_id] = e.order.id();
}

asio::awaitable<core::Result<void>> AlpacaBroker::start(std::vector<store::StoredOrder> open) {
    for (auto& o : open) {
        if (entries_.contains(o.order.id())) continue;
        Entry e{o.order, o.strategy, {}, false, clock_.now(), std::nullopt};
        auto [it, inserted] = entries_.emplace(o.order.id(), std::move(e));
        remember(it->second);
    }
    stream_.start();
    auto account = co_await client_.account();
    if (!account) {
        last_error_ = account.error().message;
        co_return account.error();
    }
    if (account->trading_blocked || account->account_blocked) {
        co_return core::Error{core::Errc::Unavailable,
                              "the Alpaca account " + account->id + " is blocked from trading"};
    }
    // Every symbol the system trades must be a tradable asset there (the first hundred: a
    // request each, from a budget of 200 a minute).
    for (std::size_t i = 0; i < symbols_.size() && i < 100 && !started_; ++i) {
        const core::Symbol sym = symbols_[i];
        auto a = co_await client_.asset(sym);
        if (!*alive_) co_return core::Error{core::Errc::Unavailable, "stopped"};
        std::string why;
        if (!a && a.error().code == core::Errc::NotFound) {
            why = a.error().message;
        } else if (!a) {
            co_return a.error();
        } else if (!a->tradable || a->status != "active") {
            why = "asset status " + a->status + ", not tradable";
        }
        if (!why.empty()) {
            untradable_[sym] = why;
            std::fprintf(stderr, "alpaca: %s cannot be traded on Alpaca: %s\n", sym.str().c_str(),
                         why.c_str());
        }
    }
    auto ok = co_await reconcile();
    if (!ok) co_return ok.error();
    if (!started_) {
        started_ = true;
        asio::co_spawn(executor_, reconcile_loop(), asio::detached);
    }
    co_return core::Result<void>{};
}

asio::awaitable<void> AlpacaBroker::reconcile_loop() {
    auto alive = alive_;
    asio::steady_timer timer{executor_};
    while (*alive) {
        timer.expires_after(settings_.reconcile_every);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!*alive) co_return;
        auto ok = co_await reconcile();
        if (!*alive) co_return;
        if (!ok) {
            std::fprintf(stderr, "alpaca: reconciliation failed: %s\n", ok.error().message.c_str());
        }
    }
}

asio::awaitable<core::Result<void>> AlpacaBroker::submit(const core::Order& order,
                                                         const std::string& strategy) {
    auto alive = alive_;
    const core::OrderId& id = order.id();  // `order` lives until this returns
    if (auto u = untradable_.find(order.symbol()); u != untradable_.end()) {
        co_return core::Error{core::Errc::InvalidArgument,
                              order.symbol().str() + " cannot be traded on Alpaca: " + u->second};
    }
    {
        Entry e{order, strategy, {}, true, clock_.now(), std::nullopt};
        auto [it, inserted] = entries_.emplace(id, std::move(e));
        if (!inserted) {
            co_return core::Error{core::Errc::Duplicate, "order " + id.str() + " is known"};
        }
        remember(it->second);
    }
    core::OrderRequest request = order.request();
    request.client_order_id = order.client_order_id();
    auto sent = co_await client_.submit(request, settings_.timeout * 3);
    if (!*alive) co_return core::Error{core::Errc::Unavailable, "stopped"};
    Entry* e = entry(id);
    if (!e) co_return core::Error{core::Errc::Internal, "order " + id.str() + " vanished"};
    e->in_flight = false;
    switch (sent.kind) {
        case Submitted::Kind::Refused: {
            by_client_id_.erase(order.client_order_id().str());
            entries_.erase(id);
            auto err = to_error(sent.refusal);
            if (err.code != core::Errc::Rejected) last_error_ = err.message;
            co_return core::Error{sent.refusal.http == 403 && sent.refusal.code
                                      ? core::Errc::Rejected
                                      : core::Errc::InvalidArgument,
                                  err.message};
        }
        case Submitted::Kind::Unknown:
            metrics_.inc("meridian_alpaca_unknown_outcomes_total");
            co_return core::Error{core::Errc::Unavailable,
                                  "Alpaca did not answer; the order is settled by its "
                                  "client_order_id when it does"};
        case Submitted::Kind::Accepted:
            break;
    }
    e->alpaca_id = sent.order.id;
    remember(*e);
    Updates out;
    sync(*e, sent.order, out);
    if (order.order_class() != core::OrderClass::Simple) {
        std::vector<BrokerOrder> legs = sent.order.legs;
        if (legs.empty()) {
            // The legs are Alpaca's: read them (nested) to follow them.
            const std::string aid = sent.order.id;
            auto nested = co_await client_.order(aid, true);
            if (!*alive) co_return core::Error{core::Errc::Unavailable, "stopped"};
            if (nested) legs = nested->legs;
        }
        adopt_legs(id, legs, out);
    }
    publish(std::move(out));
    co_return core::Result<void>{};
}

void AlpacaBroker::adopt_legs(const core::OrderId& parent, const std::vector<BrokerOrder>& legs,
                              Updates& out) {
    Entry* p = entry(parent);
    if (!p) return;
    const std::string strategy = p->strategy;
    for (const auto& leg : legs) {
        if (by_alpaca_id(leg.id) || by_client_id(leg.client_order_id)) continue;
        auto coid = core::ClientOrderId::parse(leg.client_order_id);
        if (!coid) {
            std::fprintf(stderr, "alpaca: leg %s has an unusable client_order_id\n",
                         leg.id.c_str());
            continue;
        }
        core::OrderRequest r = leg.request;
        r.order_class = core::OrderClass::Simple;  // a leg is a plain order tied to its entry
        r.take_profit.reset();
        r.stop_loss.reset();
        if (!r.qty) r.qty = p->order.qty();
        r.client_order_id = *coid;
        const auto initial = leg.status == core::OrderStatus::Held ? core::OrderStatus::Held
                                                                   : core::OrderStatus::PendingNew;
        auto made = core::Order::create(r, ids_.next_order_id(), *coid, clock_.now(), initial);
        if (!made) {
            std::fprintf(stderr, "alpaca: leg %s not followed: %s\n", leg.id.c_str(),
                         made.error().message.c_str());
            continue;
        }
        const core::OrderId leg_id = made->id();
        Entry e{*made, strategy, leg.id, false, clock_.now(), parent};
        auto [it, inserted] = entries_.emplace(leg_id, std::move(e));
        remember(it->second);
        out.push_back(OrderUpdate{initial == core::OrderStatus::Held ? OrderUpdate::Event::Updated
                                                                     : OrderUpdate::Event::New,
                                  leg_id,
                                  strategy,
                                  std::nullopt,
                                  {},
                                  clock_.now()});
        sync(it->second, leg, out);
    }
}

asio::awaitable<core::Result<void>> AlpacaBroker::cancel(const core::OrderId& id) {
    Entry* e = entry(id);
    if (!e) co_return core::Error{core::Errc::NotFound, "order not found"};
    if (e->order.is_terminal()) {
        co_return core::Error{core::Errc::IllegalState,
                              "order is " + std::string{core::to_string(e->order.status())}};
    }
    if (e->alpaca_id.empty()) {
        co_return core::Error{core::Errc::IllegalState,
                              "the order has not reached Alpaca yet: cancel it once it has"};
    }
    const std::string alpaca_id = e->alpaca_id;
    auto ok = co_await client_.cancel(alpaca_id);
    if (!ok) co_return ok.error();
    // Accepted: the canceled event follows on the stream (or reconciliation finds it).
    co_return core::Result<void>{};
}

asio::awaitable<std::vector<services::Broker::Canceled>> AlpacaBroker::cancel_all() {
    auto alive = alive_;
    const std::vector<core::OrderId> mine = open_orders();
    if (mine.empty()) co_return std::vector<Canceled>{};
    auto theirs = co_await client_.orders("open");
    if (!*alive) co_return std::vector<Canceled>{};
    bool all_mine = theirs.has_value();
    if (theirs) {
        for (const auto& o : *theirs) {
            all_mine = all_mine && (by_alpaca_id(o.id) || by_client_id(o.client_order_id));
        }
    }
    if (!all_mine) {
        auto each = co_await services::Broker::cancel_all();
        co_return each;
    }
    auto tried = co_await client_.cancel_all();
    if (!*alive) co_return std::vector<Canceled>{};
    if (!tried) {
        auto each = co_await services::Broker::cancel_all();
        co_return each;
    }
    std::vector<Canceled> out;
    std::set<core::OrderId> answered;
    for (const auto& [alpaca_id, status] : *tried) {
        const Entry* e = by_alpaca_id(alpaca_id);
        if (!e) continue;
        answered.insert(e->order.id());
        if (status >= 200 && status < 300) {
            out.push_back(Canceled{e->order.id(), core::Result<void>{}});
        } else {
            out.push_back(Canceled{
                e->order.id(),
                core::Error{status == 404 ? core::Errc::NotFound : core::Errc::IllegalState,
                            "Alpaca answered " + std::to_string(status) + " to its cancel"}});
        }
    }
    // Ours that Alpaca did not list: not there yet (in flight), or canceled meanwhile.
    for (const auto& id : mine) {
        if (answered.contains(id)) continue;
        const auto* o = find(id);
        if (!o || o->is_terminal()) continue;
        auto result = co_await cancel(id);
        if (!*alive) co_return out;
        out.push_back(Canceled{id, std::move(result)});
    }
    co_return out;
}

asio::awaitable<core::Result<core::OrderId>> AlpacaBroker::replace(
    const core::OrderId& id, const core::OrderChange& change) {
    auto alive = alive_;
    Entry* e = entry(id);
    if (!e || e->order.is_terminal()) {
        co_return core::Error{core::Errc::NotFound, "order not found"};
    }
    if (e->alpaca_id.empty()) {
        co_return core::Error{core::Errc::IllegalState, "the order has not reached Alpaca yet"};
    }
    auto r = core::changed(e->order.request(), change);
    if (!r) co_return core::Error{core::Errc::InvalidArgument, r.error().message};
    const auto new_coid =
        change.client_order_id ? *change.client_order_id : ids_.next_client_order_id();
    if (by_client_id_.contains(new_coid.str())) {
        co_return core::Error{core::Errc::Duplicate,
                              "client_order_id must be unique: " + new_coid.str()};
    }
    auto made = core::Order::create_replacing(id, *r, ids_.next_order_id(), new_coid, clock_.now());
    if (!made) co_return core::Error{core::Errc::InvalidArgument, made.error().message};
    const core::OrderId new_id = made->id();
    const std::string old_alpaca = e->alpaca_id;
    {
        // Known before Alpaca answers: its first events may come first.
        Entry n{*made, e->strategy, {}, true, clock_.now(), std::nullopt};
        auto [it, inserted] = entries_.emplace(new_id, std::move(n));
        remember(it->second);
    }
    auto answer = co_await client_.replace(old_alpaca, change, new_coid.str());
    if (!*alive) co_return core::Error{core::Errc::Unavailable, "stopped"};
    Entry* n = entry(new_id);
    if (!answer) {
        // A replace can fail yet happen (section 9, item 11): read the old order back.
        auto old = co_await client_.order(old_alpaca);
        n = entry(new_id);
        if (old && old->replaced_by) {
            auto found = co_await client_.order(*old->replaced_by);
            n = entry(new_id);
            if (found && n) {
                n->in_flight = false;
                n->alpaca_id = found->id;
                remember(*n);
                Updates out;
                sync(*n, *found, out);
                if (Entry* o = entry(id)) sync(*o, *old, out);
                publish(std::move(out));
                co_return new_id;
            }
        }
        if (n && n->alpaca_id.empty()) {
            by_client_id_.erase(new_coid.str());
            entries_.erase(new_id);
        }
        co_return answer.error();
    }
    if (!n) co_return core::Error{core::Errc::Internal, "replacement vanished"};
    n->in_flight = false;
    n->alpaca_id = answer->id;
    remember(*n);
    Updates out;
    if (Entry* o = entry(id); o && o->order.status() != core::OrderStatus::Replaced) {
        if (o->order.replace_with(new_id, clock_.now())) {
            out.push_back(OrderUpdate{
                OrderUpdate::Event::Replaced, id, o->strategy, std::nullopt, {}, clock_.now()});
        }
    }
    out.push_back(
        OrderUpdate{OrderUpdate::Event::New, new_id, n->strategy, std::nullopt, {}, clock_.now()});
    sync(*n, *answer, out);
    publish(std::move(out));
    co_return new_id;
}

bool AlpacaBroker::apply_fill(Entry& e, std::string execution_id, core::Quantity qty,
                              core::Price price, core::Timestamp ts, bool last, Updates& out) {
    core::Fill f;
    f.execution_id = std::move(execution_id);
    f.order_id = e.order.id();
    f.symbol = e.order.symbol();
    f.side = e.order.side();
    f.qty = qty;
    f.price = price;
    f.ts_event = ts;
    f.ts_init = clock_.now();
    auto applied = e.order.apply_fill(f);
    if (!applied) {
        std::fprintf(stderr, "alpaca: fill %s on %s not applied: %s\n", f.execution_id.c_str(),
                     e.order.id().str().c_str(), applied.error().message.c_str());
        return false;
    }
    if (!*applied) {
        metrics_.inc("meridian_alpaca_duplicate_fills_total");
        return false;
    }
    if (auto ok = account_.apply_fill(f); !ok) {
        std::fprintf(stderr, "alpaca: fill %s not applied to the account: %s\n",
                     f.execution_id.c_str(), ok.error().message.c_str());
    }
    if (last && !e.order.qty() && !e.order.is_terminal()) {
        (void)e.order.transition(core::OrderStatus::Filled, ts);  // a notional order's end
    }
    const bool done = e.order.status() == core::OrderStatus::Filled;
    out.push_back(OrderUpdate{done ? OrderUpdate::Event::Fill : OrderUpdate::Event::PartialFill,
                              e.order.id(),
                              e.strategy,
                              f,
                              {},
                              ts});
    return true;
}

bool AlpacaBroker::sync(Entry& e, const BrokerOrder& b, Updates& out) {
    bool changed = false;
    const core::Timestamp now = clock_.now();
    // Fills first: what Alpaca counts as filled that we have not applied.
    if (b.filled_qty > e.order.filled_qty() && b.filled_avg_price) {
        const core::Quantity missing = b.filled_qty - e.order.filled_qty();
        const core::Money total = *b.filled_avg_price * b.filled_qty;
        const core::Money rest = total - e.order.filled_notional();
        core::Price price = rest.is_positive()
                                ? core::average_price(rest, missing, core::Rounding::HalfEven)
                                : *b.filled_avg_price;
        if (!price.is_positive()) price = *b.filled_avg_price;
        changed = apply_fill(e, "alpaca-" + b.id + "-cum-" + b.filled_qty.to_string(), missing,
                             price, b.filled_at.value_or(b.updated_at.value_or(now)),
                             b.status == core::OrderStatus::Filled, out) ||
                  changed;
    }
    if (b.status == core::OrderStatus::Filled && !e.order.qty() && !e.order.is_terminal() &&
        e.order.filled_qty() == b.filled_qty && e.order.filled_qty().is_positive()) {
        // A notional order whose fills were all applied before Alpaca said it is done.
        const core::Timestamp ts = when(b, now);
        if (e.order.transition(core::OrderStatus::Filled, ts)) {
            out.push_back(OrderUpdate{
                OrderUpdate::Event::Updated, e.order.id(), e.strategy, std::nullopt, {}, ts});
            changed = true;
        }
        return changed;
    }
    if (b.status == e.order.status() || b.status == core::OrderStatus::Filled ||
        b.status == core::OrderStatus::PartiallyFilled) {
        return changed;
    }
    if (e.order.is_terminal()) return changed;  // an old event after the end: nothing to do
    const core::Timestamp ts = when(b, now);
    if (b.status == core::OrderStatus::Replaced) {
        core::OrderId new_id;
        if (b.replaced_by) {
            if (Entry* n = by_alpaca_id(*b.replaced_by)) new_id = n->order.id();
        }
        if (new_id.empty()) return changed;  // the replacement's own update settles it
        if (e.order.replace_with(new_id, ts)) {
            out.push_back(OrderUpdate{
                OrderUpdate::Event::Replaced, e.order.id(), e.strategy, std::nullopt, {}, ts});
            changed = true;
        }
        return changed;
    }
    if (!e.order.can_transition(b.status)) return changed;  // older than what we know
    if (e.order.transition(b.status, ts)) {
        out.push_back(
            OrderUpdate{event_for(b.status), e.order.id(), e.strategy, std::nullopt,
                        b.status == core::OrderStatus::Rejected ? "rejected by Alpaca" : "", ts});
        changed = true;
    }
    return changed;
}

void AlpacaBroker::on_update(TradeUpdate u) {
    Entry* e = by_client_id(u.order.client_order_id);
    if (!e) e = by_alpaca_id(u.order.id);
    if (!e) return;  // an order Meridian did not send (made on Alpaca's site, say)
    if (e->alpaca_id.empty()) {
        e->alpaca_id = u.order.id;
        remember(*e);
    }
    e->last_event = clock_.now();
    Updates out;
    if ((u.event == "fill" || u.event == "partial_fill") && u.qty && u.price) {
        const core::Quantity have = e->order.filled_qty();
        if (u.order.filled_qty <= have) {
            metrics_.inc("meridian_alpaca_duplicate_fills_total");  // applied already
        } else if (u.order.filled_qty - have == *u.qty) {
            apply_fill(*e,
                       u.execution_id.empty()
                           ? "alpaca-" + u.order.id + "-cum-" + u.order.filled_qty.to_string()
                           : u.execution_id,
                       *u.qty, *u.price, u.ts.value_or(clock_.now()), u.event == "fill", out);
        } else {
            sync(*e, u.order, out);  // fills were missed before this one: catch up at once
        }
    }
    sync(*e, u.order, out);
    publish(std::move(out));
    prune();
}

asio::awaitable<core::Result<void>> AlpacaBroker::reconcile() {
    if (reconciling_) co_return core::Result<void>{};
    reconciling_ = true;
    auto alive = alive_;
    struct Done {
        bool& flag;
        ~Done() { flag = false; }
    } done{reconciling_};
    const core::Timestamp started = clock_.now();
    std::size_t found = 0;   // changes the stream had not brought
    std::size_t missed = 0;  // ... that it should have brought by now
    // 1. Orders whose submission's answer never came: look them up by client_order_id.
    std::vector<core::OrderId> unknown;
    bool any_open = false;  // an open order Alpaca has named
    for (const auto& [id, e] : entries_) {
        if (e.order.is_terminal() || e.in_flight) continue;
        if (e.alpaca_id.empty()) {
            unknown.push_back(id);
        } else {
            any_open = true;
        }
    }
    for (const auto& id : unknown) {
        Entry* e = entry(id);
        if (!e) continue;
        const std::string coid = e->order.client_order_id().str();
        auto lookup = co_await client_.by_client_order_id(coid);
        if (!*alive) co_return core::Error{core::Errc::Unavailable, "stopped"};
        if (!lookup) {
            last_error_ = lookup.error().message;
            co_return lookup.error();
        }
        e = entry(id);
        if (!e || e->in_flight) continue;
        Updates out;
        if (*lookup) {
            e->alpaca_id = (*lookup)->id;
            remember(*e);
            sync(*e, **lookup, out);
            any_open = true;
        } else if (!e->order.is_terminal()) {
            // Alpaca never got it (and the submission has given up): it will not trade.
            if (e->order.transition(core::OrderStatus::Rejected, clock_.now())) {
                out.push_back(OrderUpdate{OrderUpdate::Event::Rejected, id, e->strategy,
                                          std::nullopt, "Alpaca never received the order",
                                          clock_.now()});
            }
        }
        publish(std::move(out));
    }
    // 2. Every open order brought to Alpaca's state: Alpaca's open orders in one listing
    // (paged); ours that are not in it have ended there, and are read one by one.
    if (any_open) {
        auto listed = co_await client_.orders("open");
        if (!*alive) co_return core::Error{core::Errc::Unavailable, "stopped"};
        if (!listed) {
            last_error_ = listed.error().message;
            co_return listed.error();
        }
        std::unordered_map<std::string, const BrokerOrder*> by_id;
        for (const auto& b : *listed) {
            by_id[b.id] = &b;
        }
        std::vector<core::OrderId> open;
        for (const auto& [id, e] : entries_) {
            if (!e.order.is_terminal() && !e.alpaca_id.empty() && !e.in_flight) open.push_back(id);
        }
        // Replacements first, so that a replaced order finds who replaced it.
        for (const auto& b : *listed) {
            if (by_client_id(b.client_order_id) == nullptr) continue;
            Entry* e = by_client_id(b.client_order_id);
            if (e->alpaca_id.empty() && !e->in_flight) {
                e->alpaca_id = b.id;
                remember(*e);
            }
        }
        for (const auto& id : open) {
            Entry* e = entry(id);
            if (!e) continue;
            std::optional<BrokerOrder> fetched;
            const BrokerOrder* b = nullptr;
            if (auto it = by_id.find(e->alpaca_id); it != by_id.end()) {
                b = it->second;
            } else {
                const std::string aid = e->alpaca_id;
                auto one = co_await client_.order(aid);
                if (!*alive) co_return core::Error{core::Errc::Unavailable, "stopped"};
                if (!one) continue;
                fetched = std::move(*one);
                b = &*fetched;
                e = entry(id);
                if (!e) continue;
            }
            Updates out;
            if (sync(*e, *b, out)) {
                ++found;
                // A change the stream should have brought by now: it missed it.
                if (e->last_event < started - core::Duration::seconds(2)) ++missed;
            }
            publish(std::move(out));
        }
    }
    // 3. Positions: Alpaca's against the account's.
    auto positions = co_await client_.positions();
    if (!*alive) co_return core::Error{core::Errc::Unavailable, "stopped"};
    if (positions) {
        std::map<core::Symbol, core::Quantity> theirs;
        for (const auto& p : *positions) {
            theirs[p.symbol] = p.qty;
        }
        std::size_t mismatches = 0;
        for (const auto& [sym, qty] : theirs) {
            const auto* mine = account_.position(sym);
            if (!mine ? !qty.is_zero() : mine->qty() != qty) ++mismatches;
        }
        for (const auto& [sym, pos] : account_.positions()) {
            if (!pos.is_flat() && !theirs.contains(sym)) ++mismatches;
        }
        metrics_.set("meridian_alpaca_position_mismatches", {}, static_cast<double>(mismatches));
    }
    metrics_.set("meridian_alpaca_requests", {}, static_cast<double>(client_.rest().requests()));
    if (found > 0) {
        metrics_.inc("meridian_alpaca_reconciled_changes_total", {}, static_cast<double>(found));
    }
    if (missed > 0) {
        if (stream_.connected()) {
            std::fprintf(stderr,
                         "alpaca: the trade stream missed %zu change(s) reconciliation found: "
                         "reconnecting it\n",
                         missed);
            stream_.reconnect();
        }
    }
    last_error_.clear();
    co_return core::Result<void>{};
}

const core::Order* AlpacaBroker::find(const core::OrderId& id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : &it->second.order;
}

std::string AlpacaBroker::strategy_of(const core::OrderId& id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? std::string{} : it->second.strategy;
}

std::vector<core::OrderId> AlpacaBroker::oldest_first(
    const std::function<bool(const Entry&)>& keep) const {
    std::vector<std::pair<core::Timestamp, core::OrderId>> kept;
    for (const auto& [id, e] : entries_) {
        if (keep(e)) kept.emplace_back(e.order.created_at(), id);
    }
    std::sort(kept.begin(), kept.end());
    std::vector<core::OrderId> out;
    out.reserve(kept.size());
    for (auto& [ts, id] : kept) {
        out.push_back(id);
    }
    return out;
}

std::vector<core::OrderId> AlpacaBroker::open_orders() const {
    return oldest_first([this](const Entry& e) {
        if (e.order.is_terminal()) return false;
        const auto* entry = e.parent ? find(*e.parent) : nullptr;
        return !entry || entry->is_terminal();  // a leg goes with its working entry
    });
}

std::vector<core::OrderId> AlpacaBroker::legs_of(const core::OrderId& parent) const {
    return oldest_first([&](const Entry& e) { return e.parent == parent; });
}

store::OrderLinks AlpacaBroker::links_of(const core::OrderId& id) const {
    auto it = entries_.find(id);
    if (it == entries_.end()) return {};
    return store::OrderLinks{it->second.parent, std::nullopt};
}

std::size_t AlpacaBroker::open_count() const {
    std::size_t n = 0;
    for (const auto& [id, e] : entries_) {
        if (!e.order.is_terminal()) ++n;
    }
    return n;
}

core::Money AlpacaBroker::committed_buy_notional() const {
    core::Money total;
    for (const auto& [id, e] : entries_) {
        const auto& o = e.order;
        if (o.is_terminal() || o.side() != core::Side::Buy) continue;
        if (o.notional()) {
            total = total + *o.notional() - o.filled_notional();
            continue;
        }
        const auto leaves = o.leaves_qty();
        if (!leaves) continue;
        const auto px =
            o.request().limit_price ? o.request().limit_price : account_.mark_price(o.symbol());
        if (px) total = total + *px * *leaves;
    }
    return total;
}

void AlpacaBroker::prune() {
    // Final orders are the store's to remember; keep the newest few thousand for quick reads.
    if (entries_.size() < 20'000) return;
    std::vector<std::pair<core::Timestamp, core::OrderId>> done;
    for (const auto& [id, e] : entries_) {
        if (e.order.is_terminal()) done.emplace_back(e.order.updated_at(), id);
    }
    std::sort(done.begin(), done.end());
    for (std::size_t i = 0; i + std::size_t{10'000} < done.size(); ++i) {
        Entry& e = entries_.at(done[i].second);
        by_client_id_.erase(e.order.client_order_id().str());
        if (!e.alpaca_id.empty()) by_alpaca_id_.erase(e.alpaca_id);
        entries_.erase(done[i].second);
    }
}

services::BrokerFactory broker_factory(const Settings& settings) {
    return [settings](const services::BrokerContext& context)
               -> core::Result<std::unique_ptr<services::Broker>> {
        return std::unique_ptr<services::Broker>{std::make_unique<AlpacaBroker>(context, settings)};
    };
}

}  // namespace meridian::alpaca
