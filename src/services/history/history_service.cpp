// HistoryService: bars into the store and back out.
#include "services/history/history_service.hpp"

#include <charconv>
#include <cstdio>
#include <limits>

#include <boost/json.hpp>

#include "engine/aggregate.hpp"
#include "engine/bars_csv.hpp"
#include "services/common/codec.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

namespace {

store::StoredBar stored(const engine::Bar& b, std::string timeframe) {
    return store::StoredBar{
        b.symbol, std::move(timeframe), b.ts, b.open, b.high, b.low, b.close, b.volume,
        b.vwap,   b.trade_count};
}

engine::Bar bar(const store::StoredBar& s) {
    engine::Bar b;
    b.symbol = s.symbol;
    b.ts = s.ts;
    b.open = s.open;
    b.high = s.high;
    b.low = s.low;
    b.close = s.close;
    b.volume = s.volume;
    b.vwap = s.vwap;
    b.trade_count = s.trade_count;
    return b;
}

}  // namespace

HistoryService::HistoryService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                               store::BarStore& bars)
    : Service{"history", bus, clock, metrics}, bars_{bars} {
    metrics_.counter("meridian_history_bars_stored_total", "Bars written to the history store.");
}

void HistoryService::on_start() {
    subscribe("md.bars", [this](const bus::Envelope& e) {
        auto b = bar_from_json(e.data);
        if (!b) return;
        std::string tf = "1Min";
        if (const auto* t = e.data.if_contains("timeframe"); t && t->is_string()) {
            tf = std::string{t->get_string()};
        }
        pending_.push_back(stored(*b, tf));
        receipts_.push_back(e.receipt.keep());  // acknowledged once the bar is stored
    });
    every(std::chrono::milliseconds(1000), [this] { flush(); });
    set_ready(true);
}

void HistoryService::on_stop() {
    flush();
}

void HistoryService::flush() {
    if (pending_.empty()) return;
    if (auto ok = bars_.put_bars(pending_); !ok) {
        std::fprintf(stderr, "history: bars not stored: %s\n", ok.error().message.c_str());
        return;  // kept, tried again next second
    }
    metrics_.inc("meridian_history_bars_stored_total", {}, static_cast<double>(pending_.size()));
    pending_.clear();
    receipts_.clear();
}

void HistoryService::add_routes(net::Router& router) {
    route(router, "GET", "/history/bars/{symbol}", Role::Viewer,
          "Stored bars (start, end: RFC 3339 or dates; timeframe: 1Min..1Day; limit)",
          [this](Request& req) {
              flush();
              auto sym = core::Symbol::parse(req.params["symbol"]);
              if (!sym) return Response::error(422, sym.error().message);
              core::Timestamp start = core::Timestamp::from_ns(0);
              core::Timestamp end =
                  core::Timestamp::from_ns(std::numeric_limits<std::int64_t>::max());
              for (auto [name, field] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
                  if (auto t = req.query_param(name)) {
                      auto ts = core::Timestamp::parse(*t);
                      if (!ts) {
                          return Response::error(422,
                                                 std::string{name} + ": " + ts.error().message);
                      }
                      *field = *ts;
                  }
              }
              if (end < start) return Response::error(422, "end is before start");
              std::string tf_text{req.query_param("timeframe").value_or("1Min")};
              auto tf = engine::Timeframe::parse(tf_text);
              if (!tf) return Response::error(422, "timeframe: " + tf.error().message);
              auto limit_or = limit_param(req, 10'000, 10'000);
              if (!limit_or) return Response::error(422, limit_or.error().message);
              const std::size_t limit = *limit_or;
              // Stored as given: 1-minute bars from the market, daily ones from imports.
              const bool daily = tf->daily;
              auto rows = bars_.bars(*sym, daily ? "1Day" : "1Min", start, end, 100'000);
              if (!rows) return Response::error(503, rows.error().message);
              std::vector<engine::Bar> bars;
              for (const auto& r : *rows) {
                  bars.push_back(bar(r));
              }
              if (daily && bars.empty()) {
                  rows = bars_.bars(*sym, "1Min", start, end, 100'000);
                  if (!rows) return Response::error(503, rows.error().message);
                  for (const auto& r : *rows) {
                      bars.push_back(bar(r));
                  }
              }
              if (!(tf->daily && !bars.empty() && (*rows)[0].timeframe == "1Day")) {
                  bars = engine::aggregate(bars, *tf);
              }
              return Response::json(200, latest_bars_json(bars, limit));
          });
    route(router, "POST", "/history/import", Role::Trader,
          "Import bars from CSV text (symbol= and timeframe= in the query when the file has none)",
          [this](Request& req) {
              engine::BarsCsvOptions options;
              if (auto s = req.query_param("symbol")) {
                  auto sym = core::Symbol::parse(*s);
                  if (!sym) return Response::error(422, "symbol: " + sym.error().message);
                  options.symbol = *sym;
              }
              std::string tf{req.query_param("timeframe").value_or("")};
              if (!tf.empty() && tf != "1Min" && tf != "1Day") {
                  return Response::error(422, "timeframe must be 1Min or 1Day");
              }
              auto bars = engine::parse_bars_csv(req.body, "body", options);
              if (!bars) return Response::error(422, bars.error().message);
              if (tf.empty()) {
                  // Daily files stamp midnight New York; anything else is intraday.
                  tf = bars->size() > 1 &&
                               ((*bars)[1].ts - (*bars)[0].ts).ns >= core::Duration::hours(20).ns
                           ? "1Day"
                           : "1Min";
              }
              std::vector<store::StoredBar> rows;
              for (const auto& b : *bars) {
                  rows.push_back(stored(b, tf));
              }
              if (auto ok = bars_.put_bars(rows); !ok) {
                  return Response::error(503, ok.error().message);
              }
              metrics_.inc("meridian_history_bars_stored_total", {},
                           static_cast<double>(rows.size()));
              return Response::json(200, {{"imported", rows.size()}, {"timeframe", tf}});
          });
}

}  // namespace meridian::services
