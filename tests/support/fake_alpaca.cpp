// FakeAlpaca: Alpaca's REST and streams on loopback, with a small market and scripted faults.
#include "fake_alpaca.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "core/decimal.hpp"
#include "core/ids.hpp"
#include "core/timestamp.hpp"
#include "engine/calendar.hpp"
#include "net/http_server.hpp"
#include "net/websocket.hpp"

namespace meridian::testing {

namespace asio = boost::asio;
namespace json = boost::json;
using core::Money;
using core::Price;
using core::Quantity;
using core::Timestamp;

namespace {

Timestamp now() {
    return Timestamp::from_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
}

/// A time as Alpaca's streams write some of them: New York's offset (fixed -05:00 here).
std::string with_offset(Timestamp t) {
    auto s = Timestamp::from_ns(t.ns() - 5LL * 3600 * 1'000'000'000).to_iso8601();
    if (!s.empty() && s.back() == 'Z') s.pop_back();
    return s + "-05:00";
}

net::Response error(int status, std::int64_t code, std::string message) {
    return net::Response::json(status,
                               json::object{{"code", code}, {"message", std::move(message)}});
}

/// An input decimal: a JSON string or number (Alpaca takes both).
std::optional<std::string> decimal_text(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return std::string{v->get_string()};
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    if (v->is_double()) {
        auto s = json::serialize(json::value{v->get_double()});
        return s;
    }
    return std::string{"?"};
}

struct FakeOrder {
    std::string id;
    std::string client_order_id;
    std::string symbol;
    std::string side;
    std::string type;
    std::string time_in_force;
    std::string order_class;
    std::optional<Quantity> qty;
    std::optional<Money> notional;
    std::optional<Price> limit_price;
    std::optional<Price> stop_price;
    Quantity filled;
    Money filled_notional;
    std::string status = "pending_new";
    Timestamp created;
    Timestamp updated;
    std::optional<Timestamp> filled_at, canceled_at, replaced_at;
    std::optional<std::string> replaced_by, replaces;
    bool extended_hours = false;
    std::optional<Price> trail_price, trail_percent, hwm;  // trailing stops
    std::vector<std::size_t> legs;                         // a multi-leg order's exit legs
    std::optional<std::size_t> parent;                     // a leg's entry order

    bool open() const {
        return status != "filled" && status != "canceled" && status != "expired" &&
               status != "replaced" && status != "rejected";
    }
    json::object to_json(bool stream) const {
        auto ts = [&](std::optional<Timestamp> t) -> json::value {
            if (!t) return nullptr;
            return json::value(stream ? with_offset(*t) : t->to_iso8601());
        };
        auto dec = [](const auto& v) -> json::value {
            if (!v) return nullptr;
            return json::value(v->to_string());
        };
        json::object o{
            {"id", id},
            {"client_order_id", client_order_id},
            {"created_at", ts(created)},
            {"updated_at", ts(updated)},
            {"submitted_at", ts(created)},
            {"filled_at", ts(filled_at)},
            {"expired_at", nullptr},
            {"canceled_at", ts(canceled_at)},
            {"failed_at", nullptr},
            {"replaced_at", ts(replaced_at)},
            {"replaced_by", replaced_by ? json::value(*replaced_by) : nullptr},
            {"replaces", replaces ? json::value(*replaces) : nullptr},
            {"asset_id", "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415"},
            {"symbol", symbol},
            {"asset_class", "us_equity"},
            {"notional", notional ? json::value(notional->to_string()) : nullptr},
            {"qty", dec(qty)},
            {"filled_qty", filled.to_string()},
            {"filled_avg_price", filled.is_positive()
                                     ? json::value(core::average_price(filled_notional, filled,
                                                                       core::Rounding::HalfEven)
                                                       .to_string())
                                     : nullptr},
            {"order_class", order_class},
            {"order_type", type},
            {"type", type},
            {"side", side},
            {"time_in_force", time_in_force},
            {"limit_price", dec(limit_price)},
            {"stop_price", dec(stop_price)},
            {"status", status},
            {"extended_hours", extended_hours},
            {"legs", nullptr},
            {"trail_percent", dec(trail_percent)},
            {"trail_price", dec(trail_price)},
            {"hwm", dec(hwm)},
            {"position_intent", side == "buy" ? "buy_to_open" : "sell_to_close"}};
        if (stream) o["cancel_requested_at"] = nullptr;
        return o;
    }
};

struct Position {
    Quantity qty;
    Money cost;  // signed qty x entry prices
};

struct DataSession {
    std::shared_ptr<net::WsConnection> conn;
    bool authenticated = false;
    std::set<std::string> trades, quotes, bars;
};

}  // namespace

struct FakeAlpaca::Impl : net::HttpHandler, std::enable_shared_from_this<FakeAlpaca::Impl> {
    FakeAlpacaOptions options;
    asio::io_context ioc;
    std::unique_ptr<net::HttpServer> server;
    std::uint16_t port = 0;
    std::thread thread;

    mutable std::mutex mutex;
    core::IdGenerator ids{7};
    std::deque<FakeOrder> orders;
    std::map<std::string, std::size_t> by_id;
    std::map<std::string, std::size_t> by_client_id;
    std::map<std::string, Price> prices;
    std::set<std::string> assets{"AAPL", "MSFT", "SPY", "NVDA", "AMZN", "GOOGL", "OLDCO"};
    std::map<std::string, Position> positions;
    Money cash;
    FakeAlpacaFaults faults;
    FakeAlpacaStats stats;
    std::int64_t window_start = 0;  // rate limit minute (epoch seconds)
    int window_used = 0;
    std::vector<std::shared_ptr<net::WsConnection>> trade_conns;
    std::vector<std::shared_ptr<DataSession>> data_sessions;
    std::optional<std::string> held_event;  // reorder_events: the one waiting for the next
    std::uint64_t rng = 0x9e3779b97f4a7c15ULL;
    std::uint64_t executions = 0;
    struct BarAcc {
        Timestamp start;
        Price o, h, l, c;
        Quantity v;
        Money notional;
        std::uint64_t n = 0;
    };
    std::map<std::string, BarAcc> bar_acc;

    explicit Impl(FakeAlpacaOptions o) : options{std::move(o)} {
        cash = *Money::parse(options.cash);
        ids = core::IdGenerator{options.seed};
        rng ^= options.seed;
        for (auto [sym, px] : {std::pair{"AAPL", "187.24"},
                               {"MSFT", "402.10"},
                               {"SPY", "512.35"},
                               {"NVDA", "120.50"},
                               {"AMZN", "178.90"},
                               {"GOOGL", "165.20"}}) {
            prices[sym] = *Price::parse(px);
        }
        for (const auto& [sym, held] : options.positions) {
            const Quantity qty = *Quantity::parse(held.first);
            positions[sym] = Position{qty, *Price::parse(held.second) * qty};
        }
    }

    // ---- HTTP -----------------------------------------------------------------------------

    std::optional<net::Response> admit(net::Request&) override { return std::nullopt; }

    void upgrade(net::Request& req, std::shared_ptr<net::WsConnection> conn) override {
        std::lock_guard lock{mutex};
        if (req.path == "/stream") {
            ++stats.stream_connections;
            std::weak_ptr<net::WsConnection> weak = conn;
            conn->on_message(
                [this, weak, authorized = std::make_shared<bool>(false)](std::string_view text) {
                    auto c = weak.lock();
                    if (c) on_trade_stream_message(c, *authorized, text);
                });
            return;
        }
        ++stats.data_connections;
        auto session = std::make_shared<DataSession>();
        session->conn = conn;
        data_sessions.push_back(session);
        conn->send(R"([{"T":"success","msg":"connected"}])");
        std::weak_ptr<DataSession> weak = session;
        conn->on_message([this, weak](std::string_view text) {
            if (auto s = weak.lock()) on_data_message(*s, text);
        });
        conn->on_close([this, weak] {
            std::lock_guard l{mutex};
            std::erase_if(data_sessions, [&](const auto& s) { return s == weak.lock() || !s; });
        });
        // Authenticate within 10 seconds or be dropped (error 404).
        auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::seconds(10));
        timer->async_wait([this, weak, timer](boost::system::error_code) {
            auto s = weak.lock();
            std::lock_guard l{mutex};
            if (s && !s->authenticated) {
                s->conn->send(R"([{"T":"error","code":404,"msg":"auth timeout"}])");
                s->conn->close();
            }
        });
    }

    asio::awaitable<net::Response> handle(net::Request& req) override {
        std::lock_guard lock{mutex};
        ++stats.requests;
        if (req.header("apca-api-key-id") != options.key_id ||
            req.header("apca-api-secret-key") != options.secret_key) {
            co_return net::Response::json(401, json::object{{"message", "unauthorized."}});
        }
        const auto t = now();
        const std::int64_t sec = t.ns() / 1'000'000'000;
        if (sec - window_start >= 60) {
            window_start = sec;
            window_used = 0;
        }
        net::Response res;
        std::vector<std::pair<std::string, std::string>> rate_headers{
            {"X-Ratelimit-Limit", std::to_string(options.requests_per_minute)},
            {"X-Ratelimit-Reset", std::to_string(window_start + 60)}};
        if (faults.throttle > 0 || window_used >= options.requests_per_minute) {
            if (faults.throttle > 0) {
                --faults.throttle;
                rate_headers[1].second = std::to_string(sec + 1);
            }
            ++stats.throttled;
            res = net::Response::json(429, json::object{{"message", "too many requests."}});
            rate_headers.emplace_back("X-Ratelimit-Remaining", "0");
            res.headers = rate_headers;
            co_return res;
        }
        ++window_used;
        res = route(req);
        rate_headers.emplace_back("X-Ratelimit-Remaining",
                                  std::to_string(options.requests_per_minute - window_used));
        for (auto& h : rate_headers) {
            res.headers.push_back(h);
        }
        if (res.content_type == "application/json") {
            res.content_type = "application/json; charset=UTF-8";
        }
        co_return res;
    }

    net::Response route(net::Request& req) {
        const std::string& p = req.path;
        const std::string& m = req.method;
        if (p == "/v2/account" && m == "GET") return account();
        if (p == "/v2/clock" && m == "GET") return clock();
        if (p == "/v2/positions" && m == "GET") return list_positions();
        if (p.starts_with("/v2/positions/") && m == "GET") return one_position(p.substr(14));
        if (p == "/v2/orders" && m == "POST") return submit(req);
        if (p == "/v2/orders" && m == "GET") return list_orders(req);
        if (p == "/v2/orders" && m == "DELETE") {
            ++stats.cancel_all_requests;
            return cancel_all();
        }
        if (p == "/v2/orders:by_client_order_id" && m == "GET") {
            auto coid = req.query_param("client_order_id");
            auto it = coid ? by_client_id.find(std::string{*coid}) : by_client_id.end();
            if (it == by_client_id.end()) return error(404, 40410000, "order not found");
            return net::Response::json(200, orders[it->second].to_json(false));
        }
        if (p.starts_with("/v2/orders/")) {
            auto it = by_id.find(p.substr(11));
            if (it == by_id.end()) return error(404, 40410000, "order not found");
            if (m == "GET") {
                return net::Response::json(
                    200, order_json(it->second, false, req.query_param("nested") == "true"));
            }
            if (m == "DELETE") {
                ++stats.cancel_requests;
                return cancel(it->second);
            }
            if (m == "PATCH") return replace(it->second, req);
        }
        if (p.starts_with("/v2/assets/") && m == "GET") {
            const std::string sym = p.substr(11);
            if (!assets.contains(sym)) return error(404, 40410000, "asset not found for " + sym);
            const bool active = sym != "OLDCO";  // delisted: known, not tradable
            return net::Response::json(200, json::object{{"id", ids.uuid()},
                                                         {"class", "us_equity"},
                                                         {"exchange", "NASDAQ"},
                                                         {"symbol", sym},
                                                         {"status", active ? "active" : "inactive"},
                                                         {"tradable", active},
                                                         {"marginable", active},
                                                         {"shortable", active},
                                                         {"fractionable", active},
                                                         {"attributes", json::array{}}});
        }
        if (p == "/v2/calendar" && m == "GET") return calendar(req);
        if (p.starts_with("/v2/stocks/")) return market_data(req);
        return error(404, 40410000, "endpoint not found");
    }

    /// NYSE's trading days (the engine's calendar), as Alpaca lists them.
    net::Response calendar(net::Request& req) {
        auto start = Timestamp::parse(req.query_param("start").value_or("1970-01-01"));
        auto end = Timestamp::parse(req.query_param("end").value_or("2029-12-31"));
        if (!start || !end) return error(422, 40010001, "invalid start or end");
        json::array days;
        const std::int64_t day = 86'400'000'000'000LL;
        for (std::int64_t d = start->ns() / day; d <= end->ns() / day && days.size() < 20'000;
             ++d) {
            const auto date = core::civil_from_days(d);
            if (!engine::nyse::is_trading_day(date)) continue;
            char buf[16];
            std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
            const bool early = engine::nyse::is_early_close(date);
            days.push_back(json::object{{"date", buf},
                                        {"open", "09:30"},
                                        {"close", early ? "13:00" : "16:00"},
                                        {"session_open", "0400"},
                                        {"session_close", early ? "1700" : "2000"},
                                        {"settlement_date", buf}});
        }
        return net::Response::json(200, days);
    }

    /// An order as Alpaca sends it, its legs nested when asked (and in a submit's answer).
    json::object order_json(std::size_t i, bool stream, bool nested) const {
        auto o = orders[i].to_json(stream);
        if (nested && !orders[i].legs.empty()) {
            json::array legs;
            for (auto li : orders[i].legs) {
                legs.push_back(orders[li].to_json(stream));
            }
            o["legs"] = std::move(legs);
        }
        return o;
    }

    net::Response account() {
        Money long_value, short_value;
        for (const auto& [sym, pos] : positions) {
            const Money v = prices[sym] * pos.qty;
            (pos.qty.is_negative() ? short_value : long_value) =
                (pos.qty.is_negative() ? short_value : long_value) + v;
        }
        const Money equity = cash + long_value + short_value;
        auto s = [](Money v) { return v.to_string(2, core::Rounding::HalfEven); };
        return net::Response::json(200, json::object{{"id", "e6fe16f3-64a4-4921-8928-cadf02f92f98"},
                                                     {"account_number", "PA3FAKE00001"},
                                                     {"status", "ACTIVE"},
                                                     {"currency", "USD"},
                                                     {"cash", s(cash)},
                                                     {"portfolio_value", s(equity)},
                                                     {"equity", s(equity)},
                                                     {"last_equity", s(equity)},
                                                     {"long_market_value", s(long_value)},
                                                     {"short_market_value", s(short_value)},
                                                     {"buying_power", s(cash)},
                                                     {"regt_buying_power", s(cash)},
                                                     {"non_marginable_buying_power", s(cash)},
                                                     {"multiplier", "1"},
                                                     {"trading_blocked", false},
                                                     {"account_blocked", false},
                                                     {"shorting_enabled", true},
                                                     {"created_at", "2019-06-12T22:47:07.99658Z"}});
    }

    net::Response clock() {
        const auto t = now();
        return net::Response::json(
            200, json::object{{"timestamp", with_offset(t)},
                              {"is_open", true},
                              {"next_open", with_offset(t + core::Duration::hours(20))},
                              {"next_close", with_offset(t + core::Duration::hours(4))}});
    }

    json::object position_json(const std::string& sym, const Position& pos) {
        const Price px = prices[sym];
        const Quantity abs = pos.qty.is_negative() ? -pos.qty : pos.qty;
        const Money abs_cost = pos.cost.is_negative() ? -pos.cost : pos.cost;
        const Price avg = core::average_price(abs_cost, abs, core::Rounding::HalfEven);
        const Money mv = px * pos.qty;
        auto s = [](Money v) { return v.to_string(2, core::Rounding::HalfEven); };
        return json::object{{"asset_id", "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415"},
                            {"symbol", sym},
                            {"exchange", "NASDAQ"},
                            {"asset_class", "us_equity"},
                            {"asset_marginable", true},
                            {"qty", pos.qty.to_string()},
                            {"qty_available", pos.qty.to_string()},
                            {"avg_entry_price", avg.to_string()},
                            {"side", pos.qty.is_negative() ? "short" : "long"},
                            {"market_value", s(mv)},
                            {"cost_basis", s(pos.cost)},
                            {"unrealized_pl", s(mv - pos.cost)},
                            {"current_price", px.to_string()},
                            {"lastday_price", px.to_string()},
                            {"change_today", "0"}};
    }

    net::Response list_positions() {
        json::array out;
        for (const auto& [sym, pos] : positions) {
            if (!pos.qty.is_zero()) out.push_back(position_json(sym, pos));
        }
        return net::Response::json(200, out);
    }

    net::Response one_position(const std::string& sym) {
        auto it = positions.find(sym);
        if (it == positions.end() || it->second.qty.is_zero()) {
            return error(404, 40410000, "position does not exist");
        }
        return net::Response::json(200, position_json(sym, it->second));
    }

    net::Response submit(net::Request& req) {
        ++stats.submit_requests;
        if (faults.fail_submits > 0) {
            --faults.fail_submits;
            return net::Response::json(faults.fail_status,
                                       json::object{{"message", "Gateway Timeout"}});
        }
        boost::system::error_code ec;
        auto v = json::parse(req.body, ec);
        if (ec || !v.is_object()) return error(400, 40010000, "request body format is invalid");
        const auto& b = v.get_object();
        auto str = [&](std::string_view k) -> std::string {
            const auto* x = b.if_contains(k);
            return x && x->is_string() ? std::string{x->get_string()} : std::string{};
        };
        FakeOrder o;
        o.symbol = str("symbol");
        o.side = str("side");
        o.type = str("type");
        o.time_in_force = str("time_in_force");
        o.order_class = str("order_class");
        o.client_order_id = str("client_order_id");
        if (o.client_order_id.empty()) o.client_order_id = ids.uuid();
        if (o.client_order_id.size() > 128) {
            return error(422, 40010001, "client_order_id must be no more than 128 characters");
        }
        if (by_client_id.contains(o.client_order_id)) {
            ++stats.duplicate_client_ids;
            return error(422, 40010001, "client_order_id must be unique");
        }
        if (!prices.contains(o.symbol)) {
            return error(422, 40010001, "asset " + o.symbol + " not found");
        }
        if (o.side != "buy" && o.side != "sell") return error(422, 40010001, "invalid side");
        static const std::set<std::string> types{"market", "limit", "stop", "stop_limit",
                                                 "trailing_stop"};
        if (!types.contains(o.type)) return error(422, 40010001, "invalid order type");
        static const std::set<std::string> tifs{"day", "gtc", "opg", "cls", "ioc", "fok"};
        if (!tifs.contains(o.time_in_force)) return error(422, 40010001, "invalid time_in_force");
        auto q = decimal_text(b, "qty");
        auto n = decimal_text(b, "notional");
        if (q && n) return error(422, 40010001, "only one of qty or notional is accepted");
        if (!q && !n) return error(422, 40010001, "qty or notional is required");
        if (q) {
            auto qq = Quantity::parse(*q);
            if (!qq || !qq->is_positive()) return error(422, 40010001, "invalid qty");
            o.qty = *qq;
        } else {
            auto nn = Money::parse(*n);
            if (!nn || !nn->is_positive()) return error(422, 40010001, "invalid notional");
            o.notional = *nn;
        }
        for (auto [key, field] :
             {std::pair{"limit_price", &o.limit_price}, {"stop_price", &o.stop_price}}) {
            if (auto t = decimal_text(b, key)) {
                auto px = Price::parse(*t);
                if (!px || !px->is_positive()) {
                    return error(422, 40010001, std::string{"invalid "} + key);
                }
                if (px->round(*px >= Price::from_units(1) ? 2 : 4, core::Rounding::HalfEven) !=
                    *px) {
                    return error(
                        422, 42210000,
                        std::string{"invalid "} + key + " " + *t +
                            ". sub-penny increment does not fulfill minimum pricing criteria");
                }
                *field = *px;
            }
        }
        for (auto [key, field] :
             {std::pair{"trail_price", &o.trail_price}, {"trail_percent", &o.trail_percent}}) {
            if (auto t = decimal_text(b, key)) {
                auto trail_value = Price::parse(*t);
                if (!trail_value || !trail_value->is_positive()) {
                    return error(422, 40010001, std::string{"invalid "} + key);
                }
                *field = *trail_value;
            }
        }
        if (o.type == "trailing_stop" &&
            static_cast<bool>(o.trail_price) == static_cast<bool>(o.trail_percent)) {
            return error(
                422, 40010001,
                "trailing_stop orders require exactly one of trail_price and trail_percent");
        }
        if ((o.type == "limit" || o.type == "stop_limit") && !o.limit_price) {
            return error(422, 40010001, "limit_price is required");
        }
        if ((o.type == "stop" || o.type == "stop_limit") && !o.stop_price) {
            return error(422, 40010001, "stop_price is required");
        }
        const Price px = prices[o.symbol];
        if (o.side == "buy") {
            const Money cost = o.notional ? *o.notional : o.limit_price.value_or(px) * *o.qty;
            if (cost > cash) {
                return net::Response::json(
                    403, json::object{{"buying_power", cash.to_string(2, core::Rounding::HalfEven)},
                                      {"code", 40310000},
                                      {"cost_basis", cost.to_string(2, core::Rounding::HalfEven)},
                                      {"message", "insufficient buying power"}});
            }
        }
        // Multi-leg classes (section 2.3): the exits as legs, held until the entry fills (an
        // oco's stop works at once beside its limit).
        std::optional<Price> tp_limit, sl_stop, sl_limit;
        auto exit_price = [&](std::string_view object,
                              std::string_view key) -> std::optional<Price> {
            const auto* x = b.if_contains(object);
            if (!x || !x->is_object()) return std::nullopt;
            auto t = decimal_text(x->get_object(), key);
            if (!t) return std::nullopt;
            auto value = Price::parse(*t);
            if (!value || !value->is_positive()) return std::nullopt;
            return *value;
        };
        tp_limit = exit_price("take_profit", "limit_price");
        sl_stop = exit_price("stop_loss", "stop_price");
        sl_limit = exit_price("stop_loss", "limit_price");
        if (o.order_class == "bracket" && (!tp_limit || !sl_stop)) {
            return error(422, 40010001,
                         "bracket orders require take_profit.limit_price and stop_loss.stop_price");
        }
        if (o.order_class == "oco" && (o.type != "limit" || !sl_stop)) {
            return error(422, 40010001,
                         "oco orders must be limit orders with stop_loss.stop_price");
        }
        if (o.order_class == "oto" && static_cast<bool>(tp_limit) == static_cast<bool>(sl_stop)) {
            return error(422, 40010001,
                         "oto orders require exactly one of take_profit and stop_loss");
        }
        if (!o.order_class.empty() && o.order_class != "simple" && o.order_class != "bracket" &&
            o.order_class != "oco" && o.order_class != "oto") {
            return error(422, 40010001, "invalid order_class");
        }
        o.id = ids.uuid();
        o.created = o.updated = now();
        o.extended_hours = b.contains("extended_hours") && b.at("extended_hours").is_bool() &&
                           b.at("extended_hours").get_bool();
        const std::size_t index = orders.size();
        orders.push_back(o);
        by_id[o.id] = index;
        by_client_id[o.client_order_id] = index;
        ++stats.orders_created;
        auto add_leg = [&](std::string type, std::optional<Price> limit,
                           std::optional<Price> stop) {
            FakeOrder leg;
            leg.id = ids.uuid();
            leg.client_order_id = ids.uuid();
            leg.symbol = o.symbol;
            leg.side = o.side == "buy" ? "sell" : "buy";
            leg.type = std::move(type);
            leg.time_in_force = o.time_in_force;
            leg.order_class = o.order_class;
            leg.qty = o.qty;
            leg.limit_price = limit;
            leg.stop_price = stop;
            leg.status = "held";
            leg.created = leg.updated = o.created;
            leg.parent = index;
            const std::size_t li = orders.size();
            orders.push_back(leg);
            by_id[leg.id] = li;
            by_client_id[leg.client_order_id] = li;
            orders[index].legs.push_back(li);
        };
        if (o.order_class == "bracket" || (o.order_class == "oto" && tp_limit)) {
            add_leg("limit", tp_limit, std::nullopt);
        }
        if (o.order_class == "bracket" || o.order_class == "oco" ||
            (o.order_class == "oto" && sl_stop)) {
            add_leg(sl_limit ? "stop_limit" : "stop", sl_limit, sl_stop);
        }
        auto answer = order_json(index, false, true);
        // The order goes to the "venue" after the answer: new, then fills if marketable.
        asio::post(ioc, [self = shared_from_this(), index] {
            std::lock_guard l{self->mutex};
            auto& ord = self->orders[index];
            if (ord.status != "pending_new") return;
            ord.status = "new";
            ord.updated = now();
            self->emit("new", ord);
            if (ord.order_class == "oco") {
                for (auto li : std::vector<std::size_t>{ord.legs}) {
                    self->orders[li].status = "new";
                    self->emit("new", self->orders[li]);
                }
            }
            self->work(index);
            for (auto li : std::vector<std::size_t>{self->orders[index].legs}) {
                self->work(li);
            }
        });
        if (faults.drop_submit_answers > 0) {
            --faults.drop_submit_answers;
            net::Response dropped;
            dropped.drop = true;
            return dropped;
        }
        return net::Response::json(200, answer);
    }

    /// A trailing stop follows the best price since it started working: its stop moves with it.
    static void trail(FakeOrder& o, Price px) {
        if (o.type != "trailing_stop") return;
        if (!o.hwm || (o.side == "sell" ? px > *o.hwm : px < *o.hwm)) o.hwm = px;
        Price offset = o.trail_price ? *o.trail_price
                                     : Price::from_raw(static_cast<std::int64_t>(
                                           static_cast<core::Int128>(o.hwm->raw()) *
                                           o.trail_percent->raw() / 100'000'000'000));
        o.stop_price = (o.side == "sell" ? *o.hwm - offset : *o.hwm + offset)
                           .round(2, core::Rounding::HalfEven);
    }

    bool marketable(const FakeOrder& o, Price px) const {
        if (o.type == "market") return true;
        if (o.type == "trailing_stop") {
            return o.side == "buy" ? px >= *o.stop_price : px <= *o.stop_price;
        }
        if (o.type == "limit") return o.side == "buy" ? px <= *o.limit_price : px >= *o.limit_price;
        if (o.type == "stop") return o.side == "buy" ? px >= *o.stop_price : px <= *o.stop_price;
        if (o.type == "stop_limit") {
            return (o.side == "buy" ? px >= *o.stop_price : px <= *o.stop_price) &&
                   (o.side == "buy" ? px <= *o.limit_price : px >= *o.limit_price);
        }
        return false;
    }

    /// Fills order `i` if the market allows, in `fills_per_order` executions.
    void work(std::size_t i) {
        auto& o = orders[i];
        if (!o.open() || o.status == "pending_new" || o.status == "pending_cancel" ||
            o.status == "held") {
            return;
        }
        const Price px = prices[o.symbol];
        trail(o, px);
        if (!marketable(o, px)) {
            if (o.time_in_force == "ioc" || o.time_in_force == "fok") finish(i, "canceled");
            return;
        }
        Quantity total = o.qty ? *o.qty - o.filled : Quantity{};
        if (o.notional) {
            // What is left of the notional at this price, in shares to 9 decimals (rounded down).
            const Money left = *o.notional - o.filled_notional;
            total = Quantity::from_raw(static_cast<std::int64_t>(core::decimal::div_round(
                left.raw(), static_cast<core::Int128>(px.raw()), core::Rounding::Down)));
        }
        const int parts = std::max(1, options.fills_per_order);
        for (int k = 0; k < parts && total.is_positive(); ++k) {
            Quantity q =
                k + 1 == parts
                    ? total
                    : Quantity::from_raw(total.raw() / (parts - k) / 1'000'000'000 * 1'000'000'000);
            if (!q.is_positive()) continue;
            if (o.qty && q > *o.qty - o.filled) q = *o.qty - o.filled;
            total = total - q;
            execute(i, q, px, total.is_zero() || (o.qty && o.filled + q == *o.qty));
        }
    }

    void execute(std::size_t i, Quantity q, Price px, bool last) {
        auto& o = orders[i];
        o.filled = o.filled + q;
        o.filled_notional = o.filled_notional + px * q;
        o.updated = now();
        auto& pos = positions[o.symbol];
        const Quantity signed_q = o.side == "buy" ? q : -q;
        const Money value = px * q;
        cash = o.side == "buy" ? cash - value : cash + value;
        // Average cost: reduce proportionally when closing, add when opening.
        const bool opening = pos.qty.is_zero() || (pos.qty.is_negative() == signed_q.is_negative());
        if (opening) {
            pos.cost = pos.cost + px * signed_q;
            pos.qty = pos.qty + signed_q;
        } else {
            const Quantity abs_pos = pos.qty.is_negative() ? -pos.qty : pos.qty;
            if (q <= abs_pos) {
                const Price avg = core::average_price(pos.cost.is_negative() ? -pos.cost : pos.cost,
                                                      abs_pos, core::Rounding::HalfEven);
                pos.qty = pos.qty + signed_q;
                const Quantity left = pos.qty.is_negative() ? -pos.qty : pos.qty;
                pos.cost = pos.qty.is_negative() ? -(avg * left) : avg * left;
            } else {
                pos.qty = pos.qty + signed_q;
                pos.cost = px * pos.qty;
            }
        }
        const bool done = o.qty ? o.filled == *o.qty : last;
        o.status = done ? "filled" : "partially_filled";
        if (done) o.filled_at = o.updated;
        ++executions;
        json::object extra{{"execution_id", ids.uuid()},
                           {"price", px.to_string()},
                           {"qty", q.to_string()},
                           {"position_qty", pos.qty.to_string()}};
        emit(done ? "fill" : "partial_fill", o, std::move(extra));
        if (!done) return;
        // An entry filled: its held exits start working (an oco's stop is canceled: its limit
        // was the exit). An exit filled: the other one is canceled.
        const FakeOrder entry = orders[i];
        for (auto li : entry.legs) {
            if (!orders[li].open()) continue;
            if (entry.order_class == "oco") {
                finish(li, "canceled");
            } else {
                orders[li].status = "new";
                orders[li].updated = now();
                emit("new", orders[li]);
            }
        }
        if (entry.parent) {
            const FakeOrder parent = orders[*entry.parent];
            for (auto li : parent.legs) {
                if (li != i && orders[li].open()) finish(li, "canceled");
            }
            if (parent.order_class == "oco" && orders[*entry.parent].open()) {
                finish(*entry.parent, "canceled");
            }
        }
    }

    void finish(std::size_t i, const std::string& status) {
        auto& o = orders[i];
        o.status = status;
        o.updated = now();
        if (status == "canceled") o.canceled_at = o.updated;
        emit(status, o);
    }

    net::Response cancel(std::size_t i) {
        auto& o = orders[i];
        if (!o.open()) return error(422, 42210000, "order is not cancelable");
        asio::post(ioc, [self = shared_from_this(), i] {
            std::lock_guard l{self->mutex};
            if (self->orders[i].open()) self->finish(i, "canceled");
            for (auto li : std::vector<std::size_t>{self->orders[i].legs}) {
                if (self->orders[li].open()) self->finish(li, "canceled");
            }
        });
        o.status = "pending_cancel";
        o.updated = now();
        emit("pending_cancel", o);
        net::Response r;
        r.status = 204;
        r.content_type = "application/json";
        return r;
    }

    net::Response cancel_all() {
        json::array out;
        for (std::size_t i = 0; i < orders.size(); ++i) {
            if (!orders[i].open()) continue;
            (void)cancel(i);
            out.push_back(json::object{{"id", orders[i].id}, {"status", 200}});
        }
        return net::Response::json(207, out);
    }

    net::Response replace(std::size_t i, net::Request& req) {
        boost::system::error_code ec;
        auto v = json::parse(req.body, ec);
        if (ec || !v.is_object()) return error(400, 40010000, "request body format is invalid");
        const auto& b = v.get_object();
        if (!orders[i].open() || orders[i].status == "pending_new") {
            return error(422, 42210000, "unable to replace order in current state");
        }
        FakeOrder n = orders[i];
        bool changed = false;
        if (auto q = decimal_text(b, "qty")) {
            auto qq = Quantity::parse(*q);
            if (!qq || !qq->is_positive()) return error(422, 40010001, "qty must be integer");
            changed = changed || n.qty != *qq;
            n.qty = *qq;
        }
        for (auto [key, field] :
             {std::pair{"limit_price", &n.limit_price}, {"stop_price", &n.stop_price}}) {
            if (auto t = decimal_text(b, key)) {
                auto px = Price::parse(*t);
                if (!px || !px->is_positive()) {
                    return error(422, 40010001, std::string{"invalid "} + key);
                }
                changed = changed || *field != *px;
                *field = *px;
            }
        }
        if (const auto* t = b.if_contains("time_in_force"); t && t->is_string()) {
            const std::string tif{t->get_string()};
            if (tif != "day" && tif != "gtc" && tif != "opg" && tif != "cls" && tif != "ioc" &&
                tif != "fok") {
                return error(422, 40010001, "invalid time_in_force");
            }
            changed = changed || n.time_in_force != tif;
            n.time_in_force = tif;
        }
        if (auto t = decimal_text(b, "trail")) {
            auto px = Price::parse(*t);
            if (!px || !px->is_positive()) return error(422, 40010001, "invalid trail");
            if (n.type != "trailing_stop") {
                return error(422, 40010001, "trail is only for trailing_stop orders");
            }
            auto& field = n.trail_price ? n.trail_price : n.trail_percent;
            changed = changed || field != *px;
            field = *px;
        }
        if (!changed) return error(403, 40310000, "order parameters are not changed");
        const auto* c = b.if_contains("client_order_id");
        n.client_order_id = c && c->is_string() ? std::string{c->get_string()} : ids.uuid();
        if (by_client_id.contains(n.client_order_id)) {
            return error(422, 40010001, "client_order_id must be unique");
        }
        n.id = ids.uuid();
        n.filled = Quantity{};
        n.filled_notional = Money{};
        n.status = "new";
        n.created = n.updated = now();
        n.replaces = orders[i].id;
        n.replaced_by.reset();
        n.filled_at.reset();
        n.canceled_at.reset();
        n.replaced_at.reset();
        auto& old = orders[i];
        old.status = "replaced";
        old.replaced_at = old.updated = n.created;
        old.replaced_by = n.id;
        const std::size_t index = orders.size();
        orders.push_back(n);
        by_id[n.id] = index;
        by_client_id[n.client_order_id] = index;
        ++stats.orders_created;
        emit("replaced", orders[i]);
        emit("new", orders[index]);
        asio::post(ioc, [self = shared_from_this(), index] {
            std::lock_guard l{self->mutex};
            self->work(index);
        });
        return net::Response::json(200, orders[index].to_json(false));
    }

    net::Response list_orders(net::Request& req) {
        const std::string status{req.query_param("status").value_or("open")};
        std::size_t limit = 50;
        if (auto l = req.query_param("limit")) {
            limit = std::min<std::size_t>(500, std::stoul(std::string{*l}));
        }
        std::optional<Timestamp> after, until;
        if (auto a = req.query_param("after")) after = *Timestamp::parse(*a);
        if (auto u = req.query_param("until")) until = *Timestamp::parse(*u);
        const bool asc = req.query_param("direction").value_or("desc") == "asc";
        std::vector<const FakeOrder*> picked;
        for (const auto& o : orders) {
            if (status == "open" && !o.open()) continue;
            if (status == "closed" && o.open()) continue;
            if (after && !(o.created > *after)) continue;
            if (until && !(o.created < *until)) continue;
            picked.push_back(&o);
        }
        if (!asc) std::reverse(picked.begin(), picked.end());
        json::array out;
        for (const auto* o : picked) {
            if (out.size() >= limit) break;
            out.push_back(o->to_json(false));
        }
        return net::Response::json(200, out);
    }

    // ---- trade_updates ----------------------------------------------------------------------

    void on_trade_stream_message(const std::shared_ptr<net::WsConnection>& c, bool& authorized,
                                 std::string_view text) {
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        if (ec || !v.is_object()) return;
        const auto& o = v.get_object();
        const auto* action = o.if_contains("action");
        if (!action || !action->is_string()) return;
        std::lock_guard lock{mutex};
        if (action->get_string() == "authenticate") {
            const auto* d = o.if_contains("data");
            const bool ok = d && d->is_object() && d->get_object().contains("key_id") &&
                            d->at("key_id") == json::value(options.key_id) &&
                            d->get_object().contains("secret_key") &&
                            d->at("secret_key") == json::value(options.secret_key);
            authorized = ok;
            c->send_binary(json::serialize(
                json::object{{"stream", "authorization"},
                             {"data", json::object{{"status", ok ? "authorized" : "unauthorized"},
                                                   {"action", "authenticate"}}}}));
        } else if (action->get_string() == "listen") {
            if (!authorized) {
                c->send_binary(json::serialize(json::object{
                    {"stream", "authorization"},
                    {"data", json::object{{"status", "unauthorized"}, {"action", "listen"}}}}));
                return;
            }
            std::erase(trade_conns, c);
            trade_conns.push_back(c);
            c->send_binary(json::serialize(
                json::object{{"stream", "listening"},
                             {"data", json::object{{"streams", json::array{"trade_updates"}}}}}));
        }
    }

    void emit(const std::string& event, const FakeOrder& o, json::object extra = {}) {
        json::object data{
            {"event", event}, {"timestamp", now().to_iso8601()}, {"order", o.to_json(true)}};
        for (auto& [k, v] : extra) {
            data[k] = v;
        }
        const std::string msg =
            json::serialize(json::object{{"stream", "trade_updates"}, {"data", data}});
        if (faults.silent) return;
        auto send = [&](const std::string& m) {
            std::erase_if(trade_conns, [&](const auto& c) { return !c->send_binary(m); });
            ++stats.events_sent;
            if (faults.duplicate_events) {
                for (auto& c : trade_conns) {
                    c->send_binary(m);
                }
            }
        };
        if (faults.reorder_events) {
            if (!held_event) {
                held_event = msg;
                return;
            }
            send(msg);
            send(*held_event);
            held_event.reset();
            return;
        }
        if (held_event) {
            send(*held_event);
            held_event.reset();
        }
        send(msg);
    }

    // ---- market data ------------------------------------------------------------------------

    double uniform() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return static_cast<double>(rng >> 11) / 9007199254740992.0;
    }

    /// Moves `sym` one tick (a few basis points), to the cent.
    Price step(const std::string& sym) {
        Price& p = prices[sym];
        const double move = (uniform() - 0.5) * 0.002;
        const auto cents = std::llround(p.to_double() * (1.0 + move) * 100.0);
        p = Price::from_raw(std::max<long long>(cents, 1) * 10'000'000);
        return p;
    }

    static std::string number(Price p) { return p.to_string(); }

    void on_data_message(DataSession& s, std::string_view text) {
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        std::lock_guard lock{mutex};
        if (ec || !v.is_object() || !v.get_object().contains("action")) {
            s.conn->send(R"([{"T":"error","code":400,"msg":"invalid syntax"}])");
            return;
        }
        const auto& o = v.get_object();
        const auto action =
            o.at("action").is_string() ? std::string{o.at("action").get_string()} : "";
        if (action == "auth") {
            if (s.authenticated) {
                s.conn->send(R"([{"T":"error","code":403,"msg":"already authenticated"}])");
                return;
            }
            const bool ok = o.contains("key") && o.at("key") == json::value(options.key_id) &&
                            o.contains("secret") &&
                            o.at("secret") == json::value(options.secret_key);
            if (!ok) {
                s.conn->send(R"([{"T":"error","code":402,"msg":"auth failed"}])");
                s.conn->close();
                return;
            }
            for (const auto& other : data_sessions) {
                if (other.get() != &s && other->authenticated) {
                    s.conn->send(R"([{"T":"error","code":406,"msg":"connection limit exceeded"}])");
                    s.conn->close();
                    return;
                }
            }
            s.authenticated = true;
            s.conn->send(R"([{"T":"success","msg":"authenticated"}])");
            return;
        }
        if (!s.authenticated) {
            s.conn->send(R"([{"T":"error","code":401,"msg":"not authenticated"}])");
            return;
        }
        if (action != "subscribe" && action != "unsubscribe") {
            s.conn->send(R"([{"T":"error","code":400,"msg":"invalid syntax"}])");
            return;
        }
        for (auto [key, set] :
             {std::pair{"trades", &s.trades}, {"quotes", &s.quotes}, {"bars", &s.bars}}) {
            const auto* list = o.if_contains(key);
            if (!list || !list->is_array()) continue;
            for (const auto& item : list->get_array()) {
                if (!item.is_string()) continue;
                std::string sym{item.get_string()};
                if (action == "subscribe") {
                    set->insert(sym);
                    if (sym != "*" && !prices.contains(sym)) prices[sym] = Price::from_units(100);
                } else {
                    set->erase(sym);
                }
            }
        }
        auto arr = [](const std::set<std::string>& s2) {
            json::array a;
            for (const auto& x : s2) {
                a.push_back(json::value(x));
            }
            return a;
        };
        s.conn->send(json::serialize(json::array{json::object{{"T", "subscription"},
                                                              {"trades", arr(s.trades)},
                                                              {"quotes", arr(s.quotes)},
                                                              {"bars", arr(s.bars)},
                                                              {"updatedBars", json::array{}},
                                                              {"dailyBars", json::array{}},
                                                              {"statuses", json::array{}},
                                                              {"lulds", json::array{}},
                                                              {"corrections", arr(s.trades)},
                                                              {"cancelErrors", arr(s.trades)}}}));
    }

    /// One tick: every subscribed symbol moves; quotes and trades go out; bars close on time;
    /// orders work against the new prices.
    void tick() {
        std::lock_guard lock{mutex};
        std::set<std::string> symbols;
        for (const auto& s : data_sessions) {
            if (!s->authenticated) continue;
            for (const auto* set : {&s->trades, &s->quotes, &s->bars}) {
                for (const auto& sym : *set) {
                    if (sym != "*") symbols.insert(sym);
                }
            }
            if (s->bars.contains("*")) {
                for (const auto& [sym, px] : prices) {
                    symbols.insert(sym);
                }
            }
        }
        const auto t = now();
        const std::int64_t bar_ns = static_cast<std::int64_t>(options.bar_seconds) * 1'000'000'000;
        for (const auto& sym : symbols) {
            const Price px = step(sym);
            const Price half_spread = Price::from_raw(10'000'000);  // 1 cent
            const auto size = Quantity::from_units(1 + static_cast<std::int64_t>(uniform() * 300));
            auto& acc = bar_acc[sym];
            const Timestamp start = Timestamp::from_ns(t.ns() / bar_ns * bar_ns);
            std::string bar_msg;
            if (acc.n > 0 && acc.start != start) {
                const Price vw = core::average_price(acc.notional, acc.v, core::Rounding::HalfEven);
                bar_msg = R"({"T":"b","S":")" + sym + R"(","o":)" + number(acc.o) + R"(,"h":)" +
                          number(acc.h) + R"(,"l":)" + number(acc.l) + R"(,"c":)" + number(acc.c) +
                          R"(,"v":)" + acc.v.to_string() + R"(,"t":")" + acc.start.to_iso8601() +
                          R"(","n":)" + std::to_string(acc.n) + R"(,"vw":)" + number(vw) + "}";
                acc = BarAcc{};
            }
            if (acc.n == 0) {
                acc.start = start;
                acc.o = acc.h = acc.l = px;
            }
            acc.h = std::max(acc.h, px);
            acc.l = std::min(acc.l, px);
            acc.c = px;
            acc.v = acc.v + size;
            acc.notional = acc.notional + px * size;
            ++acc.n;
            const std::string ts = t.to_iso8601();
            const std::string q = R"({"T":"q","S":")" + sym + R"(","bx":"V","bp":)" +
                                  number(px - half_spread) + R"(,"bs":3,"ax":"V","ap":)" +
                                  number(px + half_spread) + R"(,"as":2,"t":")" + ts +
                                  R"(","c":["R"],"z":"C"})";
            const std::string tr = R"({"T":"t","S":")" + sym + R"(","i":)" +
                                   std::to_string(++executions + 71697353758036ULL) +
                                   R"(,"x":"V","p":)" + number(px) + R"(,"s":)" + size.to_string() +
                                   R"(,"t":")" + ts + R"(","c":["@"],"z":"C"})";
            if (!faults.silent) {
                for (const auto& s : data_sessions) {
                    if (!s->authenticated) continue;
                    std::string frame;
                    auto add = [&](const std::string& m) {
                        frame += (frame.empty() ? "" : ",") + m;
                    };
                    if (s->quotes.contains(sym) || s->quotes.contains("*")) add(q);
                    if (s->trades.contains(sym) || s->trades.contains("*")) add(tr);
                    if (!bar_msg.empty() && (s->bars.contains(sym) || s->bars.contains("*"))) {
                        add(bar_msg);
                    }
                    if (!frame.empty()) s->conn->send("[" + frame + "]");
                }
            }
        }
        for (std::size_t i = 0; i < orders.size(); ++i) {
            if (orders[i].open() && symbols.contains(orders[i].symbol)) work(i);
        }
    }

    /// Deterministic daily or minute bars for `sym` in [start, end].
    std::vector<std::string> history(const std::string& sym, Timestamp start, Timestamp end,
                                     std::int64_t step_ns) {
        std::vector<std::string> out;
        std::uint64_t h = 1469598103934665603ULL;
        for (char c : sym) {
            h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
        }
        const double base = 50.0 + static_cast<double>(h % 40000) / 100.0;
        const std::int64_t day = 86'400'000'000'000LL;
        // Daily bars at 05:00Z (midnight New York, standard time), weekdays only.
        std::int64_t t = step_ns >= day
                             ? (start.ns() - 5 * 3'600'000'000'000LL + day - 1) / day * day +
                                   5 * 3'600'000'000'000LL
                             : (start.ns() + step_ns - 1) / step_ns * step_ns;
        for (; t <= end.ns() && out.size() < 200'000; t += step_ns) {
            const std::int64_t days = t / day;
            const int weekday = static_cast<int>((days + 4) % 7);  // 1970-01-01 was a Thursday
            if (weekday == 0 || weekday == 6) continue;
            if (step_ns < day) {
                const std::int64_t tod = t % day;
                if (tod < 14 * 3'600'000'000'000LL + 30 * 60'000'000'000LL ||
                    tod >= 21 * 3'600'000'000'000LL) {
                    continue;
                }
            }
            const double x = static_cast<double>(t / 60'000'000'000LL);
            auto cents = [&](double v) { return std::max<long long>(1, std::llround(v * 100)); };
            const long long o =
                cents(base * (1 + 0.1 * std::sin(x / 9000.0) + 0.01 * std::sin(x / 37.0)));
            const long long c = cents(
                base * (1 + 0.1 * std::sin((x + 1) / 9000.0) + 0.01 * std::sin((x + 1) / 37.0)));
            const long long hi = std::max(o, c) + 3;
            const long long lo = std::max(1LL, std::min(o, c) - 3);
            auto px = [](long long v) { return Price::from_raw(v * 10'000'000).to_string(); };
            out.push_back(R"({"t":")" + Timestamp::from_ns(t).to_iso8601() + R"(","o":)" + px(o) +
                          R"(,"h":)" + px(hi) + R"(,"l":)" + px(lo) + R"(,"c":)" + px(c) +
                          R"(,"v":)" + std::to_string(1000 + (t / 60'000'000'000LL) % 5000) +
                          R"(,"n":)" + std::to_string(10 + (t / 60'000'000'000LL) % 90) +
                          R"(,"vw":)" + px((o + c) / 2) + "}");
        }
        return out;
    }

    net::Response market_data(net::Request& req) {
        // /v2/stocks/{sym}/bars, /v2/stocks/bars?symbols=..., latest quotes/trades/bars.
        std::string rest = req.path.substr(11);
        auto tf = std::string{req.query_param("timeframe").value_or("1Day")};
        std::int64_t step = 0;
        if (tf == "1Day") {
            step = 86'400'000'000'000LL;
        } else if (tf == "1Hour") {
            step = 3'600'000'000'000LL;
        } else if (tf == "1Min") {
            step = 60'000'000'000LL;
        } else if (tf == "5Min") {
            step = 300'000'000'000LL;
        } else if (tf == "15Min") {
            step = 900'000'000'000LL;
        }
        std::vector<std::string> symbols;
        bool multi = false;
        std::string what;
        if (rest.starts_with("bars") || rest.starts_with("quotes") || rest.starts_with("trades") ||
            rest.starts_with("snapshots")) {
            multi = true;
            what = rest;
            std::string list{req.query_param("symbols").value_or("")};
            if (list.empty()) {
                return net::Response::json(400, json::object{{"message", "symbols is required"}});
            }
            std::size_t pos = 0;
            while (pos <= list.size()) {
                auto comma = list.find(',', pos);
                if (comma == std::string::npos) comma = list.size();
                symbols.push_back(list.substr(pos, comma - pos));
                pos = comma + 1;
            }
        } else {
            const auto slash = rest.find('/');
            if (slash == std::string::npos) return error(404, 40410000, "endpoint not found");
            symbols.push_back(rest.substr(0, slash));
            what = rest.substr(slash + 1);
        }
        if (what == "snapshot" || rest.starts_with("snapshots")) {
            if (what == "snapshot") multi = false;
            std::string items;
            for (const auto& sym : symbols) {
                if (!prices.contains(sym)) {
                    items += (items.empty() ? "" : ",") + ("\"" + sym + "\":null");
                    continue;
                }
                const Price px = prices[sym];
                const std::string ts = now().to_iso8601();
                const std::string bar = R"({"t":")" + ts.substr(0, 17) + R"(00Z","o":)" +
                                        number(px) + R"(,"h":)" + number(px) + R"(,"l":)" +
                                        number(px) + R"(,"c":)" + number(px) +
                                        R"(,"v":100,"n":1,"vw":)" + number(px) + "}";
                const std::string snap =
                    R"("latestTrade":{"t":")" + ts + R"(","x":"V","p":)" + number(px) +
                    R"(,"s":100,"c":["@"],"i":1,"z":"C"},"latestQuote":{"t":")" + ts +
                    R"(","ax":"V","ap":)" + number(px + Price::from_raw(10'000'000)) +
                    R"(,"as":1,"bx":"V","bp":)" + number(px - Price::from_raw(10'000'000)) +
                    R"(,"bs":1,"c":["R"],"z":"C"},"minuteBar":)" + bar + R"(,"dailyBar":)" + bar +
                    R"(,"prevDailyBar":null)";
                if (!multi) {
                    return net::Response::text(200, R"({"symbol":")" + sym + "\"," + snap + "}",
                                               "application/json");
                }
                items += (items.empty() ? "" : ",") + ("\"" + sym + "\":{" + snap + "}");
            }
            return net::Response::text(200, "{" + items + "}", "application/json");
        }
        if (what == "quotes/latest" || what == "trades/latest" || what == "bars/latest") {
            std::string items;
            for (const auto& sym : symbols) {
                const Price px = prices.contains(sym) ? prices[sym] : Price::from_units(100);
                const std::string ts = now().to_iso8601();
                std::string v;
                if (what == "quotes/latest") {
                    v = R"({"t":")" + ts + R"(","ax":"V","ap":)" +
                        number(px + Price::from_raw(10'000'000)) + R"(,"as":1,"bx":"V","bp":)" +
                        number(px - Price::from_raw(10'000'000)) + R"(,"bs":1,"c":["R"],"z":"C"})";
                } else if (what == "trades/latest") {
                    v = R"({"t":")" + ts + R"(","x":"V","p":)" + number(px) +
                        R"(,"s":100,"c":["@"],"i":1,"z":"C"})";
                } else {
                    v = R"({"t":")" + ts + R"(","o":)" + number(px) + R"(,"h":)" + number(px) +
                        R"(,"l":)" + number(px) + R"(,"c":)" + number(px) +
                        R"(,"v":100,"n":1,"vw":)" + number(px) + "}";
                }
                const std::string key = what.substr(0, what.find('/'));
                if (multi) {
                    items += (items.empty() ? "" : ",") + ("\"" + sym + "\":" + v);
                } else {
                    return net::Response::text(200,
                                               R"({"symbol":")" + sym + R"(",")" +
                                                   key.substr(0, key.size() - 1) + "\":" + v + "}",
                                               "application/json");
                }
            }
            const std::string key = what.substr(0, what.find('/'));
            return net::Response::text(200, "{\"" + key + "\":{" + items + "}}",
                                       "application/json");
        }
        if (what != "bars") return error(404, 40410000, "endpoint not found");
        if (step == 0) return error(422, 42210000, "invalid timeframe");
        auto start = Timestamp::parse(req.query_param("start").value_or("1970-01-01"));
        auto end = Timestamp::parse(req.query_param("end").value_or(now().to_iso8601()));
        if (!start || !end) return error(422, 42210000, "invalid start or end");
        std::size_t limit = 1000;
        if (auto l = req.query_param("limit")) {
            limit = std::clamp<std::size_t>(std::stoul(std::string{*l}), 1, 10000);
        }
        // The page token: "<symbol index>:<bar index>", base64-looking enough for a client
        // that treats it as opaque.
        std::size_t sym_i = 0, bar_i = 0;
        if (auto tok = req.query_param("page_token")) {
            const auto colon = tok->find(':');
            sym_i = std::stoul(std::string{tok->substr(0, colon)});
            bar_i = std::stoul(std::string{tok->substr(colon + 1)});
        }
        std::sort(symbols.begin(), symbols.end());
        std::string body;
        std::size_t count = 0;
        std::optional<std::string> next;
        for (; sym_i < symbols.size() && !next; ++sym_i, bar_i = 0) {
            auto bars = history(symbols[sym_i], *start, *end, step);
            std::string list;
            for (; bar_i < bars.size(); ++bar_i) {
                if (count == limit) {
                    next = std::to_string(sym_i) + ":" + std::to_string(bar_i);
                    break;
                }
                list += (list.empty() ? "" : ",") + bars[bar_i];
                ++count;
            }
            if (multi) {
                if (!list.empty()) {
                    body +=
                        (body.empty() ? "" : ",") + ("\"" + symbols[sym_i] + "\":[" + list + "]");
                }
            } else {
                body = list;
            }
            if (next) break;
        }
        const std::string token = next ? "\"" + *next + "\"" : "null";
        if (multi) {
            return net::Response::text(
                200, "{\"bars\":{" + body + "},\"next_page_token\":" + token + "}",
                "application/json");
        }
        return net::Response::text(200,
                                   "{\"bars\":[" + body + "],\"symbol\":\"" + symbols[0] +
                                       "\",\"next_page_token\":" + token + "}",
                                   "application/json");
    }

    asio::awaitable<void> ticker() {
        asio::steady_timer timer{ioc};
        const auto period = std::chrono::milliseconds(1000 / std::max(1, options.ticks_per_second));
        for (;;) {
            timer.expires_after(period);
            auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            tick();
        }
    }
};

FakeAlpaca::FakeAlpaca(FakeAlpacaOptions options)
    : impl_{std::make_shared<Impl>(std::move(options))} {
    net::ServerOptions so;
    so.port = impl_->options.port;
    so.read_timeout = std::chrono::milliseconds(60'000);
    impl_->server = std::make_unique<net::HttpServer>(impl_->ioc, so, *impl_);
    auto port = impl_->server->listen();
    if (!port) throw std::runtime_error("fake alpaca: " + port.error().message);
    impl_->port = *port;
    asio::co_spawn(impl_->ioc, impl_->ticker(), asio::detached);
    impl_->thread = std::thread{[impl = impl_] { impl->ioc.run(); }};
}

FakeAlpaca::~FakeAlpaca() {
    impl_->server->stop();
    impl_->ioc.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t FakeAlpaca::port() const {
    return impl_->port;
}

std::string FakeAlpaca::url() const {
    return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::map<std::string, std::string> FakeAlpaca::env() const {
    const std::string ws = "ws://127.0.0.1:" + std::to_string(impl_->port);
    return {{"APCA_API_KEY_ID", impl_->options.key_id},
            {"APCA_API_SECRET_KEY", impl_->options.secret_key},
            {"APCA_API_BASE_URL", url()},
            {"APCA_API_DATA_URL", url()},
            {"APCA_API_STREAM_URL", ws + "/stream"},
            {"APCA_API_DATA_STREAM_URL", ws}};
}

void FakeAlpaca::set_price(const std::string& symbol, const std::string& price) {
    auto p = Price::parse(price);
    if (!p) throw std::invalid_argument("price: " + p.error().message);
    {
        std::lock_guard lock{impl_->mutex};
        impl_->prices[symbol] = *p;
    }
    asio::post(impl_->ioc, [impl = impl_, symbol] {
        std::lock_guard lock{impl->mutex};
        for (std::size_t i = 0; i < impl->orders.size(); ++i) {
            if (impl->orders[i].open() && impl->orders[i].symbol == symbol) impl->work(i);
        }
    });
}

void FakeAlpaca::set_faults(FakeAlpacaFaults faults) {
    std::lock_guard lock{impl_->mutex};
    impl_->faults = faults;
}

FakeAlpacaFaults FakeAlpaca::faults() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->faults;
}

void FakeAlpaca::drop_streams() {
    std::lock_guard lock{impl_->mutex};
    for (auto& c : impl_->trade_conns) {
        c->close();
    }
    impl_->trade_conns.clear();
    for (auto& s : impl_->data_sessions) {
        s->conn->close();
    }
}

FakeAlpacaStats FakeAlpaca::stats() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->stats;
}

std::map<std::string, std::string> FakeAlpaca::positions() const {
    std::lock_guard lock{impl_->mutex};
    std::map<std::string, std::string> out;
    for (const auto& [sym, pos] : impl_->positions) {
        if (!pos.qty.is_zero()) out[sym] = pos.qty.to_string();
    }
    return out;
}

std::string FakeAlpaca::cash() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->cash.to_string(2, core::Rounding::HalfEven);
}

std::vector<std::string> FakeAlpaca::client_order_ids() const {
    std::lock_guard lock{impl_->mutex};
    std::vector<std::string> out;
    for (const auto& o : impl_->orders) {
        out.push_back(o.client_order_id);
    }
    return out;
}

}  // namespace meridian::testing
