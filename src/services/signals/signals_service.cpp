// SignalsService: strategies, their contexts, warm-up and the signal log.
#include "services/signals/signals_service.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "services/common/codec.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

/// One strategy and what its context needs: its own positions and the account's money.
struct SignalsService::Running final : engine::StrategyContext {
    Running(SignalsService& s, StrategySpec sp, std::unique_ptr<engine::Strategy> st)
        : owner{s}, spec{std::move(sp)}, strategy{std::move(st)} {}

    core::Timestamp now() const override { return clock_now ? *clock_now : owner.clock_.now(); }
    core::Quantity position(const core::Symbol& symbol) const override {
        auto it = positions.find(symbol);
        return it == positions.end() ? core::Quantity{} : it->second;
    }
    core::Quantity working(const core::Symbol& symbol) const override {
        core::Quantity sum;
        for (const auto& [coid, w] : in_flight) {
            if (w.symbol == symbol) sum = sum + (w.buy ? w.left : -w.left);
        }
        return sum;
    }
    core::Money cash() const override { return owner.cash_; }
    core::Money equity() const override { return owner.equity_; }
    core::Result<core::OrderId> submit(const core::OrderRequest& request) override {
        if (auto ok = core::validate(request); !ok) return ok.error();
        const core::ClientOrderId coid = owner.ids_.next_client_order_id(owner.clock_.now());
        core::OrderId handle = core::OrderId::parse(coid.str()).value();
        if (warming_up) return handle;  // warm-up: indicators only, no orders
        core::OrderRequest r = request;
        r.client_order_id = coid;
        json::object order;
        order["symbol"] = r.symbol.str();
        order["side"] = core::to_string(r.side);
        order["type"] = core::to_string(r.type);
        order["time_in_force"] = core::to_string(r.time_in_force);
        order["client_order_id"] = coid.str();
        if (r.qty) order["qty"] = r.qty->to_string();
        if (r.notional) order["notional"] = r.notional->to_string();
        if (r.limit_price) order["limit_price"] = r.limit_price->to_string();
        if (r.stop_price) order["stop_price"] = r.stop_price->to_string();
        json::object signal{{"id", coid.str()},
                            {"strategy", spec.id},
                            {"symbol", r.symbol.str()},
                            {"side", core::to_string(r.side)},
                            {"qty", r.qty ? json::value(r.qty->to_string()) : json::value(nullptr)},
                            {"type", core::to_string(r.type)},
                            {"ts", now().to_iso8601()},
                            {"order_id", nullptr},
                            {"status", "sent"}};
        if (r.qty) in_flight[coid.str()] = Working{r.symbol, r.side == core::Side::Buy, *r.qty};
        owner.signal_index_[coid.str()] = owner.signal_base_ + owner.signals_.size();
        owner.signals_.push_back(signal);
        while (owner.signals_.size() > owner.config_.signals_kept) {
            owner.signal_index_.erase(std::string{owner.signals_.front().at("id").as_string()});
            owner.signals_.pop_front();
            ++owner.signal_base_;
        }
        owner.metrics_.inc("meridian_signals_total", {spec.id});
        owner.bus_.publish("signals", "signal", std::move(signal));
        json::object command{{"order", std::move(order)}, {"strategy", spec.id}};
        if (owner.tick_) command["tick_ns"] = owner.tick_->ns();
        owner.bus_.publish("orders.commands", "submit", std::move(command));
        return handle;
    }
    core::Result<void> cancel(const core::OrderId& id) override {
        if (!warming_up) {
            owner.bus_.publish("orders.commands", "cancel",
                               {{"client_order_id", id.str()}, {"strategy", spec.id}});
        }
        return {};
    }
    void set_timer(core::Timestamp at) override {
        if (warming_up) return;
        auto timer = std::make_shared<boost::asio::steady_timer>(owner.ioc_);
        const auto wait = std::max<std::int64_t>(0, (at - now()).ns);
        timer->expires_after(std::chrono::nanoseconds(wait));
        timer->async_wait([this, timer, at](boost::system::error_code ec) {
            if (!ec && spec.enabled) strategy->on_timer(at, *this);
        });
    }

    SignalsService& owner;
    StrategySpec spec;
    std::unique_ptr<engine::Strategy> strategy;
    std::map<core::Symbol, core::Quantity> positions;
    struct Working {
        core::Symbol symbol;
        bool buy;
        core::Quantity left;  // not yet filled
    };
    std::map<std::string, Working> in_flight;  // by client_order_id, until the order is final
    bool warming_up = false;
    std::optional<core::Timestamp> clock_now;  // the bar's time during warm-up
};

json::object to_json(const StrategySpec& s) {
    json::array symbols;
    for (const auto& sym : s.symbols) {
        symbols.push_back(json::value(sym.str()));
    }
    json::object params;
    for (const auto& [k, v] : s.params) {
        params[k] = v;
    }
    return {{"id", s.id},
            {"name", s.kind},
            {"symbols", std::move(symbols)},
            {"enabled", s.enabled},
            {"params", std::move(params)}};
}

core::Result<StrategySpec> strategy_from_json(const json::object& o) {
    StrategySpec s;
    auto id = string_field(o, "id");
    if (!id) return id.error();
    auto name = string_field(o, "name");
    if (!name) return name.error();
    if (!*name) return core::invalid("name: is required (a strategy kind)");
    s.kind = **name;
    s.id = id->value_or(s.kind);
    if (s.id.empty() || s.id.size() > 64) return core::invalid("id: must be 1 to 64 characters");
    for (char c : s.id) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
            return core::invalid("id: letters, digits, '_' and '-' only");
        }
    }
    if (const auto* syms = o.if_contains("symbols"); syms && !syms->is_null()) {
        if (!syms->is_array()) return core::invalid("symbols: must be an array of symbols");
        for (const auto& v : syms->get_array()) {
            if (!v.is_string()) return core::invalid("symbols: must be an array of symbols");
            auto sym = core::Symbol::parse(v.get_string());
            if (!sym) return core::invalid("symbols: " + sym.error().message);
            s.symbols.push_back(*sym);
        }
    }
    auto enabled = bool_field(o, "enabled");
    if (!enabled) return enabled.error();
    s.enabled = enabled->value_or(true);
    auto params = strategy_params_from_json(o);
    if (!params) return params.error();
    s.params = std::move(*params);
    return s;
}

SignalsService::SignalsService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                               store::SettingsStore& settings, store::BarStore& bars,
                               SignalsConfig config)
    : Service{"signals", bus, clock, metrics},
      settings_{settings},
      bars_{bars},
      config_{std::move(config)},
      ids_{core::IdGenerator::from_entropy()} {
    metrics_.counter("meridian_signals_total", "Orders strategies sent.", {"strategy"});
}

SignalsService::~SignalsService() {
    stop();
}

core::Result<void> SignalsService::save(const StrategySpec& spec) {
    return settings_.put("strategy/" + spec.id, json::serialize(to_json(spec)), clock_.now());
}

core::Result<void> SignalsService::install(StrategySpec spec, bool warm_up) {
    auto made = engine::make_strategy(spec.kind, spec.params);
    if (!made) return made.error();
    (*made)->rename(spec.id);
    (*made)->restrict_to(spec.symbols);
    auto running = std::make_unique<Running>(*this, std::move(spec), std::move(*made));
    if (warm_up) {
        // Replays stored bars (all its symbols, in time order) with orders discarded.
        std::vector<store::StoredBar> history;
        const auto now = clock_.now();
        for (const auto& sym : running->spec.symbols) {
            if (auto rows = bars_.bars(sym, "1Min", core::Timestamp{}, now, config_.warmup_bars)) {
                history.insert(history.end(), rows->begin(), rows->end());
            }
        }
        std::stable_sort(history.begin(), history.end(),
                         [](const auto& a, const auto& b) { return a.ts < b.ts; });
        running->warming_up = true;
        for (const auto& s : history) {
            engine::Bar b{s.symbol, s.ts,     s.open, s.high,       s.low,
                          s.close,  s.volume, s.vwap, std::nullopt, s.trade_count};
            running->clock_now = b.ts;
            running->strategy->on_bar(b, *running);
        }
        running->warming_up = false;
        running->clock_now.reset();
    }
    const std::string id = running->spec.id;
    strategies_[id] = std::move(running);
    return {};
}

void SignalsService::on_start() {
    std::map<std::string, StrategySpec> specs;
    for (auto& s : config_.strategies) {
        specs[s.id] = s;
    }
    if (auto saved = settings_.scan("strategy/")) {
        for (const auto& [key, text] : *saved) {
            boost::system::error_code ec;
            auto v = json::parse(text, ec);
            if (ec || !v.is_object()) continue;
            if (auto spec = strategy_from_json(v.get_object())) specs[spec->id] = *spec;
        }
    }
    for (auto& [id, spec] : specs) {
        if (auto ok = install(spec, true); !ok) {
            std::fprintf(stderr, "signals: strategy %s not started: %s\n", id.c_str(),
                         ok.error().message.c_str());
        }
    }
    subscribe("md.bars", [this](const bus::Envelope& e) { on_bar(e); });
    subscribe("md.quotes", [this](const bus::Envelope& e) { on_quote(e); });
    // A strategy counts its order as working until it sees the order's event, so a few
    // milliseconds' wait errs on the side of not trading twice; quotes and bars come at once.
    subscribe("orders", std::chrono::milliseconds(5),
              [this](const bus::Envelope& e) { on_order_event(e); });
    subscribe("orders.refused", [this](const bus::Envelope& e) {
        const auto* coid = e.data.if_contains("client_order_id");
        const auto* strategy = e.data.if_contains("strategy");
        if (!coid || !coid->is_string() || !strategy || !strategy->is_string()) return;
        if (auto it = strategies_.find(std::string{strategy->get_string()});
            it != strategies_.end()) {
            it->second->in_flight.erase(std::string{coid->get_string()});
        }
        auto s = signal_index_.find(std::string{coid->get_string()});
        if (s != signal_index_.end() && s->second >= signal_base_) {
            auto& sig = signals_[s->second - signal_base_];
            sig["status"] = "refused";
            if (const auto* m = e.data.if_contains("message")) sig["reason"] = *m;
        }
    });
    subscribe("account", [this](const bus::Envelope& e) { on_account(e); });
    set_ready(true);
}

void SignalsService::on_bar(const bus::Envelope& e) {
    auto bar = bar_from_json(e.data);
    if (!bar) return;
    tick_ = e.ts;
    for (auto& [id, r] : strategies_) {
        if (r->spec.enabled && r->strategy->trades(bar->symbol)) r->strategy->on_bar(*bar, *r);
    }
}

void SignalsService::on_quote(const bus::Envelope& e) {
    auto q = quote_from_json(e.data);
    if (!q) return;
    tick_ = e.ts;
    for (auto& [id, r] : strategies_) {
        if (r->spec.enabled && r->strategy->trades(q->symbol)) r->strategy->on_quote(*q, *r);
    }
}

void SignalsService::on_account(const bus::Envelope& e) {
    for (auto [key, field] : {std::pair{"cash", &cash_}, std::pair{"equity", &equity_}}) {
        if (const auto* v = e.data.if_contains(key); v && v->is_string()) {
            if (auto m = core::Money::parse(v->get_string())) *field = *m;
        }
    }
}

void SignalsService::on_order_event(const bus::Envelope& e) {
    const auto* order = e.data.if_contains("order");
    if (!order || !order->is_object()) return;
    const auto& o = order->get_object();
    const auto* coid = o.if_contains("client_order_id");
    if (coid && coid->is_string()) {
        auto it = signal_index_.find(std::string{coid->get_string()});
        if (it != signal_index_.end() && it->second >= signal_base_) {
            auto& sig = signals_[it->second - signal_base_];
            sig["order_id"] = o.at("id");
            sig["status"] = o.at("status");
        }
    }
    // The strategy's working orders: what is left of each until it is final.
    if (const auto* strategy_name = e.data.if_contains("strategy");
        strategy_name && strategy_name->is_string() && coid && coid->is_string()) {
        auto sit = strategies_.find(std::string{strategy_name->get_string()});
        if (sit != strategies_.end()) {
            auto& flight = sit->second->in_flight;
            auto wit = flight.find(std::string{coid->get_string()});
            if (wit != flight.end()) {
                auto status = core::parse_order_status(o.at("status").as_string());
                const auto* q = o.if_contains("qty");
                const auto* f = o.if_contains("filled_qty");
                if (status && core::is_terminal(*status)) {
                    flight.erase(wit);
                } else if (q && q->is_string() && f && f->is_string()) {
                    auto qty = core::Quantity::parse(q->get_string());
                    auto filled = core::Quantity::parse(f->get_string());
                    if (qty && filled) wit->second.left = *qty - *filled;
                }
            }
        }
    }
    if (e.type != "fill" && e.type != "partial_fill") return;
    const auto* strategy = e.data.if_contains("strategy");
    const auto* f = e.data.if_contains("fill");
    if (!strategy || !strategy->is_string() || !f || !f->is_object()) return;
    auto it = strategies_.find(std::string{strategy->get_string()});
    if (it == strategies_.end()) return;
    auto fill = fill_from_json(f->get_object());
    if (!fill) return;
    auto& r = *it->second;
    r.positions[fill->symbol] = r.position(fill->symbol) + fill->signed_qty();
    r.strategy->on_fill(*fill, r);
}

void SignalsService::add_routes(net::Router& router) {
    route(router, "GET", "/strategies", Role::Viewer, "The strategies and their parameters",
          [this](Request&) {
              json::array out;
              for (const auto& [id, r] : strategies_) {
                  out.push_back(to_json(r->spec));
              }
              return Response::json(200, out);
          });
    route(router, "POST", "/strategies", Role::Admin,
          "Add a strategy ({name, id, symbols, params, enabled}); kept across restarts",
          [this](Request& req) {
              auto body = parse_object(req.body);
              if (!body) return Response::error(400, body.error().message);
              auto spec = strategy_from_json(*body);
              if (!spec) return Response::error(422, spec.error().message);
              if (strategies_.contains(spec->id)) {
                  return Response::error(409, "a strategy " + spec->id + " exists");
              }
              if (auto ok = engine::make_strategy(spec->kind, spec->params); !ok) {
                  return Response::error(422, ok.error().message);
              }
              if (auto ok = save(*spec); !ok) return Response::error(503, ok.error().message);
              if (auto ok = install(*spec, true); !ok) {
                  return Response::error(422, ok.error().message);
              }
              return Response::json(201, to_json(strategies_.at(spec->id)->spec));
          });
    route(router, "PATCH", "/strategies/{id}", Role::Admin,
          "Enable, disable or re-parameterise a strategy; kept across restarts",
          [this](Request& req) {
              auto it = strategies_.find(req.params["id"]);
              if (it == strategies_.end()) return Response::error(404, "no such strategy");
              auto body = parse_object(req.body);
              if (!body) return Response::error(400, body.error().message);
              json::object merged = to_json(it->second->spec);
              for (const auto& kv : *body) {
                  if (kv.key() == "id" || kv.key() == "name") {
                      return Response::error(422, std::string{kv.key()} + " cannot change");
                  }
                  if (kv.key() != "enabled" && kv.key() != "params" && kv.key() != "symbols") {
                      return Response::error(422,
                                             std::string{kv.key()} + " is not a strategy field");
                  }
                  if (kv.key() == "params" && kv.value().is_object()) {
                      auto& params = merged["params"].as_object();
                      for (const auto& p : kv.value().get_object()) {
                          params[p.key()] = p.value();
                      }
                  } else {
                      merged[kv.key()] = kv.value();
                  }
              }
              auto spec = strategy_from_json(merged);
              if (!spec) return Response::error(422, spec.error().message);
              const bool rebuild = spec->params != it->second->spec.params ||
                                   spec->symbols != it->second->spec.symbols;
              if (rebuild) {
                  if (auto ok = engine::make_strategy(spec->kind, spec->params); !ok) {
                      return Response::error(422, ok.error().message);
                  }
              }
              if (auto ok = save(*spec); !ok) return Response::error(503, ok.error().message);
              if (rebuild) {
                  auto positions = it->second->positions;
                  (void)install(*spec, true);
                  strategies_.at(spec->id)->positions = std::move(positions);
              } else {
                  it->second->spec.enabled = spec->enabled;
              }
              return Response::json(200, to_json(strategies_.at(spec->id)->spec));
          });
    route(router, "GET", "/signals", Role::Viewer,
          "Recent signals, newest first, with the order each led to", [this](Request&) {
              json::array out;
              for (auto it = signals_.rbegin(); it != signals_.rend(); ++it) {
                  out.push_back(*it);
              }
              return Response::json(200, out);
          });
}

}  // namespace meridian::services
