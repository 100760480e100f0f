// MarketDataService: releases the synthetic market on its own clock.
#include "services/marketdata/marketdata_service.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <boost/json.hpp>

#include "engine/aggregate.hpp"
#include "services/common/codec.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

MarketDataService::MarketDataService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                                     MarketDataConfig config)
    : Service{"marketdata", bus, clock, metrics}, config_{std::move(config)} {
    metrics_.counter("meridian_market_quotes_total", "Quotes published.", {"symbol"});
    metrics_.gauge("meridian_market_last_price_dollars", "Last trade price.", {"symbol"});
}

core::Timestamp MarketDataService::market_now() const {
    const double elapsed = static_cast<double>((clock_.now() - wall_start_).ns) * config_.speed;
    return market_start_ + core::Duration{static_cast<std::int64_t>(elapsed)};
}

void MarketDataService::on_start() {
    if (config_.feed) {
        wall_start_ = market_start_ = clock_.now();
        config_.speed = 1;
        feed_ = config_.feed(executor(), metrics_);
        Feed::Handlers h;
        h.quote = [this](const engine::Quote& q) { publish_quote(q); };
        h.trade = [this](const engine::Trade& t) { publish_trade(t); };
        h.bar = [this](const engine::Bar& b, bool corrected) { publish_bar(b, "1Min", corrected); };
        h.status = [this](bool connected, const std::string& state) {
            // Ready once the feed has been up; a feed that drops later makes prices stale,
            // which the risk service halts on.
            if (connected && !ready()) set_ready(true);
            std::fprintf(stderr, "marketdata: %s feed %s\n", feed_ ? feed_->name().c_str() : "",
                         state.c_str());
        };
        feed_->start(config_.symbols, std::move(h));
        return;
    }
    if (!config_.replay.empty()) {
        wall_start_ = clock_.now();
        market_start_ = config_.replay.front().ts;
        // A bar is complete at its start plus the symbol's bar spacing.
        std::map<core::Symbol, core::Timestamp> last;
        std::int64_t spacing = 0;
        for (const auto& b : config_.replay) {
            if (auto it = last.find(b.symbol); it != last.end()) {
                const auto gap = (b.ts - it->second).ns;
                if (gap > 0 && (spacing == 0 || gap < spacing)) spacing = gap;
            }
            last[b.symbol] = b.ts;
        }
        replay_spacing_ = core::Duration{spacing > 0 ? spacing : 60'000'000'000};
        const auto period = std::chrono::milliseconds(20);
        every(period, [this] { pump_replay(); });
        pump_replay();
        set_ready(true);
        return;
    }
    wall_start_ = clock_.now();
    // Bars start on whole minutes, as real ones do.
    const std::int64_t minute = 60'000'000'000;
    market_start_ = core::Timestamp::from_ns(wall_start_.ns() / minute * minute);
    wall_start_ = market_start_;
    engine::SyntheticConfig sc;
    sc.symbols = config_.symbols;
    sc.seed = config_.seed;
    sc.start = market_start_;
    sc.interval = core::Duration::minutes(1);
    sc.start_price = config_.start_price;
    sc.volatility = config_.volatility;
    sc.regular_hours = config_.regular_hours;
    sc.trades_per_bar = config_.quotes_per_minute;
    market_.emplace(sc);
    const auto period = std::chrono::milliseconds(
        std::max<std::int64_t>(5, static_cast<std::int64_t>(100 / std::max(1.0, config_.speed))));
    every(period, [this] { pump(); });
    pump();
    set_ready(true);
}

void MarketDataService::pump() {
    const core::Timestamp now = market_now();
    for (;;) {
        if (!step_) {
            if (market_->now() > now) return;  // the next bar has not begun
            step_ = market_->step();
            next_quote_ = 0;
        }
        // Quotes and trades come in time order within a step (symbol by symbol per instant).
        while (next_quote_ < step_->quotes.size() && step_->quotes[next_quote_].ts <= now) {
            publish_quote(step_->quotes[next_quote_]);
            publish_trade(step_->trades[next_quote_]);
            ++next_quote_;
        }
        if (next_quote_ < step_->quotes.size()) return;
        const core::Timestamp bar_end = step_->ts + core::Duration::minutes(1);
        if (bar_end > now) return;
        for (const auto& b : step_->bars) {
            publish_bar(b, "1Min");
        }
        step_.reset();
    }
}

void MarketDataService::on_stop() {
    if (feed_) feed_->stop();
}

void MarketDataService::publish_quote(const engine::Quote& q) {
    last_quote_[q.symbol] = q;
    metrics_.inc("meridian_market_quotes_total", {q.symbol.str()});
    bus_.publish("md.quotes", "quote", to_json(q));
}

void MarketDataService::publish_trade(const engine::Trade& t) {
    metrics_.set("meridian_market_last_price_dollars", {t.symbol.str()}, t.price.to_double());
    bus_.publish("md.trades", "trade",
                 {{"symbol", t.symbol.str()},
                  {"t", t.ts.to_iso8601()},
                  {"p", t.price.to_string()},
                  {"s", t.size.to_string()}});
}

void MarketDataService::publish_bar(const engine::Bar& b, std::string_view timeframe,
                                    bool corrected) {
    auto& kept = bars_[b.symbol];
    // A corrected bar (Alpaca's updatedBars) replaces the one with its start.
    auto same =
        std::find_if(kept.rbegin(), kept.rend(), [&](const auto& k) { return k.ts == b.ts; });
    if (corrected && same != kept.rend()) {
        *same = b;
    } else {
        kept.push_back(b);
        if (kept.size() > config_.bars_kept) kept.pop_front();
    }
    json::object j = to_json(b);
    j["timeframe"] = timeframe;
    if (corrected) j["corrected"] = true;
    bus_.publish("md.bars", "bar", std::move(j));
}

void MarketDataService::pump_replay() {
    const core::Timestamp now = market_now();
    const core::Timestamp wall = clock_.now();
    while (next_replay_ < config_.replay.size()) {
        engine::Bar b = config_.replay[next_replay_];
        if (b.ts + replay_spacing_ > now) return;  // not complete yet on the market clock
        ++next_replay_;
        b.ts = wall;  // as if it had just closed
        // A cent-wide quote at the close: orders work against it as against a live quote.
        const core::Price cent = core::Price::parse("0.01").value();
        const engine::Quote q{b.symbol,
                              wall,
                              b.close,
                              b.close + cent,
                              core::Quantity::from_units(100),
                              core::Quantity::from_units(100)};
        publish_bar(b, config_.replay_timeframe);
        publish_quote(q);
        publish_trade(engine::Trade{b.symbol, wall, b.close, b.volume});
    }
}

void MarketDataService::add_routes(net::Router& router) {
    route(router, "GET", "/marketdata/symbols", Role::Viewer, "The symbols this market trades",
          [this](Request&) {
              json::array out;
              for (const auto& s : config_.symbols) {
                  out.push_back(json::value(s.str()));
              }
              return Response::json(200, out);
          });
    route(router, "GET", "/marketdata/quotes/{symbol}", Role::Viewer, "The latest quote",
          [this](Request& req) {
              auto sym = core::Symbol::parse(req.params["symbol"]);
              if (!sym) return Response::error(422, sym.error().message);
              auto it = last_quote_.find(*sym);
              if (it == last_quote_.end()) {
                  const bool known = std::find(config_.symbols.begin(), config_.symbols.end(),
                                               *sym) != config_.symbols.end();
                  return Response::error(404, known ? "no quote yet for " + sym->str()
                                                    : "unknown symbol " + sym->str());
              }
              return Response::json(200, to_json(it->second));
          });
    route(router, "GET", "/marketdata/bars/{symbol}", Role::Viewer,
          "Recent bars (timeframe 1Min, 5Min, 15Min, 1Hour, 1Day; limit)", [this](Request& req) {
              auto sym = core::Symbol::parse(req.params["symbol"]);
              if (!sym) return Response::error(422, sym.error().message);
              if (std::find(config_.symbols.begin(), config_.symbols.end(), *sym) ==
                  config_.symbols.end()) {
                  return Response::error(404, "unknown symbol " + sym->str());
              }
              std::string tf_text{req.query_param("timeframe").value_or("1Min")};
              auto tf = engine::Timeframe::parse(tf_text);
              if (!tf) return Response::error(422, "timeframe: " + tf.error().message);
              auto limit_or = limit_param(req, 1000, 10'000);
              if (!limit_or) return Response::error(422, limit_or.error().message);
              const std::size_t limit = *limit_or;
              std::vector<engine::Bar> bars;
              if (auto it = bars_.find(*sym); it != bars_.end()) {
                  bars.assign(it->second.begin(), it->second.end());
              }
              bars = engine::aggregate(bars, *tf);
              return Response::json(200, latest_bars_json(bars, limit));
          });
}

}  // namespace meridian::services
