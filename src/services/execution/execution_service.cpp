// ExecutionService: the order path from request to durable, published fill.
#include "services/execution/execution_service.hpp"

#include <charconv>
#include <cstdio>
#include <unordered_set>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "services/common/codec.hpp"
#include "services/common/replay.hpp"

namespace meridian::services {

namespace asio = boost::asio;
namespace json = boost::json;
using net::Request;
using net::Response;

namespace {

std::string_view event_name(engine::OrderUpdate::Event e) {
    return engine::to_string(e);
}

Response from_error(const core::Error& e) {
    switch (e.code) {
        case core::Errc::InvalidArgument:
            return Response::error(422, e.message);
        case core::Errc::NotFound:
            return Response::error(404, e.message);
        case core::Errc::Duplicate:
            return Response::error(409, e.message);
        case core::Errc::IllegalState:
        case core::Errc::Rejected:
            return Response::error(422, e.message);
        case core::Errc::Unavailable:
        case core::Errc::Timeout:
            return Response::error(503, e.message);
        case core::Errc::Internal:
            break;
    }
    return Response::error(500, e.message);
}

}  // namespace

ExecutionService::ExecutionService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                                   store::OrderStore& reads, store::OrderStore& writes,
                                   ExecutionConfig config)
    : Service{"execution", bus, clock, metrics},
      reads_{reads},
      writer_{writes, &bus, &metrics},
      config_{std::move(config)},
      ids_{core::IdGenerator::from_entropy()},
      account_{core::Account::create(config_.starting_cash, config_.multiplier).value()},
      risk_{engine::RiskLimits{}},
      universe_{config_.symbols.begin(), config_.symbols.end()} {
    metrics_.counter("meridian_orders_total", "Order events by status.", {"status"});
    metrics_.counter("meridian_fills_total", "Executions applied to orders.");
    metrics_.counter("meridian_risk_denials_total", "Orders refused by pre-trade risk checks.",
                     {"reason"});
    metrics_.gauge("meridian_open_orders", "Orders working at the broker.");
    metrics_.histogram("meridian_tick_to_order_seconds",
                       "From the market event a strategy acted on to its order reaching the "
                       "broker (validated, risk-checked and durably stored first).",
                       {}, {0.00002, 0.00003, 0.00005, 0.000075, 0.0001, 0.00015, 0.0002, 0.0003,
                            0.0005,  0.00075, 0.001,   0.0015,   0.002,  0.003,   0.005,  0.0075,
                            0.01,    0.015,   0.02,    0.03,     0.05,   0.1,     0.2});
    const BrokerContext context{executor(), clock_, account_, metrics_, config_.symbols};
    if (config_.broker_factory) {
        auto made = config_.broker_factory(context);
        if (!made) throw std::runtime_error("execution: the broker: " + made.error().message);
        broker_ = std::move(*made);
    } else {
        // Each run its own execution ids: a restart never repeats one.
        auto c = config_.broker;
        c.execution_prefix = "paper-" + ids_.next_order_id().str().substr(0, 8) + "-";
        broker_ = std::make_unique<PaperBroker>(
            context, static_cast<std::uint64_t>(clock.now().ns()), std::move(c));
    }
    broker_->set_listener([this](Broker::Updates updates) { handle(std::move(updates)); });
}

ExecutionService::~ExecutionService() {
    stop();
    writer_.stop();
}

asio::awaitable<void> ExecutionService::start_broker() {
    auto backoff = std::chrono::milliseconds(500);
    asio::steady_timer timer{executor()};
    for (;;) {
        std::vector<store::StoredOrder> open;
        auto stored = reads_.open_orders();
        if (stored) {
            open = settle_held_legs(std::move(*stored));
            for (const auto& o : open) {
                client_ids_[o.order.client_order_id()] = o.order.id();
            }
            auto started = co_await broker_->start(std::move(open));
            if (started) break;
            std::fprintf(stderr, "execution: %s broker not reconciled (trying again): %s\n",
                         std::string{broker_->name()}.c_str(), started.error().message.c_str());
        } else {
            std::fprintf(stderr, "execution: cannot read open orders: %s\n",
                         stored.error().message.c_str());
        }
        timer.expires_after(backoff);
        co_await timer.async_wait(asio::use_awaitable);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
    }
    broker_started_ = true;
    if (!ready()) update_readiness();
}

std::vector<store::StoredOrder> ExecutionService::settle_held_legs(
    std::vector<store::StoredOrder> open) {
    // A leg waits (held) for its entry. An entry that is no longer open ended before the stop:
    // filled, its legs went to work, and their acceptance may not have reached the store
    // (it is saved lazily); otherwise its legs were canceled with it. Settle them so.
    std::unordered_set<core::OrderId> open_ids;
    for (const auto& o : open) {
        open_ids.insert(o.order.id());
    }
    const auto now = clock_.now();
    std::vector<store::StoredOrder> out;
    out.reserve(open.size());
    for (auto& o : open) {
        const auto& parent = o.links.parent;
        if (o.order.status() != core::OrderStatus::Held || !parent || open_ids.contains(*parent)) {
            out.push_back(std::move(o));
            continue;
        }
        auto entry = reads_.find(*parent);
        const bool filled =
            entry && *entry && (*entry)->order.status() == core::OrderStatus::Filled;
        if (!o.order.transition(filled ? core::OrderStatus::New : core::OrderStatus::Canceled,
                                now)) {
            out.push_back(std::move(o));
            continue;
        }
        json::object event{{"event", filled ? "new" : "canceled"},
                           {"order", order_json(o.order, false, &o.links)},
                           {"strategy", o.strategy}};
        writer_.submit(
            [order = o.order, event = std::move(event), now](
                store::OrderStore& st, OrderWriter::Events& events) -> core::Result<void> {
                if (auto ok = st.update(order); !ok) return ok;
                const std::string type = order.is_terminal() ? "canceled" : "new";
                events.push_back({"orders", type, event, now});  // a copy: it may run twice
                return {};
            },
            executor(), {});
        if (filled) out.push_back(std::move(o));
    }
    return out;
}

void ExecutionService::on_start() {
    rebuild_account(account_, config_.opening, reads_, "execution");
    asio::co_spawn(executor(), start_broker(), asio::detached);
    subscribe("md.quotes", [this](const bus::Envelope& e) { on_quote(e); });
    subscribe("risk.state", [this](const bus::Envelope& e) { on_risk_state(e); });
    subscribe("orders.commands", [this](const bus::Envelope& e) { on_command(e); });
    every(std::chrono::milliseconds(1000), [this] {
        save_acceptances();
        metrics_.set("meridian_open_orders", {}, static_cast<double>(broker_->open_count()));
    });
    // Ready (taking orders) once reconciled (above: open orders adopted, the account rebuilt
    // from the stored fills) and the risk limits are known: the first "risk.state" message,
    // asked for now (the risk service also sends it every second).
    bus_.publish("risk.requests", "state", {});
    started_ = clock_.now();
    every(std::chrono::milliseconds(250), [this] {
        if (!ready()) update_readiness();
    });
}

void ExecutionService::on_stop() {
    set_ready(false);
    save_acceptances(true);
}

asio::awaitable<core::Result<void>> ExecutionService::write(OrderWriter::Job job) {
    auto exec = executor();
    auto initiate = [this, exec, job = std::move(job)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        writer_.submit(std::move(job), exec, [h](core::Result<void> r) { (*h)(std::move(r)); });
    };
    // The initiation is a named object: GCC 12 destroys temporaries in co_await twice.
    auto result =
        co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(core::Result<void>)>(
            std::move(initiate), asio::use_awaitable);
    co_return result;
}

asio::awaitable<ExecutionService::Outcome> ExecutionService::submit(
    core::OrderRequest request, std::string strategy, std::optional<core::Timestamp> tick) {
    auto refuse = [](int status, std::string message) {
        return Outcome{status, json::object{{"code", status * 100'000 + 10'000},
                                            {"message", std::move(message)}}};
    };
    // A client_order_id we make is new by construction: only a given one may name an order.
    const bool given = request.client_order_id.has_value();
    if (!given) request.client_order_id = ids_.next_client_order_id(clock_.now());
    const core::ClientOrderId coid = *request.client_order_id;
    // A retry racing its original waits for it, then answers with the same order.
    asio::steady_timer wait{executor()};
    while (in_flight_.contains(coid)) {
        wait.expires_after(std::chrono::milliseconds(1));
        co_await wait.async_wait(asio::use_awaitable);
    }
    auto known = client_ids_.find(coid);
    if (known != client_ids_.end()) {
        if (auto o = find_order(known->second)) co_return Outcome{200, order_json(*o, true)};
    }
    if (auto stored = given ? reads_.find_by_client_order_id(coid)
                            : core::Result<std::optional<store::StoredOrder>>{std::nullopt};
        stored && *stored) {
        if (!(*stored)->order.is_terminal()) client_ids_[coid] = (*stored)->order.id();
        co_return Outcome{200, order_json((*stored)->order, true)};
    }
    if (!universe_.contains(request.symbol)) {
        co_return refuse(422, "unknown symbol " + request.symbol.str());
    }
    if (!broker_->up()) {
        co_return refuse(503, "the " + std::string{broker_->name()} +
                                  " broker is not reachable: " + broker_->status());
    }
    const auto now = clock_.now();
    auto deny = [&](std::string_view reason, std::string message) {
        metrics_.inc("meridian_risk_denials_total", {std::string{reason}});
        bus_.publish("risk.events", "denied",
                     {{"reason", reason},
                      {"message", message},
                      {"symbol", request.symbol.str()},
                      {"client_order_id", coid.str()},
                      {"strategy", strategy},
                      {"ts", now.to_iso8601()}});
        // Halted trading is "not now" (503, as a halted market answers); any other denial is
        // Alpaca's 403 for an order it refuses, with the numbers.
        const int status = reason == "halted" ? 503 : 403;
        json::object body{{"code", status * 100'000 + 10'000},
                          {"message", message},
                          {"reason", reason},
                          {"symbol", request.symbol.str()}};
        body["buying_power"] = account_.buying_power().to_string(2, core::Rounding::HalfEven);
        return Outcome{status, std::move(body)};
    };
    if (halted_symbols_.contains(request.symbol)) {
        co_return deny("halted", "trading in " + request.symbol.str() +
                                     " is halted: its market data is stale");
    }
    std::optional<core::Price> last;
    if (auto q = quotes_.find(request.symbol); q != quotes_.end()) {
        last = request.side == core::Side::Buy ? q->second.ask : q->second.bid;
    }
    const engine::RiskInputs inputs{account_, broker_->open_count(),
                                    broker_->committed_buy_notional(), last};
    if (auto denial = risk_.check(request, inputs, now)) {
        co_return deny(engine::to_string(denial->reason), denial->message);
    }

    auto order = core::Order::create(request, ids_.next_order_id(now), coid, now);
    if (!order) co_return refuse(422, order.error().message);
    const core::OrderId id = order->id();
    in_flight_.insert(coid);
    // Named, not a temporary: GCC 12 destroys temporaries in a co_await expression twice.
    OrderWriter::Job insert = [o = *order, strategy](store::OrderStore& s, OrderWriter::Events&) {
        return s.insert(o, strategy);
    };
    auto stored = co_await write(std::move(insert));
    in_flight_.erase(coid);
    if (!stored) {
        if (stored.error().code == core::Errc::Duplicate) {
            if (auto again = reads_.find_by_client_order_id(coid); again && *again) {
                co_return Outcome{200, order_json((*again)->order, true)};
            }
        }
        co_return refuse(503, "the order could not be stored: " + stored.error().message);
    }
    client_ids_[coid] = id;
    metrics_.inc("meridian_orders_total", {"pending_new"});
    auto accepted = co_await broker_->submit(*order, strategy);
    if (tick) {
        metrics_.observe("meridian_tick_to_order_seconds", {},
                         static_cast<double>((clock_.now() - *tick).ns) / 1e9);
    }
    if (!accepted && (accepted.error().code == core::Errc::Unavailable ||
                      accepted.error().code == core::Errc::Timeout)) {
        // Stored, and the broker may or may not have it: it stays pending_new until the
        // broker's reconciliation settles it (look it up by client_order_id).
        const auto* held = broker_->find(id);
        auto body = to_json(held ? *held : *order);
        co_return Outcome{200, std::move(body)};
    }
    if (!accepted) {
        // Stored but refused by the broker: it is rejected, and stays so.
        core::Order rejected = *order;
        (void)rejected.transition(core::OrderStatus::Rejected, now);
        client_ids_.erase(coid);  // final: a retry finds it in the store
        writer_.submit(
            [rejected](store::OrderStore& s, OrderWriter::Events&) { return s.update(rejected); },
            executor(), {});
        // The broker's own status: 403 for a business refusal (buying power, shorting), 422 for
        // an order it finds malformed.
        const int status = accepted.error().code == core::Errc::Rejected ? 403 : 422;
        co_return Outcome{status, json::object{{"code", status * 100'000 + 10'000},
                                               {"message", accepted.error().message},
                                               {"order", to_json(rejected)}}};
    }
    // Alpaca answers a multi-leg order with its legs.
    const auto* live = broker_->find(id);
    co_return Outcome{200, order_json(live ? *live : *order, true)};
}

void ExecutionService::handle(std::vector<engine::OrderUpdate> updates) {
    for (auto& u : updates) {
        const core::Order* s = broker_->find(u.order_id);
        if (!s) continue;
        core::Order order = *s;
        const std::string status{core::to_string(order.status())};
        metrics_.inc("meridian_orders_total", {status});
        json::object event{{"event", event_name(u.event)},
                           {"order", order_json(order, false)},
                           {"strategy", u.strategy}};
        if (!u.reason.empty()) event["reason"] = u.reason;
        OrderWriter::Job job;
        const bool known = client_ids_.contains(order.client_order_id());
        if (!known) client_ids_[order.client_order_id()] = order.id();
        const std::string type{event_name(u.event)};
        if (known && u.event == engine::OrderUpdate::Event::New && !order.is_terminal()) {
            // An acceptance goes out at once; its state reaches the store with the order's next
            // change (a market order's fill, moments later) or, for an order that rests, within
            // a second or two (save_acceptances). A crash before then loses nothing: the store
            // has the order as pending_new, and the broker accepts it again when it adopts it.
            unsaved_.try_emplace(order.id(), clock_.now());
            bus_.publish("orders", type, std::move(event));
            continue;
        }
        unsaved_.erase(order.id());  // the job below stores its whole state
        if (u.fill) {
            metrics_.inc("meridian_fills_total");
            event["fill"] = to_json(*u.fill);
        }
        // The events go out through the outbox, committed with the change: a subscriber never
        // sees what a crash could take back, nor misses what it kept. Fills also go to
        // "fills", for services that want nothing else.
        // An order the broker made (an advanced order's leg) is stored with its ties.
        store::OrderLinks links = known ? store::OrderLinks{} : broker_->links_of(order.id());
        job = [fill = u.fill, order, known, strategy = u.strategy, type, now = clock_.now(),
               event = std::move(event), links = std::move(links)](
                  store::OrderStore& st, OrderWriter::Events& events) -> core::Result<void> {
            bool inserted = false;
            if (!known) {
                auto ok = st.insert(order, strategy, links);
                if (!ok && ok.error().code != core::Errc::Duplicate) return ok;
                inserted = ok.has_value();
            }
            if (fill) {
                auto r = st.record_fill(*fill, order);
                if (!r) return r.error();
                if (!*r) return {};  // kept before: its events went out then
                // Also on "fills", for services that want nothing else: one outbox row.
                events.push_back({"fills,orders", type, event, now});  // may run twice
                return {};
            }
            if (!inserted) {
                if (auto ok = st.update(order); !ok) return ok;
            }
            events.push_back({"orders", type, event, now});
            return {};
        };
        // A final order's client_order_id is looked up in the store from now on (a retry):
        // the map holds those of working orders only, whatever the number ever placed.
        if (order.is_terminal()) client_ids_.erase(order.client_order_id());
        // A fill, a final state (a cancel the user was told of must never come undone) or an
        // order the store has not seen must be on disk; other changes of a known order are
        // made again on restart, when the broker adopts the open orders, so need not wait.
        const bool durable = u.fill.has_value() || !known || order.is_terminal();
        writer_.submit(
            std::move(job), executor(),
            [](const core::Result<void>& r) {
                if (!r) {
                    std::fprintf(stderr, "execution: store write failed: %s\n",
                                 r.error().message.c_str());
                }
            },
            durable);
    }
}

void ExecutionService::save_acceptances(bool all) {
    const auto due = all ? clock_.now() : clock_.now() - core::Duration::milliseconds(500);
    for (auto it = unsaved_.begin(); it != unsaved_.end();) {
        if (it->second > due) {
            ++it;
            continue;
        }
        if (const core::Order* live = broker_->find(it->first); live && !live->is_terminal()) {
            writer_.submit([order = *live](store::OrderStore& st,
                                           OrderWriter::Events&) { return st.update(order); },
                           executor(), {}, false);
        }
        it = unsaved_.erase(it);
    }
}

void ExecutionService::on_quote(const bus::Envelope& e) {
    auto q = quote_from_json(e.data);
    if (!q) return;
    quotes_[q->symbol] = *q;
    account_.mark(q->symbol, core::Price::from_raw((q->bid.raw() + q->ask.raw()) / 2));
    broker_->on_quote(*q);
    if (!ready()) update_readiness();
}

void ExecutionService::update_readiness() {
    // Reconciled (start_broker), the risk limits known, and a price for every tradable symbol,
    // or the market has had three seconds to send one (a quiet market must not keep it down).
    if (!limits_known_ || !broker_started_) return;
    bool priced = true;
    for (const auto& sym : universe_) {
        priced = priced && quotes_.contains(sym);
    }
    if (priced || clock_.now() - started_ > core::Duration::seconds(3)) set_ready(true);
}

void ExecutionService::on_risk_state(const bus::Envelope& e) {
    const auto& d = e.data;
    limits_known_ = true;
    if (const auto* l = d.if_contains("limits"); l && l->is_object()) {
        if (auto limits = risk_limits_from_json(l->get_object(), engine::RiskLimits{})) {
            risk_.set_limits(*limits);
        }
    }
    if (const auto* s = d.if_contains("state"); s && s->is_string()) {
        const auto st = s->get_string();
        risk_.set_state(st == "halted"        ? engine::TradingState::Halted
                        : st == "reduce_only" ? engine::TradingState::ReduceOnly
                                              : engine::TradingState::Active);
    }
    if (const auto* h = d.if_contains("halted_symbols"); h && h->is_array()) {
        halted_symbols_.clear();
        for (const auto& v : h->get_array()) {
            if (v.is_string()) {
                if (auto sym = core::Symbol::parse(v.get_string())) halted_symbols_.insert(*sym);
            }
        }
    }
    if (!ready()) update_readiness();
}

void ExecutionService::on_command(const bus::Envelope& e) {
    if (e.type != "submit") return;
    const auto* o = e.data.if_contains("order");
    if (!o) return;
    auto request = order_request_from_json(*o);
    std::string strategy = "strategy";
    if (const auto* s = e.data.if_contains("strategy"); s && s->is_string()) {
        strategy = std::string{s->get_string()};
    }
    if (!request) {
        bus_.publish("risk.events", "invalid",
                     {{"strategy", strategy}, {"message", request.error().message}});
        return;
    }
    std::optional<core::Timestamp> tick;
    if (const auto* t = e.data.if_contains("tick_ns"); t && t->is_int64()) {
        tick = core::Timestamp::from_ns(t->get_int64());
    }
    asio::co_spawn(
        executor(),
        [this, r = *request, strategy, tick]() -> asio::awaitable<void> {
            auto out = co_await submit(r, strategy, tick);
            // The sender learns the outcome: a refused order never shows up on "orders".
            if (out.status != 200) {
                json::object result{{"client_order_id",
                                     r.client_order_id ? r.client_order_id->str() : std::string{}},
                                    {"strategy", strategy},
                                    {"status", out.status}};
                if (const auto* m = out.body.if_contains("message")) result["message"] = *m;
                bus_.publish("orders.refused", "refused", std::move(result));
            }
        },
        asio::detached);
}

std::optional<core::Order> ExecutionService::find_order(const core::OrderId& id) {
    if (const auto* s = broker_->find(id)) return *s;
    if (auto stored = reads_.find(id); stored && *stored) return (*stored)->order;
    return std::nullopt;
}

json::object ExecutionService::order_json(const core::Order& order, bool nested,
                                          const store::OrderLinks* links) {
    json::object out = to_json(order);
    if (order.order_class() == core::OrderClass::Simple) {
        // A leg is a plain order tied to its entry; it says the advanced order's class, as
        // Alpaca's legs do.
        const store::OrderLinks tied = links ? *links : broker_->links_of(order.id());
        if (tied.parent) {
            if (auto entry = find_order(*tied.parent)) {
                out["order_class"] = core::to_string(entry->order_class());
            }
        }
        return out;
    }
    if (!nested) return out;
    // The store has every leg but may be a commit behind the broker, which has the newest state
    // of those it still holds (and those just made, not yet stored).
    std::vector<core::Order> legs;
    if (auto stored = reads_.legs_of(order.id())) {
        for (auto& leg : *stored) {
            if (const auto* live = broker_->find(leg.order.id())) {
                legs.push_back(*live);
            } else {
                legs.push_back(std::move(leg.order));
            }
        }
    }
    for (const auto& id : broker_->legs_of(order.id())) {
        const bool seen = std::any_of(legs.begin(), legs.end(),
                                      [&](const core::Order& l) { return l.id() == id; });
        if (const auto* live = broker_->find(id); live && !seen) legs.push_back(*live);
    }
    json::array array;
    array.reserve(legs.size());
    for (const auto& leg : legs) {
        json::object l = to_json(leg);
        l["order_class"] = core::to_string(order.order_class());
        array.push_back(std::move(l));
    }
    out["legs"] = std::move(array);
    return out;
}

void ExecutionService::add_routes(net::Router& router) {
    route_async(router, "POST", "/orders", Role::Trader,
                "Submit an order (Alpaca's fields); a repeated client_order_id returns its order",
                [this](Request& req) -> asio::awaitable<Response> {
                    auto body = parse_object(req.body);
                    if (!body) co_return Response::error(400, body.error().message);
                    auto request = order_request_from_json(*body);
                    if (!request) co_return Response::error(422, request.error().message);
                    std::string source = "api";
                    auto out = co_await submit(*request, std::move(source));
                    co_return Response::json(out.status, out.body);
                });
    route(router, "GET", "/orders", Role::Viewer,
          "List orders (status, symbols, side, after, until, limit, direction, nested)",
          [this](Request& r) { return list_orders(r); });
    route(router, "GET", "/orders/{id}", Role::Viewer, "One order by id (nested: with its legs)",
          [this](Request& r) { return get_order(r); });
    route(router, "GET", "/orders/by-client-id/{client_order_id}", Role::Viewer,
          "One order by its client_order_id", [this](Request& r) { return get_by_client_id(r); });
    route_async(router, "PATCH", "/orders/{id}", Role::Trader,
                "Replace an order's qty, time_in_force, limit_price, stop_price or trail",
                [this](Request& r) { return replace_order(r); });
    route_async(router, "DELETE", "/orders/{id}", Role::Trader, "Cancel an order",
                [this](Request& r) { return cancel_order(r); });
    route_async(router, "DELETE", "/orders", Role::Trader, "Cancel every open order",
                [this](Request& r) { return cancel_all(r); });
    route(router, "GET", "/fills", Role::Viewer,
          "Executions, newest first (limit, after, until, direction, symbols; page_token: the "
          "last one's id, for the next page)",
          [this](Request& r) { return list_fills(r); });
    route_async(router, "DELETE", "/positions/{symbol}", Role::Trader,
                "Close a position, or part of it (qty or percentage), with a market order",
                [this](Request& r) { return close_position(r); });
    route_async(router, "DELETE", "/positions", Role::Trader,
                "Close every position (cancel_orders: cancel the open orders first)",
                [this](Request& r) { return close_all_positions(r); });
}

namespace {

/// A listing's symbols, after, until and direction (Alpaca's), read into a query's fields;
/// a 422 answer for a value that is not one.
std::optional<Response> read_window(const Request& req, std::vector<core::Symbol>& symbols,
                                    std::optional<core::Timestamp>& after,
                                    std::optional<core::Timestamp>& until, bool& ascending) {
    if (auto s = req.query_param("symbols"); s && !s->empty()) {
        auto parsed = core::parse_symbols(*s);
        if (!parsed) return Response::error(422, "symbols: " + parsed.error().message);
        symbols = std::move(*parsed);
    }
    for (auto [name, field] : {std::pair{"after", &after}, std::pair{"until", &until}}) {
        if (auto t = req.query_param(name)) {
            auto ts = core::Timestamp::parse(*t);
            if (!ts) return Response::error(422, std::string{name} + ": " + ts.error().message);
            *field = *ts;
        }
    }
    if (auto d = req.query_param("direction")) {
        if (*d != "asc" && *d != "desc") {
            return Response::error(422, "direction must be asc or desc");
        }
        ascending = *d == "asc";
    }
    return std::nullopt;
}

}  // namespace

Response ExecutionService::list_orders(Request& req) {
    store::OrderQuery q;
    if (auto s = req.query_param("status")) {
        if (*s == "open") {
            q.status = store::OrderQuery::Status::Open;
        } else if (*s == "closed") {
            q.status = store::OrderQuery::Status::Closed;
        } else if (*s == "all") {
            q.status = store::OrderQuery::Status::All;
        } else {
            return Response::error(422, "status must be open, closed or all");
        }
    }
    if (auto bad = read_window(req, q.symbols, q.after, q.until, q.ascending)) return *bad;
    if (auto side = req.query_param("side")) {
        if (*side != "buy" && *side != "sell") {
            return Response::error(422, "side must be buy or sell");
        }
        q.side = *side == "buy" ? core::Side::Buy : core::Side::Sell;
    }
    auto nested = flag_param(req, "nested");
    if (!nested) return Response::error(422, nested.error().message);
    q.nested = *nested;
    auto limit = limit_param(req, q.limit, 500);
    if (!limit) return Response::error(422, limit.error().message);
    q.limit = *limit;
    auto rows = reads_.list(q);
    if (!rows) return Response::error(503, rows.error().message);
    json::array out;
    for (const auto& row : *rows) {
        // The broker's state is the newest: the store may be a commit behind.
        const auto* live = broker_->find(row.order.id());
        const core::Order& o = live ? *live : row.order;
        if (q.status == store::OrderQuery::Status::Open && o.is_terminal()) continue;
        if (q.status == store::OrderQuery::Status::Closed && !o.is_terminal()) continue;
        out.push_back(order_json(o, q.nested, &row.links));
    }
    return Response::json(200, out);
}

Response ExecutionService::get_order(Request& req) {
    auto nested = flag_param(req, "nested");
    if (!nested) return Response::error(422, nested.error().message);
    auto id = core::OrderId::parse(req.params["id"]);
    if (!id) return Response::error(404, "order not found");
    auto o = find_order(*id);
    if (!o) return Response::error(404, "order not found");
    return Response::json(200, order_json(*o, *nested));
}

Response ExecutionService::get_by_client_id(Request& req) {
    auto nested = flag_param(req, "nested");
    if (!nested) return Response::error(422, nested.error().message);
    auto coid = core::ClientOrderId::parse(req.params["client_order_id"]);
    if (!coid) return Response::error(404, "order not found");
    if (auto it = client_ids_.find(*coid); it != client_ids_.end()) {
        if (auto o = find_order(it->second)) return Response::json(200, order_json(*o, *nested));
    }
    auto stored = reads_.find_by_client_order_id(*coid);
    if (!stored) return Response::error(503, stored.error().message);
    if (!*stored) return Response::error(404, "order not found");
    return Response::json(200, order_json((*stored)->order, *nested, &(*stored)->links));
}

asio::awaitable<Response> ExecutionService::cancel_order(Request& req) {
    auto id = core::OrderId::parse(req.params["id"]);
    if (!id) co_return Response::error(404, "order not found");
    const auto* live = broker_->find(*id);
    if (!live || live->is_terminal()) {
        auto stored = find_order(*id);
        if (!stored) co_return Response::error(404, "order not found");
        co_return Response::error(422, "order is " +
                                           std::string{core::to_string(stored->status())} +
                                           " and cannot be canceled");
    }
    const core::OrderId target = *id;
    auto ok = co_await broker_->cancel(target);
    if (!ok) co_return from_error(ok.error());
    Response r;
    r.status = 204;
    r.content_type = "application/json";
    co_return r;
}

asio::awaitable<Response> ExecutionService::cancel_all(Request&) {
    // Alpaca's 207: one result per order, with the order as it is now.
    auto results = co_await broker_->cancel_all();
    json::array out;
    for (const auto& c : results) {
        json::object item{{"id", c.id.str()},
                          {"status", c.result ? 200 : from_error(c.result.error()).status}};
        if (c.result) {
            if (const auto* now = broker_->find(c.id)) item["body"] = order_json(*now, false);
        } else {
            const int status = from_error(c.result.error()).status;
            item["body"] = json::object{{"code", status * 100'000 + 10'000},
                                        {"message", c.result.error().message}};
        }
        out.push_back(std::move(item));
    }
    co_return Response::json(207, out);
}

asio::awaitable<Response> ExecutionService::replace_order(Request& req) {
    auto id = core::OrderId::parse(req.params["id"]);
    if (!id || !find_order(*id)) co_return Response::error(404, "order not found");
    auto body = parse_object(req.body);
    if (!body) co_return Response::error(400, body.error().message);
    auto change = order_change_from_json(*body);
    if (!change) co_return Response::error(422, change.error().message);
    if (change->changes_nothing()) {
        co_return Response::error(403, "order parameters are not changed", 40310000);
    }
    if (const auto& coid = change->client_order_id) {
        // The store has every order ever placed; the broker lets final ones go.
        auto stored = reads_.find_by_client_order_id(*coid);
        if (client_ids_.contains(*coid) || (stored && *stored)) {
            co_return Response::error(422, "client_order_id must be unique: " + coid->str());
        }
    }
    const auto* live = broker_->find(*id);
    if (!live || live->is_terminal()) {
        co_return Response::error(422, "order is final and cannot be replaced");
    }
    const core::OrderId target = *id;
    const core::OrderChange wanted = *change;
    auto replaced = co_await broker_->replace(target, wanted);
    if (!replaced && replaced.error().code == core::Errc::Duplicate) {
        co_return Response::error(422, replaced.error().message);
    }
    if (!replaced) co_return from_error(replaced.error());
    const auto* s = broker_->find(*replaced);
    if (!s) co_return Response::error(500, "the replacing order is not known to the broker");
    client_ids_[s->client_order_id()] = s->id();
    co_return Response::json(200, to_json(*s));
}

Response ExecutionService::list_fills(Request& req) {
    store::FillQuery q;
    auto limit = limit_param(req, 100, 10'000);
    if (!limit) return Response::error(422, limit.error().message);
    q.limit = *limit;
    if (auto bad = read_window(req, q.symbols, q.after, q.until, q.ascending)) return *bad;
    if (auto t = req.query_param("page_token"); t && !t->empty()) {
        q.page_token = std::string{*t};
    }
    auto fills = reads_.list_fills(q);
    if (!fills) {
        const bool bad_token = fills.error().code == core::Errc::NotFound;
        return Response::error(bad_token ? 422 : 503, fills.error().message);
    }
    json::array out;
    out.reserve(fills->size());
    for (const auto& f : *fills) {
        out.push_back(to_json(f));
    }
    return Response::json(200, out);
}

core::Quantity ExecutionService::held_for_orders(const core::Symbol& symbol,
                                                 core::Side side) const {
    core::Quantity held;
    std::unordered_set<core::OrderId> counted;
    for (const auto& id : broker_->open_orders()) {
        const auto* o = broker_->find(id);
        if (!o || o->symbol() != symbol || o->side() != side ||
            o->status() == core::OrderStatus::Held) {
            continue;
        }
        // One of an oco pair fills at most: the pair holds its shares once.
        if (auto peer = broker_->links_of(id).oco_peer; peer && counted.contains(*peer)) continue;
        counted.insert(id);
        if (auto left = o->leaves_qty()) held += *left;
    }
    return held;
}

asio::awaitable<ExecutionService::Outcome> ExecutionService::close(
    core::Symbol symbol, std::optional<core::Quantity> qty) {
    const auto* p = account_.position(symbol);
    if (!p || p->is_flat()) {
        co_return Outcome{404, {{"code", 40410000}, {"message", "position does not exist"}}};
    }
    const core::Quantity existing = p->qty().abs();
    const core::Side side = p->is_long() ? core::Side::Sell : core::Side::Buy;
    const core::Quantity wanted = qty.value_or(existing);
    const core::Quantity held = held_for_orders(symbol, side);
    const core::Quantity available = existing > held ? existing - held : core::Quantity{};
    if (wanted > available) {
        co_return Outcome{
            403,
            {{"code", 40310000},
             {"message", "insufficient qty available for order (requested: " + wanted.to_string() +
                             ", available: " + available.to_string() + ")"},
             {"symbol", symbol.str()},
             {"existing_qty", existing.to_string()},
             {"held_for_orders", held.to_string()},
             {"available", available.to_string()}}};
    }
    core::OrderRequest r;
    r.symbol = symbol;
    r.side = side;
    r.type = core::OrderType::Market;
    r.time_in_force = core::TimeInForce::Day;
    r.qty = wanted;
    std::string source = "api";
    co_return co_await submit(r, std::move(source));
}

asio::awaitable<Response> ExecutionService::close_position(Request& req) {
    auto sym = core::Symbol::parse(req.params["symbol"]);
    if (!sym) co_return Response::error(422, sym.error().message);
    const auto qty_text = req.query_param("qty");
    const auto pct_text = req.query_param("percentage");
    if (qty_text && pct_text) co_return Response::error(422, "give qty or percentage, not both");
    std::optional<core::Quantity> qty;
    if (qty_text) {
        auto q = core::Quantity::parse(*qty_text);
        if (!q || !q->is_positive()) {
            co_return Response::error(
                422, "qty: must be a positive decimal, not \"" + std::string{*qty_text} + "\"");
        }
        qty = *q;
    }
    if (pct_text) {
        auto pct = core::Quantity::parse(*pct_text);  // nine decimals, as a share count has
        if (!pct || !pct->is_positive() || *pct > core::Quantity::from_units(100)) {
            co_return Response::error(422, "percentage: must be above 0 and at most 100, not \"" +
                                               std::string{*pct_text} + "\"");
        }
        const auto* p = account_.position(*sym);
        if (!p || p->is_flat()) co_return Response::error(404, "position does not exist");
        // Alpaca's rule: that share of the position, rounded down to whole shares unless the
        // position itself is fractional.
        const auto existing = p->qty().abs();
        auto raw = static_cast<std::int64_t>(core::decimal::div_round(
            static_cast<core::Int128>(existing.raw()) * pct->raw(),
            static_cast<core::Int128>(100) * core::Quantity::one, core::Rounding::Down));
        if (existing.is_whole()) raw -= raw % core::Quantity::one;
        if (raw == 0) {
            co_return Response::error(422, "percentage: " + std::string{*pct_text} + " % of " +
                                               existing.to_string() + " is less than a share");
        }
        qty = core::Quantity::from_raw(raw);
    }
    auto out = co_await close(*sym, qty);
    co_return Response::json(out.status, out.body);
}

asio::awaitable<Response> ExecutionService::close_all_positions(Request& req) {
    auto cancel = flag_param(req, "cancel_orders");
    if (!cancel) co_return Response::error(422, cancel.error().message);
    if (*cancel) {
        (void)co_await broker_->cancel_all();
        // At Alpaca a cancel is confirmed later (pending_cancel first): until then the orders
        // still hold their shares. Give them up to three seconds.
        asio::steady_timer settle{executor()};
        for (int i = 0; i < 150 && broker_->open_count() > 0; ++i) {
            settle.expires_after(std::chrono::milliseconds(20));
            co_await settle.async_wait(asio::use_awaitable);
        }
    }
    std::vector<core::Symbol> symbols;
    for (const auto& [symbol, position] : account_.positions()) {
        if (!position.is_flat()) symbols.push_back(symbol);
    }
    // Alpaca's 207: one result per position, with the closing order or why there is none.
    json::array out;
    for (const auto& symbol : symbols) {
        auto closed = co_await close(symbol, std::nullopt);
        out.push_back(json::object{
            {"symbol", symbol.str()}, {"status", closed.status}, {"body", std::move(closed.body)}});
    }
    co_return Response::json(207, out);
}

}  // namespace meridian::services
