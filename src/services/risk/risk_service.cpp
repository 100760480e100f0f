// RiskService: limits, halts, staleness, VaR and the risk event log.
#include "services/risk/risk_service.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <boost/json.hpp>

#include "services/common/codec.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

namespace {

constexpr const char* kLimitsKey = "risk/limits";
constexpr const char* kStateKey = "risk/state";

engine::TradingState parse_state(std::string_view s) {
    if (s == "halted") return engine::TradingState::Halted;
    if (s == "reduce_only") return engine::TradingState::ReduceOnly;
    return engine::TradingState::Active;
}

/// Historical VaR: the loss exceeded by only (1 - level) of the changes, as a positive number.
double historical_var(const std::deque<double>& equity, double level) {
    std::vector<double> changes;
    for (std::size_t i = 1; i < equity.size(); ++i) {
        changes.push_back(equity[i] - equity[i - 1]);
    }
    if (changes.empty()) return 0;
    std::sort(changes.begin(), changes.end());
    const auto index =
        static_cast<std::size_t>(std::floor((1 - level) * static_cast<double>(changes.size())));
    return std::max(0.0, -changes[std::min(index, changes.size() - 1)]);
}

}  // namespace

RiskService::RiskService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                         store::SettingsStore& settings, RiskConfig config)
    : Service{"risk", bus, clock, metrics},
      settings_{settings},
      config_{config},
      engine_{config_.limits} {
    metrics_.counter("meridian_risk_events_total", "Risk events by type.", {"type"});
    metrics_.gauge("meridian_trading_halted", "1 when trading is halted.");
}

void RiskService::on_start() {
    if (auto saved = settings_.get(kLimitsKey); saved && *saved) {
        boost::system::error_code ec;
        auto v = json::parse(**saved, ec);
        if (!ec && v.is_object()) {
            if (auto l = risk_limits_from_json(v.get_object(), engine::RiskLimits{})) {
                engine_.set_limits(*l);
            }
        }
    }
    if (auto saved = settings_.get(kStateKey); saved && *saved) {
        engine_.set_state(parse_state(**saved));
    }
    subscribe("risk.events", [this](const bus::Envelope& e) {
        json::object ev = e.data;
        ev["type"] = e.type;
        events_.push_back(std::move(ev));
        if (events_.size() > config_.events_kept) events_.pop_front();
        metrics_.inc("meridian_risk_events_total", {e.type});
    });
    subscribe("md.quotes", [this](const bus::Envelope& e) {
        const auto* s = e.data.if_contains("symbol");
        if (!s || !s->is_string()) return;
        auto sym = core::Symbol::parse(s->get_string());
        if (!sym) return;
        last_quote_[*sym] = clock_.now();
        if (stale_.erase(*sym) > 0) {
            record("resumed", {{"symbol", sym->str()}, {"message", "quotes resumed"}});
            publish_state();
        }
    });
    subscribe("account", [this](const bus::Envelope& e) { on_account(e); });
    // A starting execution service asks for the state rather than wait for the next second.
    subscribe("risk.requests", [this](const bus::Envelope& e) {
        if (e.type == "state") publish_state();
    });
    subscribe("config", [this](const bus::Envelope& e) {
        const auto* key = e.data.if_contains("key");
        const auto* value = e.data.if_contains("value");
        if (key && value && *key == "stale_after_seconds" && value->is_number()) {
            config_.stale_after = std::chrono::seconds(value->to_number<std::int64_t>());
        }
    });
    every(std::chrono::milliseconds(1000), [this] {
        check_stale();
        publish_state();
    });
    publish_state();
    set_ready(true);
}

void RiskService::record(const std::string& type, json::object event) {
    event["ts"] = clock_.now().to_iso8601();
    bus_.publish("risk.events", type, std::move(event));
}

void RiskService::publish_state() {
    json::array halted;
    for (const auto& s : stale_) {
        halted.push_back(json::value(s.str()));
    }
    metrics_.set("meridian_trading_halted", {},
                 engine_.state() == engine::TradingState::Halted ? 1 : 0);
    bus_.publish("risk.state", "state",
                 {{"limits", to_json(engine_.limits())},
                  {"state", engine::to_string(engine_.state())},
                  {"halted_symbols", std::move(halted)}});
}

void RiskService::check_stale() {
    const auto now = clock_.now();
    const core::Duration limit{static_cast<std::int64_t>(config_.stale_after.count()) * 1'000'000};
    for (const auto& [sym, at] : last_quote_) {
        if (now - at > limit && stale_.insert(sym).second) {
            record("stale", {{"symbol", sym.str()},
                             {"message", "no quote for " + sym.str() + " in " +
                                             std::to_string(config_.stale_after.count() / 1000) +
                                             " s: trading in it is halted"}});
        }
    }
}

void RiskService::on_account(const bus::Envelope& e) {
    last_account_ = e.data;
    const auto* eq = e.data.if_contains("equity");
    if (!eq || !eq->is_string()) return;
    auto equity = core::Money::parse(eq->get_string());
    if (!equity) return;
    last_equity_ = *equity;
    const auto now = clock_.now();
    const std::int64_t minute = now.ns() / 60'000'000'000;
    if (minute != equity_minute_) {
        equity_minute_ = minute;
        equity_.push_back(equity->to_double());
        if (equity_.size() > 10'000) equity_.pop_front();
    }
    const bool was_halted = engine_.state() == engine::TradingState::Halted;
    if (auto why = engine_.on_equity(now, *equity); why && !was_halted) {
        (void)settings_.put(kStateKey, "halted", now);
        record("halted", {{"message", *why}});
        bus_.publish("notifications.events", "halted", {{"message", *why}});
        publish_state();
    }
}

Response RiskService::set_state(Request& req, engine::TradingState state) {
    const auto now = clock_.now();
    if (auto ok = settings_.put(kStateKey, std::string{engine::to_string(state)}, now); !ok) {
        return Response::error(503, ok.error().message);
    }
    engine_.set_state(state);
    std::string reason{req.query_param("reason").value_or("")};
    record(state == engine::TradingState::Halted ? "halted" : "resumed",
           {{"message", state == engine::TradingState::Halted ? "halted by " + req.principal
                                                              : "resumed by " + req.principal},
            {"reason", reason}});
    publish_state();
    return Response::json(200, {{"state", engine::to_string(state)}});
}

void RiskService::add_routes(net::Router& router) {
    route(router, "GET", "/risk/limits", Role::Viewer, "The risk limits in force",
          [this](Request&) { return Response::json(200, to_json(engine_.limits())); });
    route(router, "PUT", "/risk/limits", Role::Admin,
          "Change risk limits (named fields; null clears one); applied at once",
          [this](Request& req) {
              auto body = parse_object(req.body);
              if (!body) return Response::error(400, body.error().message);
              auto limits = risk_limits_from_json(*body, engine_.limits());
              if (!limits) return Response::error(422, limits.error().message);
              const json::object j = to_json(*limits);
              if (auto ok = settings_.put(kLimitsKey, json::serialize(j), clock_.now()); !ok) {
                  return Response::error(503, ok.error().message);
              }
              engine_.set_limits(*limits);
              record("limits_changed", {{"message", "limits changed by " + req.principal}});
              publish_state();
              return Response::json(200, j);
          });
    route(router, "GET", "/risk/metrics", Role::Viewer,
          "Exposure, drawdown, daily P&L, historical VaR 95/99", [this](Request&) {
              json::object j;
              j["state"] = engine::to_string(engine_.state());
              json::array halted;
              for (const auto& s : stale_) {
                  halted.push_back(json::value(s.str()));
              }
              j["halted_symbols"] = std::move(halted);
              for (const char* k : {"equity", "long_market_value", "short_market_value"}) {
                  if (const auto* v = last_account_.if_contains(k)) j[k] = *v;
              }
              // Drawdowns are ratios (statistics); the day's P&L is money, exact: the equity
              // now less the trading day's first.
              double peak = 0;
              double dd = 0;
              for (double v : equity_) {
                  peak = std::max(peak, v);
                  if (peak > 0) dd = std::max(dd, 1 - v / peak);
              }
              j["max_drawdown"] = dd;
              const auto equity = last_equity_;
              const auto& top = engine_.peak();
              j["current_drawdown"] =
                  equity && top && top->is_positive()
                      ? std::max(0.0, 1 - equity->to_double() / top->to_double())
                      : 0.0;
              const auto day_start = engine_.day_start();
              if (day_start) {
                  j["day_start_equity"] = day_start->to_string(2, core::Rounding::HalfEven);
              }
              j["daily_pnl"] = equity && day_start
                                   ? (*equity - *day_start).to_string(2, core::Rounding::HalfEven)
                                   : std::string{"0.00"};
              j["var_95"] = historical_var(equity_, 0.95);
              j["var_99"] = historical_var(equity_, 0.99);
              j["var_horizon"] = "1m";
              j["var_samples"] = equity_.size() > 0 ? equity_.size() - 1 : 0;
              return Response::json(200, j);
          });
    route(router, "GET", "/risk/events", Role::Viewer, "Recent denials, breaches and halts",
          [this](Request&) {
              json::array out;
              for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
                  out.push_back(*it);
              }
              return Response::json(200, out);
          });
    route(router, "POST", "/risk/halt", Role::Trader, "Halt all trading (the kill switch)",
          [this](Request& r) { return set_state(r, engine::TradingState::Halted); });
    route(router, "POST", "/risk/resume", Role::Admin, "Resume trading",
          [this](Request& r) { return set_state(r, engine::TradingState::Active); });
}

}  // namespace meridian::services
