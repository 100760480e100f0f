// PositionsService: the account from fills, its curve, and the portfolio routes.
#include "services/positions/positions_service.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "services/common/codec.hpp"
#include "services/common/replay.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;
namespace asio = boost::asio;

namespace {
std::string cents(core::Money m) {
    return m.to_string(2, core::Rounding::HalfEven);
}
}  // namespace

PositionsService::PositionsService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                                   store::OrderStore& orders, store::EquityStore& equity,
                                   PositionsConfig config)
    : Service{"positions", bus, clock, metrics},
      orders_{orders},
      equity_store_{equity},
      config_{std::move(config)},
      account_{core::Account::create(config_.starting_cash, config_.multiplier).value()} {
    metrics_.gauge("meridian_equity_dollars", "Account equity.");
    metrics_.gauge("meridian_cash_dollars", "Account cash.");
    metrics_.gauge("meridian_pnl_dollars", "Profit and loss.", {"kind"});
    metrics_.gauge("meridian_exposure_dollars", "Market value of positions.", {"side"});
}

void PositionsService::on_start() {
    // Subscribe first, then read the stored fills: a fill stored meanwhile arrives on the bus
    // after the rebuild (this loop runs it first) and is applied once (by execution id).
    // A burst of fills within two milliseconds is one wake-up of this loop and one rendering.
    subscribe("fills", std::chrono::milliseconds(2), [this](const bus::Envelope& e) {
        if (e.type == "fill" || e.type == "partial_fill") on_fill(e);
    });
    rebuild_account(account_, config_.opening, orders_, "positions");
    if (auto points = equity_store_.equity(core::Timestamp{}, 10'000)) {
        curve_.assign(points->begin(), points->end());
    }
    subscribe("md.quotes", [this](const bus::Envelope& e) {
        if (auto q = quote_from_json(e.data)) {
            account_.mark(q->symbol, core::Price::from_raw((q->bid.raw() + q->ask.raw()) / 2));
            const auto* p = account_.position(q->symbol);
            if (p && !p->is_flat()) positions_changed();  // its market value moved
        }
    });
    publish_positions();
    every(std::chrono::milliseconds(1000), [this] { publish_account(); });
    every(config_.sample_every, [this] { sample(); });
    sample();
    set_ready(true);
}

void PositionsService::on_fill(const bus::Envelope& e) {
    const auto* f = e.data.if_contains("fill");
    if (!f || !f->is_object()) return;
    auto fill = fill_from_json(f->get_object());
    if (!fill) return;
    auto applied = account_.apply_fill(*fill);
    if (!applied || !*applied) return;  // an error, or seen before (at least once delivery)
    const auto* p = account_.position(fill->symbol);
    json::object data = to_json(*p, account_.mark_price(fill->symbol));
    bus_.publish("positions", "position", std::move(data));
    positions_changed();
}

void PositionsService::positions_changed() {
    // Rendered once the messages already queued on this loop are handled: a burst of fills or
    // quotes costs one rendering, not one each.
    if (std::exchange(render_pending_, true)) return;
    asio::post(executor(), [this] {
        render_pending_ = false;
        publish_positions();
    });
}

void PositionsService::publish_positions() {
    json::array out;
    for (const auto& [sym, p] : account_.positions()) {
        if (!p.is_flat()) out.push_back(to_json(p, account_.mark_price(sym)));
    }
    positions_body_.publish(json::serialize(out));
}

json::object PositionsService::account_json() const {
    json::object j;
    j["cash"] = cents(account_.cash());
    j["equity"] = cents(account_.equity());
    j["long_market_value"] = cents(account_.long_market_value());
    j["short_market_value"] = cents(account_.short_market_value());
    j["buying_power"] = cents(account_.buying_power());
    j["realized_pl"] = cents(account_.realized_pnl());
    j["unrealized_pl"] = cents(account_.unrealized_pnl());
    j["commissions"] = cents(account_.commissions());
    j["starting_cash"] = cents(account_.starting_cash());
    j["multiplier"] = account_.multiplier();
    j["ts"] = clock_.now().to_iso8601();
    return j;
}

void PositionsService::publish_account() {
    const auto now = clock_.now();
    const core::Money equity = account_.equity();
    const std::int64_t day = now.ns() / 86'400'000'000'000;
    if (day != day_) {
        day_ = day;
        day_start_equity_ = equity;
    }
    metrics_.set("meridian_equity_dollars", {}, equity.to_double());
    metrics_.set("meridian_cash_dollars", {}, account_.cash().to_double());
    metrics_.set("meridian_pnl_dollars", {"realized"}, account_.realized_pnl().to_double());
    metrics_.set("meridian_pnl_dollars", {"unrealized"}, account_.unrealized_pnl().to_double());
    metrics_.set("meridian_exposure_dollars", {"long"}, account_.long_market_value().to_double());
    metrics_.set("meridian_exposure_dollars", {"short"}, account_.short_market_value().to_double());
    bus_.publish("account", "account", account_json());
}

void PositionsService::sample() {
    store::EquityPoint p{clock_.now(), account_.equity(), account_.cash()};
    curve_.push_back(p);
    if (curve_.size() > 10'000) curve_.pop_front();
    if (auto ok = equity_store_.add_equity(p); !ok) {
        std::fprintf(stderr, "positions: equity not stored: %s\n", ok.error().message.c_str());
    }
}

void PositionsService::add_routes(net::Router& router) {
    // Answered from the list this loop publishes at every change (a fill, a quote of a held
    // symbol), on the asking thread: no hop to this loop per request.
    route_snapshot(router, "GET", "/positions", Role::Viewer, "Open positions", [this](Request&) {
        auto body = positions_body_.get();
        if (!body) return Response::error(503, "positions are not loaded yet");
        return Response::text(200, *body, "application/json");
    });
    route(router, "GET", "/positions/{symbol}", Role::Viewer, "One open position",
          [this](Request& req) {
              auto sym = core::Symbol::parse(req.params["symbol"]);
              if (!sym) return Response::error(422, sym.error().message);
              const auto* p = account_.position(*sym);
              if (!p || p->is_flat()) return Response::error(404, "position does not exist");
              return Response::json(200, to_json(*p, account_.mark_price(*sym)));
          });
    route(router, "GET", "/portfolio/pnl", Role::Viewer, "Realized, unrealized and today's P&L",
          [this](Request&) {
              const core::Money equity = account_.equity();
              json::object j{{"realized", cents(account_.realized_pnl())},
                             {"unrealized", cents(account_.unrealized_pnl())},
                             {"total", cents(equity - account_.starting_cash())},
                             {"today", cents(equity - day_start_equity_.value_or(equity))},
                             {"commissions", cents(account_.commissions())}};
              return Response::json(200, j);
          });
    route(router, "GET", "/portfolio/metrics", Role::Viewer,
          "Account values, exposure and return statistics", [this](Request&) {
              json::object j = account_json();
              j["positions"] = static_cast<std::uint64_t>(
                  std::count_if(account_.positions().begin(), account_.positions().end(),
                                [](const auto& kv) { return !kv.second.is_flat(); }));
              const double eq = account_.equity().to_double();
              const double start = account_.starting_cash().to_double();
              j["total_return"] = start > 0 ? eq / start - 1 : 0.0;
              double peak = 0;
              double max_dd = 0;
              for (const auto& p : curve_) {
                  const double v = p.equity.to_double();
                  peak = std::max(peak, v);
                  if (peak > 0) max_dd = std::max(max_dd, 1 - v / peak);
              }
              j["max_drawdown"] = max_dd;
              j["gross_exposure"] =
                  cents(account_.long_market_value() - account_.short_market_value());
              return Response::json(200, j);
          });
    route(router, "GET", "/portfolio/history", Role::Viewer,
          "The equity curve (one point per sample; limit)", [this](Request& req) {
              auto limit_or = limit_param(req, 1000, 10'000);
              if (!limit_or) return Response::error(422, limit_or.error().message);
              const std::size_t limit = *limit_or;
              json::array out;
              const std::size_t first = curve_.size() > limit ? curve_.size() - limit : 0;
              for (std::size_t i = first; i < curve_.size(); ++i) {
                  out.push_back({{"t", curve_[i].ts.to_iso8601()},
                                 {"equity", cents(curve_[i].equity)},
                                 {"cash", cents(curve_[i].cash)}});
              }
              return Response::json(200, out);
          });
}

}  // namespace meridian::services
