// Alpaca REST: budgeted, authenticated requests; safe submission by client_order_id.
#include "adapters/alpaca/rest.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "net/http.hpp"

namespace meridian::alpaca {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock_ = std::chrono::steady_clock;

// A burst of a tenth of the budget, the rest spread over the minute: no 60-second window ever
// holds more than `per_minute` requests (burst + refill).
RateLimiter::RateLimiter(int per_minute)
    : per_second_{(per_minute - std::max(1, per_minute / 10)) / 60.0},
      capacity_{static_cast<double>(std::max(1, per_minute / 10))},
      tokens_{capacity_},
      last_{Clock_::now()} {
    if (per_second_ <= 0) per_second_ = per_minute / 60.0;
}

Clock_::duration RateLimiter::take(Clock_::time_point now) {
    if (now < paused_until_) return paused_until_ - now;
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(capacity_, tokens_ + elapsed * per_second_);
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return Clock_::duration::zero();
    }
    // Rounded up, and never zero: zero means "go".
    return std::max(Clock_::duration{1},
                    std::chrono::ceil<Clock_::duration>(
                        std::chrono::duration<double>((1.0 - tokens_) / per_second_)));
}

void RateLimiter::pause_until(Clock_::time_point t) {
    paused_until_ = std::max(paused_until_, t);
    tokens_ = 0;
}

Rest::Rest(const asio::any_io_executor& executor, const Settings& settings, net::Url base)
    : executor_{executor},
      settings_{settings},
      base_{std::move(base)},
      pool_{executor, 8, std::chrono::milliseconds(60'000), settings.tls},
      limiter_{settings.requests_per_minute} {}

Rest::~Rest() = default;

namespace {

std::optional<std::string> header(const net::ClientReply& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            return v;
        }
    }
    return std::nullopt;
}

/// When a 429 says the window resets: X-Ratelimit-Reset (Unix seconds), else in a second; never
/// more than a minute away (a clock that disagrees must not stall us).
Clock_::time_point reset_time(const net::ClientReply& r) {
    auto wait = std::chrono::milliseconds(1000);
    if (auto reset = header(r, "X-Ratelimit-Reset")) {
        long long epoch = 0;
        auto [p, ec] = std::from_chars(reset->data(), reset->data() + reset->size(), epoch);
        if (ec == std::errc{}) {
            const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
            wait =
                std::chrono::milliseconds(std::clamp<long long>(epoch * 1000 - now, 100, 60'000));
        }
    } else if (auto after = header(r, "Retry-After")) {
        int s = 0;
        if (std::from_chars(after->data(), after->data() + after->size(), s).ec == std::errc{}) {
            wait = std::chrono::milliseconds(std::clamp(s, 0, 60) * 1000);
        }
    }
    return Clock_::now() + wait;
}

asio::awaitable<void> sleep_for(asio::any_io_executor ex, Clock_::duration d) {
    asio::steady_timer t{ex};
    t.expires_after(d);
    co_await t.async_wait(asio::use_awaitable);
}

}  // namespace

asio::awaitable<core::Result<Reply>> Rest::call(std::string method, std::string target,
                                                std::optional<json::object> body,
                                                std::optional<Clock_::time_point> deadline) {
    const bool idempotent = method == "GET";
    auto backoff = std::chrono::milliseconds(200);
    int failures = 0;
    for (;;) {
        for (auto wait = limiter_.take(Clock_::now()); wait > Clock_::duration::zero();
             wait = limiter_.take(Clock_::now())) {
            ++throttled_;
            if (deadline && Clock_::now() + wait > *deadline) {
                co_return core::Error{core::Errc::Timeout,
                                      "Alpaca's request budget is spent until after the deadline"};
            }
            co_await sleep_for(executor_, wait);
        }
        net::ClientRequest req;
        req.method = method;
        req.target = base_.target + target;
        req.headers = settings_.auth_headers();
        if (body) {
            req.headers.emplace_back("Content-Type", "application/json");
            req.body = json::serialize(*body);
        }
        ++requests_;
        auto r = co_await pool_.request(base_, std::move(req), settings_.timeout);
        const bool retryable = idempotent && ++failures <= 3;
        if (!r) {
            if (!retryable) co_return r.error();
        } else if (r->status == 429) {
            limiter_.pause_until(reset_time(*r));
            failures = 0;
            continue;  // not processed: send again once the window resets
        } else if (r->status >= 500 && retryable) {
            // fall through to the backoff
        } else {
            Reply reply;
            reply.status = r->status;
            reply.text = std::move(r->body);
            if (!reply.text.empty()) {
                if (auto v = parse(reply.text)) reply.body = std::move(*v);
            }
            co_return reply;
        }
        if (deadline && Clock_::now() + backoff > *deadline) {
            co_return core::Error{core::Errc::Timeout, "no answer from Alpaca before the deadline"};
        }
        co_await sleep_for(executor_, backoff);
        backoff *= 2;
    }
}

core::Error to_error(const ApiError& e) {
    if ((e.http == 401 || e.http == 403) && !e.code) {
        return core::Error{core::Errc::Unavailable,
                           "Alpaca refused the credentials (" + e.message +
                               "): check APCA_API_KEY_ID and APCA_API_SECRET_KEY"};
    }
    switch (e.http) {
        case 403:
        case 422:
            return core::Error{core::Errc::Rejected, e.message};
        case 404:
            return core::Error{core::Errc::NotFound, e.message};
        default:
            break;
    }
    if (e.http >= 500) return core::Error{core::Errc::Unavailable, "Alpaca: " + e.message};
    return core::Error{core::Errc::Internal,
                       "Alpaca answered " + std::to_string(e.http) + ": " + e.message};
}

TradingClient::TradingClient(const asio::any_io_executor& executor, const Settings& settings)
    : rest_{executor, settings, settings.trading} {}

namespace {

core::Result<BrokerOrder> order_of(const Reply& r) {
    if (r.status != 200) return to_error(r.error());
    auto o = order_from_json(r.body);
    if (!o) return core::Error{core::Errc::Internal, "Alpaca's order: " + o.error().message};
    return o;
}

}  // namespace

asio::awaitable<core::Result<std::optional<BrokerOrder>>> TradingClient::by_client_order_id(
    const std::string& client_order_id, std::optional<Clock_::time_point> deadline) {
    auto r = co_await rest_.call(
        "GET", "/v2/orders:by_client_order_id?client_order_id=" + net::url_encode(client_order_id),
        std::nullopt, deadline);
    if (!r) co_return r.error();
    if (r->status == 404) co_return std::optional<BrokerOrder>{};
    auto o = order_of(*r);
    if (!o) co_return o.error();
    co_return std::optional<BrokerOrder>{std::move(*o)};
}

asio::awaitable<Submitted> TradingClient::submit(const core::OrderRequest& request,
                                                 std::chrono::milliseconds deadline) {
    const auto give_up = Clock_::now() + deadline;
    const std::string coid =
        request.client_order_id ? request.client_order_id->str() : std::string{};
    const auto body = order_body(request);
    auto backoff = std::chrono::milliseconds(100);
    Submitted out;
    bool send = true;  // false: the last attempt's outcome is unknown; look it up first
    while (Clock_::now() < give_up) {
        if (send) {
            auto r = co_await rest_.call("POST", "/v2/orders", body, give_up);
            if (r && r->status == 200) {
                auto o = order_from_json(r->body);
                if (o) {
                    out.kind = Submitted::Kind::Accepted;
                    out.order = std::move(*o);
                    co_return out;
                }
                send = false;  // accepted, but unreadable: read it back
            } else if (r && r->status < 500) {
                auto e = r->error();
                if (e.message.find("client_order_id must be unique") == std::string::npos) {
                    out.kind = Submitted::Kind::Refused;
                    out.refusal = std::move(e);
                    co_return out;
                }
                send = false;  // Alpaca has it already
            } else {
                send = false;  // timeout, reset, 5xx: unknown
            }
        }
        auto found = co_await by_client_order_id(coid, give_up);
        if (found && *found) {
            out.kind = Submitted::Kind::Accepted;
            out.order = std::move(**found);
            co_return out;
        }
        // Not there: sending it again cannot make two (Alpaca refuses a used client_order_id).
        if (found) send = true;
        if (Clock_::now() + backoff >= give_up) break;
        co_await sleep_for(rest_.executor(), backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
    out.kind = Submitted::Kind::Unknown;
    co_return out;
}

asio::awaitable<core::Result<BrokerOrder>> TradingClient::order(const std::string& id,
                                                                bool nested) {
    auto r = co_await rest_.call(
        "GET", "/v2/orders/" + net::url_encode(id) + (nested ? "?nested=true" : ""));
    if (!r) co_return r.error();
    co_return order_of(*r);
}

asio::awaitable<core::Result<std::vector<BrokerOrder>>> TradingClient::orders(
    std::string status, std::optional<core::Timestamp> after) {
    std::vector<BrokerOrder> out;
    for (;;) {
        std::string target = "/v2/orders?status=" + status + "&direction=asc&limit=500";
        if (after) target += "&after=" + net::url_encode(after->to_iso8601());
        auto r = co_await rest_.call("GET", target);
        if (!r) co_return r.error();
        if (r->status != 200) co_return to_error(r->error());
        if (!r->body.is_array()) {
            co_return core::Error{core::Errc::Internal, "orders: not an array"};
        }
        const auto& page = r->body.get_array();
        for (const auto& item : page) {
            auto o = order_from_json(item);
            if (!o) co_return core::Error{core::Errc::Internal, "orders: " + o.error().message};
            out.push_back(std::move(*o));
        }
        if (page.size() < 500) break;
        // Next page: after the last one's submission (orders in one nanosecond are rare).
        const auto& last = out.back();
        after = last.submitted_at.value_or(last.created_at);
    }
    co_return out;
}

asio::awaitable<core::Result<void>> TradingClient::cancel(const std::string& id) {
    auto r = co_await rest_.call("DELETE", "/v2/orders/" + net::url_encode(id));
    if (!r) co_return r.error();
    if (r->status == 204 || r->status == 200) co_return core::Result<void>{};
    auto e = r->error();
    if (e.http == 422) co_return core::Error{core::Errc::IllegalState, e.message};
    co_return to_error(e);
}

asio::awaitable<core::Result<std::vector<std::pair<std::string, int>>>>
TradingClient::cancel_all() {
    using Tried = std::vector<std::pair<std::string, int>>;
    auto r = co_await rest_.call("DELETE", "/v2/orders");
    if (!r) co_return r.error();
    if (r->status != 207 && r->status != 200) co_return to_error(r->error());
    if (!r->body.is_array()) {
        co_return core::Error{core::Errc::Internal, "cancel all: the answer is not an array"};
    }
    Tried out;
    for (const auto& v : r->body.get_array()) {
        const auto* o = v.if_object();
        const auto* id = o ? o->if_contains("id") : nullptr;
        const auto* status = o ? o->if_contains("status") : nullptr;
        if (!id || !id->is_string() || !status) continue;
        int code = 0;
        if (status->is_int64()) {
            code = static_cast<int>(status->get_int64());
        } else if (status->is_string()) {  // numbers arrive as text (wire::parse)
            const auto text = status->get_string();
            std::from_chars(text.data(), text.data() + text.size(), code);
        }
        out.emplace_back(std::string{id->get_string()}, code);
    }
    co_return out;
}

asio::awaitable<core::Result<BrokerOrder>> TradingClient::replace(
    const std::string& id, const core::OrderChange& change,
    const std::string& new_client_order_id) {
    json::object body{{"client_order_id", new_client_order_id}};
    if (change.qty) body["qty"] = change.qty->to_string();
    if (change.time_in_force) body["time_in_force"] = core::to_string(*change.time_in_force);
    if (change.limit_price) body["limit_price"] = change.limit_price->to_string();
    if (change.stop_price) body["stop_price"] = change.stop_price->to_string();
    if (change.trail) body["trail"] = change.trail->to_string();
    auto r = co_await rest_.call("PATCH", "/v2/orders/" + net::url_encode(id), std::move(body));
    if (!r) co_return r.error();
    co_return order_of(*r);
}

asio::awaitable<core::Result<Account>> TradingClient::account() {
    auto r = co_await rest_.call("GET", "/v2/account");
    if (!r) co_return r.error();
    if (r->status != 200) co_return to_error(r->error());
    auto a = account_from_json(r->body);
    if (!a) co_return core::Error{core::Errc::Internal, "account: " + a.error().message};
    co_return a;
}

asio::awaitable<core::Result<std::vector<Position>>> TradingClient::positions() {
    auto r = co_await rest_.call("GET", "/v2/positions");
    if (!r) co_return r.error();
    if (r->status != 200) co_return to_error(r->error());
    auto p = positions_from_json(r->body);
    if (!p) co_return core::Error{core::Errc::Internal, "positions: " + p.error().message};
    co_return p;
}

asio::awaitable<core::Result<Clock>> TradingClient::clock() {
    auto r = co_await rest_.call("GET", "/v2/clock");
    if (!r) co_return r.error();
    if (r->status != 200) co_return to_error(r->error());
    auto c = clock_from_json(r->body);
    if (!c) co_return core::Error{core::Errc::Internal, "clock: " + c.error().message};
    co_return c;
}

namespace {

std::string date_text(core::CivilDate d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

}  // namespace

asio::awaitable<core::Result<std::vector<CalendarDay>>> TradingClient::calendar(
    core::CivilDate start, core::CivilDate end) {
    auto r = co_await rest_.call(
        "GET", "/v2/calendar?start=" + date_text(start) + "&end=" + date_text(end));
    if (!r) co_return r.error();
    if (r->status != 200) co_return to_error(r->error());
    auto days = calendar_from_json(r->body);
    if (!days) co_return core::Error{core::Errc::Internal, days.error().message};
    co_return days;
}

asio::awaitable<core::Result<Asset>> TradingClient::asset(const core::Symbol& symbol) {
    auto r = co_await rest_.call("GET", "/v2/assets/" + net::url_encode(symbol.str()));
    if (!r) co_return r.error();
    if (r->status != 200) co_return to_error(r->error());
    auto a = asset_from_json(r->body);
    if (!a) co_return core::Error{core::Errc::Internal, "asset: " + a.error().message};
    co_return a;
}

}  // namespace meridian::alpaca
