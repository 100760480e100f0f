// AnalyticsService: live statistics and background backtests.
#include "services/analytics/analytics_service.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <boost/json.hpp>

#include "engine/aggregate.hpp"
#include "engine/backtest.hpp"
#include "services/common/codec.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

namespace {
// Statistics may trail their fills by a few milliseconds: a burst of fills is one wake-up of this
// loop (Bus::subscribe).
constexpr std::chrono::milliseconds kLinger{10};
}  // namespace

struct AnalyticsService::Job {
    std::mutex mutex;
    std::string id;
    std::string state = "running";  // running, done, failed
    std::string error;
    json::object request;
    json::value summary;
    std::thread thread;
    core::Timestamp created;
};

AnalyticsService::AnalyticsService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                                   store::OrderStore& orders, store::EquityStore& equity,
                                   store::BarStore& bars, AnalyticsConfig config)
    : Service{"analytics", bus, clock, metrics},
      orders_{orders},
      equity_store_{equity},
      bars_{bars},
      config_{config} {
    metrics_.counter("meridian_backtests_total", "Backtests run through the API.", {"state"});
}

AnalyticsService::~AnalyticsService() {
    stop();
    for (auto& [id, job] : jobs_) {
        if (job->thread.joinable()) job->thread.join();
    }
}

void AnalyticsService::on_stop() {}

void AnalyticsService::on_start() {
    auto replayed = orders_.each_strategy_fill(
        [this](const store::StrategyFill& f) { record(f.fill, f.strategy); });
    if (!replayed) {
        std::fprintf(stderr, "analytics: cannot read fills: %s\n",
                     replayed.error().message.c_str());
    }
    if (auto points = equity_store_.equity(core::Timestamp{}, 100'000)) {
        for (const auto& p : *points) {
            curve_.push_back({p.ts, p.cash, p.equity - p.cash, p.equity});
            exposed_.push_back(p.equity != p.cash);
        }
    }
    subscribe("fills", kLinger, [this](const bus::Envelope& e) {
        if (e.type != "fill" && e.type != "partial_fill") return;
        const auto* f = e.data.if_contains("fill");
        const auto* s = e.data.if_contains("strategy");
        if (!f || !f->is_object()) return;
        auto fill = fill_from_json(f->get_object());
        if (!fill) return;
        record(*fill, s && s->is_string() ? std::string{s->get_string()} : "unknown");
        marks_[fill->symbol] = fill->price;
    });
    subscribe("account", kLinger, [this](const bus::Envelope& e) {
        auto money = [&](const char* k) -> std::optional<core::Money> {
            const auto* v = e.data.if_contains(k);
            if (!v || !v->is_string()) return std::nullopt;
            auto m = core::Money::parse(v->get_string());
            return m ? std::optional<core::Money>{*m} : std::nullopt;
        };
        auto eq = money("equity");
        auto cash = money("cash");
        if (!eq || !cash) return;
        const auto now = clock_.now();
        const std::int64_t minute = now.ns() / 60'000'000'000;
        if (minute == last_minute_) return;
        last_minute_ = minute;
        curve_.push_back({now, *cash, *eq - *cash, *eq});
        exposed_.push_back(*eq != *cash);
    });
    set_ready(true);
}

void AnalyticsService::record(const core::Fill& fill, const std::string& strategy) {
    auto added = ledger_.add(fill);
    if (!added || !*added) return;  // a bad fill, or one delivered again
    // The overall ledger refused repeats: the others need not.
    (void)by_strategy_.try_emplace(strategy, false).first->second.add(fill);
    (void)by_symbol_.try_emplace(fill.symbol.str(), false).first->second.add(fill);
    traded_ += fill.notional();
    recent_.push_back({fill, strategy});
    if (recent_.size() > kRecentFills) recent_.pop_front();
}

void AnalyticsService::add_routes(net::Router& router) {
    route(router, "GET", "/analytics/performance", Role::Viewer,
          "Return, volatility, Sharpe, Sortino, drawdown, win rate... of the live account, with "
          "P&L by strategy and by symbol",
          [this](Request&) {
              auto curve = curve_;
              auto exposed = exposed_;
              if (curve.empty()) {
                  curve.push_back({clock_.now(), config_.starting_cash, {}, config_.starting_cash});
                  exposed.push_back(false);
              }
              auto summary =
                  engine::summarize(curve, exposed, ledger_.trips(), config_.starting_cash,
                                    ledger_.num_fills(), 0, traded_);
              auto mark = [this](const core::Symbol& s) -> std::optional<core::Price> {
                  auto it = marks_.find(s);
                  return it == marks_.end() ? std::nullopt : std::optional<core::Price>{it->second};
              };
              for (const auto& [name, ledger] : by_strategy_) {
                  summary.by_strategy.emplace(name, ledger.breakdown(mark));
              }
              for (const auto& [symbol, ledger] : by_symbol_) {
                  summary.by_symbol.emplace(symbol, ledger.breakdown(mark));
              }
              Response r = Response::text(200, engine::summary_json(summary), "application/json");
              return r;
          });
    route(router, "GET", "/analytics/trades", Role::Viewer,
          "Executions with the strategy each belongs to, newest first (limit)",
          [this](Request& req) {
              auto limit_or = limit_param(req, 500, 10'000);
              if (!limit_or) return Response::error(422, limit_or.error().message);
              const std::size_t limit = *limit_or;
              json::array out;
              for (auto it = recent_.rbegin(); it != recent_.rend() && out.size() < limit; ++it) {
                  json::object j = to_json(it->fill);
                  j["strategy"] = it->strategy;
                  out.push_back(std::move(j));
              }
              return Response::json(200, out);
          });
    route(router, "POST", "/analytics/backtests", Role::Trader,
          "Backtest a strategy over stored history in the background ({strategy, params, "
          "symbols, timeframe: 1Min|1Day, cash}); answers 202 with its id",
          [this](Request& req) {
              auto body = parse_object(req.body);
              if (!body) return Response::error(400, body.error().message);
              auto strategy = string_field(*body, "strategy");
              if (!strategy) return Response::error(422, strategy.error().message);
              if (!*strategy) return Response::error(422, "strategy: is required");
              auto params_or = strategy_params_from_json(*body);
              if (!params_or) return Response::error(422, params_or.error().message);
              const engine::StrategyParams& params = *params_or;
              auto made = engine::make_strategy(**strategy, params);
              if (!made) return Response::error(422, made.error().message);
              std::vector<core::Symbol> symbols;
              const auto* syms = body->if_contains("symbols");
              if (!syms || !syms->is_array() || syms->get_array().empty()) {
                  return Response::error(422, "symbols: a non-empty array of symbols is required");
              }
              for (const auto& v : syms->get_array()) {
                  auto s = v.is_string()
                               ? core::Symbol::parse(v.get_string())
                               : core::Result<core::Symbol>{core::invalid("not a string")};
                  if (!s) return Response::error(422, "symbols: " + s.error().message);
                  symbols.push_back(*s);
              }
              auto tf = string_field(*body, "timeframe");
              if (!tf) return Response::error(422, tf.error().message);
              const std::string timeframe = tf->value_or("1Min");
              if (timeframe != "1Min" && timeframe != "1Day") {
                  return Response::error(422, "timeframe: 1Min or 1Day");
              }
              core::Money cash = core::Money::from_units(100'000);
              if (auto c = decimal_text(*body, "cash"); c && *c) {
                  auto m = core::Money::parse(**c);
                  if (!m || !m->is_positive()) {
                      return Response::error(422, "cash: must be positive");
                  }
                  cash = *m;
              }
              std::vector<engine::Bar> bars;
              for (const auto& s : symbols) {
                  auto rows = bars_.bars(s, timeframe, core::Timestamp{},
                                         clock_.now() + core::Duration::days(1), 2'000'000);
                  if (!rows) return Response::error(503, rows.error().message);
                  for (const auto& r : *rows) {
                      bars.push_back({r.symbol, r.ts, r.open, r.high, r.low, r.close, r.volume,
                                      r.vwap, std::nullopt, r.trade_count});
                  }
              }
              if (bars.empty()) {
                  return Response::error(422, "no stored " + timeframe +
                                                  " bars for these symbols (POST /history/import "
                                                  "adds some)");
              }
              std::stable_sort(bars.begin(), bars.end(),
                               [](const auto& a, const auto& b) { return a.ts < b.ts; });
              auto job = std::make_shared<Job>();
              job->id = "bt_" + std::to_string(++next_job_);
              job->request = *body;
              job->created = clock_.now();
              job->thread = std::thread{
                  [job, bars = std::move(bars), cash, strategy_ptr = std::move(*made)]() mutable {
                      std::vector<std::unique_ptr<engine::Strategy>> strategies;
                      strategies.push_back(std::move(strategy_ptr));
                      engine::BacktestConfig bc;
                      bc.cash = cash;
                      auto result = engine::run_backtest(bars, strategies, bc);
                      std::lock_guard lock{job->mutex};
                      if (!result) {
                          job->state = "failed";
                          job->error = result.error().message;
                          return;
                      }
                      boost::system::error_code ec;
                      job->summary = json::parse(engine::summary_json(result->summary), ec);
                      job->state = "done";
                  }};
              jobs_[job->id] = job;
              job_order_.push_back(job->id);
              while (job_order_.size() > config_.max_backtests) {
                  auto old = jobs_.find(job_order_.front());
                  if (old != jobs_.end()) {
                      if (old->second->thread.joinable()) old->second->thread.join();
                      jobs_.erase(old);
                  }
                  job_order_.pop_front();
              }
              metrics_.inc("meridian_backtests_total", {"started"});
              return Response::json(202, {{"id", job->id}, {"state", "running"}});
          });
    route(router, "GET", "/analytics/backtests/{id}", Role::Viewer,
          "A backtest's state (running, done, failed) and, when done, its summary",
          [this](Request& req) {
              auto it = jobs_.find(req.params["id"]);
              if (it == jobs_.end()) return Response::error(404, "no such backtest");
              auto& job = *it->second;
              std::lock_guard lock{job.mutex};
              json::object j{{"id", job.id},
                             {"state", job.state},
                             {"request", job.request},
                             {"created_at", job.created.to_iso8601()}};
              if (job.state == "done") j["summary"] = job.summary;
              if (job.state == "failed") j["error"] = job.error;
              return Response::json(200, j);
          });
}

}  // namespace meridian::services
