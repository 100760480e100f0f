// Alpaca JSON: numbers kept as text, then read field by field into exact decimals.
#include "adapters/alpaca/wire.hpp"

#include <charconv>
#include <cstring>

#include <boost/json.hpp>

namespace meridian::alpaca {

namespace json = boost::json;
using core::invalid;

namespace {

/// A JSON number token in plain decimal notation ("-1.5e-3" -> "-0.0015"); empty if absurd.
std::string plain_number(std::string_view tok) {
    const auto e = tok.find_first_of("eE");
    if (e == std::string_view::npos) return std::string{tok};
    std::string_view mant = tok.substr(0, e);
    int exp = 0;
    std::string_view es = tok.substr(e + 1);
    if (!es.empty() && es[0] == '+') es.remove_prefix(1);
    auto [p, ec] = std::from_chars(es.data(), es.data() + es.size(), exp);
    if (ec != std::errc{} || p != es.data() + es.size() || exp > 40 || exp < -40) return {};
    const bool neg = !mant.empty() && mant[0] == '-';
    if (neg) mant.remove_prefix(1);
    std::string digits;
    int point = 0;  // digits before the decimal point
    bool seen_point = false;
    for (char c : mant) {
        if (c == '.') {
            seen_point = true;
            continue;
        }
        digits += c;
        if (!seen_point) ++point;
    }
    point += exp;
    std::string out;
    if (point <= 0) {
        out = "0." + std::string(static_cast<std::size_t>(-static_cast<long>(point)), '0') + digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        out = digits.substr(0, static_cast<std::size_t>(point)) + "." +
              digits.substr(static_cast<std::size_t>(point));
    }
    return neg ? "-" + out : out;
}

/// The text with each number outside strings quoted (and written out plainly). Copies runs of
/// other bytes whole.
core::Result<std::string> quote_numbers(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 3);
    const char* p = text.data();
    const char* const end = p + text.size();
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    while (p < end) {
        // A run with neither strings nor numbers in it.
        const char* run = p;
        while (p < end && *p != '"' && *p != '-' && !is_digit(*p)) {
            ++p;
        }
        out.append(run, static_cast<std::size_t>(p - run));
        if (p == end) break;
        if (*p == '"') {
            const char* start = p++;
            for (;;) {
                const void* q = std::memchr(p, '"', static_cast<std::size_t>(end - p));
                if (!q) return invalid("JSON: unterminated string");
                const char* quote = static_cast<const char*>(q);
                // Escaped when an odd number of backslashes come before it.
                std::size_t slashes = 0;
                for (const char* b = quote; b > start + 1 && b[-1] == '\\'; --b) {
                    ++slashes;
                }
                p = quote + 1;
                if (slashes % 2 == 0) break;
            }
            out.append(start, static_cast<std::size_t>(p - start));
            continue;
        }
        const char* start = p++;
        while (p < end &&
               (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-')) {
            ++p;
        }
        const std::string_view token{start, static_cast<std::size_t>(p - start)};
        out += '"';
        if (token.find_first_of("eE") == std::string_view::npos) {
            out.append(token);
        } else {
            auto plain = plain_number(token);
            if (plain.empty()) return invalid("JSON: number out of range");
            out += plain;
        }
        out += '"';
    }
    return out;
}

const json::object* object_of(const json::value& v) {
    return v.is_object() ? &v.get_object() : nullptr;
}

std::optional<std::string_view> text(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string_view{v->get_string()};
}

core::Error field_error(std::string_view key, const core::Error& e) {
    return invalid(std::string{key} + ": " + e.message);
}

template <class T>
core::Result<std::optional<T>> optional_decimal(const json::object& o, std::string_view key) {
    auto t = text(o, key);
    if (!t || t->empty()) return std::optional<T>{};
    auto v = T::parse(*t);
    if (!v) return field_error(key, v.error());
    return std::optional<T>{*v};
}

template <class T>
core::Result<T> decimal(const json::object& o, std::string_view key) {
    auto v = optional_decimal<T>(o, key);
    if (!v) return v.error();
    if (!*v) return invalid(std::string{key} + " is missing");
    return **v;
}

core::Result<std::optional<core::Timestamp>> optional_time(const json::object& o,
                                                           std::string_view key) {
    auto t = text(o, key);
    if (!t) return std::optional<core::Timestamp>{};
    auto ts = core::Timestamp::parse(*t);
    if (!ts) return field_error(key, ts.error());
    return std::optional<core::Timestamp>{*ts};
}

core::Result<core::Timestamp> time(const json::object& o, std::string_view key) {
    auto t = optional_time(o, key);
    if (!t) return t.error();
    if (!*t) return invalid(std::string{key} + " is missing");
    return **t;
}

bool flag(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_bool() && v->get_bool();
}

core::Result<std::int64_t> integer(const json::object& o, std::string_view key) {
    auto t = text(o, key);
    if (!t) return invalid(std::string{key} + " is missing");
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), n);
    if (ec != std::errc{} || p != t->data() + t->size()) {
        return invalid(std::string{key} + ": not a whole number");
    }
    return n;
}

core::Result<core::Symbol> symbol_of(const json::object& o, std::string_view key) {
    auto t = text(o, key);
    if (!t) return invalid(std::string{key} + " is missing");
    auto s = core::Symbol::parse(*t);
    if (!s) return field_error(key, s.error());
    return *s;
}

// NOLINTBEGIN(bugprone-macro-parentheses): `var` names a variable, it cannot be parenthesized
#define MERIDIAN_TRY(var, expr)           \
    auto var##_r = (expr);                \
    if (!var##_r) return var##_r.error(); \
    auto var = std::move(*var##_r)
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace

namespace {

/// parse() into `storage` (a caller's arena for values read and dropped at once).
core::Result<json::value> parse_into(std::string_view input, json::storage_ptr storage) {
    auto quoted = quote_numbers(input);
    if (!quoted) return quoted.error();
    json::parse_options opts;
    opts.max_depth = 64;
    boost::system::error_code ec;
    json::value v = json::parse(*quoted, ec, std::move(storage), opts);
    if (ec) return invalid("JSON: " + ec.message());
    return v;
}

}  // namespace

core::Result<json::value> parse(std::string_view input) {
    return parse_into(input, {});
}

core::Result<BrokerOrder> order_from_json(const json::value& v) {
    const auto* op = object_of(v);
    if (!op) return invalid("order: not an object");
    const auto& o = *op;
    BrokerOrder b;
    auto id = text(o, "id");
    if (!id || id->empty()) return invalid("order: id is missing");
    b.id = std::string{*id};
    b.client_order_id = std::string{text(o, "client_order_id").value_or("")};
    if (!b.client_order_id.empty()) {
        auto coid = core::ClientOrderId::parse(b.client_order_id);
        if (coid) b.request.client_order_id = *coid;
    }
    MERIDIAN_TRY(sym, symbol_of(o, "symbol"));
    b.request.symbol = sym;
    auto side = core::parse_side(text(o, "side").value_or(""));
    if (!side) return field_error("side", side.error());
    b.request.side = *side;
    auto type =
        core::parse_order_type(text(o, "type").value_or(text(o, "order_type").value_or("")));
    if (!type) return field_error("type", type.error());
    b.request.type = *type;
    auto tif = core::parse_time_in_force(text(o, "time_in_force").value_or(""));
    if (!tif) return field_error("time_in_force", tif.error());
    b.request.time_in_force = *tif;
    auto cls = core::parse_order_class(text(o, "order_class").value_or(""));
    b.request.order_class = cls ? *cls : core::OrderClass::Simple;  // mleg and future classes
    MERIDIAN_TRY(qty, optional_decimal<core::Quantity>(o, "qty"));
    b.request.qty = qty;
    MERIDIAN_TRY(notional, optional_decimal<core::Money>(o, "notional"));
    b.request.notional = notional;
    MERIDIAN_TRY(limit, optional_decimal<core::Price>(o, "limit_price"));
    b.request.limit_price = limit;
    MERIDIAN_TRY(stop, optional_decimal<core::Price>(o, "stop_price"));
    b.request.stop_price = stop;
    MERIDIAN_TRY(trail_price, optional_decimal<core::Price>(o, "trail_price"));
    b.request.trail_price = trail_price;
    MERIDIAN_TRY(trail_percent, optional_decimal<core::Price>(o, "trail_percent"));
    b.request.trail_percent = trail_percent;
    b.request.extended_hours = flag(o, "extended_hours");
    auto status = core::parse_order_status(text(o, "status").value_or(""));
    if (!status) return field_error("status", status.error());
    b.status = *status;
    MERIDIAN_TRY(filled, optional_decimal<core::Quantity>(o, "filled_qty"));
    b.filled_qty = filled.value_or(core::Quantity{});
    MERIDIAN_TRY(avg, optional_decimal<core::Price>(o, "filled_avg_price"));
    b.filled_avg_price = avg;
    MERIDIAN_TRY(created, optional_time(o, "created_at"));
    b.created_at = created.value_or(core::Timestamp{});
    for (auto [key, field] :
         {std::pair{"updated_at", &b.updated_at}, std::pair{"submitted_at", &b.submitted_at},
          std::pair{"filled_at", &b.filled_at}, std::pair{"canceled_at", &b.canceled_at},
          std::pair{"expired_at", &b.expired_at}, std::pair{"failed_at", &b.failed_at},
          std::pair{"replaced_at", &b.replaced_at}}) {
        auto t = optional_time(o, key);
        if (!t) return t.error();
        *field = *t;
    }
    if (auto r = text(o, "replaced_by"); r && !r->empty()) b.replaced_by = std::string{*r};
    if (auto r = text(o, "replaces"); r && !r->empty()) b.replaces = std::string{*r};
    if (const auto* legs = o.if_contains("legs"); legs && legs->is_array()) {
        for (const auto& leg : legs->get_array()) {
            auto l = order_from_json(leg);
            if (!l) return invalid("legs: " + l.error().message);
            b.legs.push_back(std::move(*l));
        }
    }
    return b;
}

core::Result<StreamMessage> stream_message(std::string_view input) {
    auto v = parse(input);
    if (!v) return v.error();
    const auto* o = object_of(*v);
    if (!o) return invalid("stream message: not an object");
    StreamMessage m;
    m.stream = std::string{text(*o, "stream").value_or("")};
    if (m.stream.empty()) return invalid("stream message: no stream");
    if (const auto* d = o->if_contains("data"); d && d->is_object()) m.data = d->get_object();
    return m;
}

core::Result<TradeUpdate> trade_update_from_json(const json::object& d) {
    TradeUpdate u;
    u.event = std::string{text(d, "event").value_or("")};
    if (u.event.empty()) return invalid("trade update: no event");
    const auto* order = d.if_contains("order");
    if (!order) return invalid("trade update: no order");
    MERIDIAN_TRY(o, order_from_json(*order));
    u.order = std::move(o);
    MERIDIAN_TRY(ts, optional_time(d, "timestamp"));
    u.ts = ts;
    u.execution_id = std::string{text(d, "execution_id").value_or("")};
    MERIDIAN_TRY(price, optional_decimal<core::Price>(d, "price"));
    u.price = price;
    MERIDIAN_TRY(qty, optional_decimal<core::Quantity>(d, "qty"));
    u.qty = qty;
    MERIDIAN_TRY(pos, optional_decimal<core::Quantity>(d, "position_qty"));
    u.position_qty = pos;
    return u;
}

core::Result<Account> account_from_json(const json::value& v) {
    const auto* op = object_of(v);
    if (!op) return invalid("account: not an object");
    Account a;
    a.id = std::string{text(*op, "id").value_or("")};
    a.status = std::string{text(*op, "status").value_or("")};
    MERIDIAN_TRY(cash, decimal<core::Money>(*op, "cash"));
    a.cash = cash;
    MERIDIAN_TRY(equity, optional_decimal<core::Money>(*op, "equity"));
    a.equity = equity.value_or(cash);
    MERIDIAN_TRY(bp, optional_decimal<core::Money>(*op, "buying_power"));
    a.buying_power = bp.value_or(cash);
    a.trading_blocked = flag(*op, "trading_blocked");
    a.account_blocked = flag(*op, "account_blocked");
    return a;
}

core::Result<std::vector<Position>> positions_from_json(const json::value& v) {
    if (!v.is_array()) return invalid("positions: not an array");
    std::vector<Position> out;
    for (const auto& item : v.get_array()) {
        const auto* o = object_of(item);
        if (!o) return invalid("position: not an object");
        Position p;
        MERIDIAN_TRY(sym, symbol_of(*o, "symbol"));
        p.symbol = sym;
        MERIDIAN_TRY(qty, decimal<core::Quantity>(*o, "qty"));
        p.qty = qty;
        MERIDIAN_TRY(avg, decimal<core::Price>(*o, "avg_entry_price"));
        p.avg_entry_price = avg;
        MERIDIAN_TRY(px, optional_decimal<core::Price>(*o, "current_price"));
        p.current_price = px;
        out.push_back(std::move(p));
    }
    return out;
}

core::Result<Clock> clock_from_json(const json::value& v) {
    const auto* o = object_of(v);
    if (!o) return invalid("clock: not an object");
    Clock c;
    MERIDIAN_TRY(ts, time(*o, "timestamp"));
    c.timestamp = ts;
    c.is_open = flag(*o, "is_open");
    MERIDIAN_TRY(open, time(*o, "next_open"));
    c.next_open = open;
    MERIDIAN_TRY(close, time(*o, "next_close"));
    c.next_close = close;
    return c;
}

core::Result<Asset> asset_from_json(const json::value& v) {
    const auto* o = object_of(v);
    if (!o) return invalid("asset: not an object");
    Asset a;
    a.id = std::string{text(*o, "id").value_or("")};
    MERIDIAN_TRY(sym, symbol_of(*o, "symbol"));
    a.symbol = sym;
    a.asset_class = std::string{text(*o, "class").value_or("")};
    a.exchange = std::string{text(*o, "exchange").value_or("")};
    a.status = std::string{text(*o, "status").value_or("")};
    a.tradable = flag(*o, "tradable");
    a.fractionable = flag(*o, "fractionable");
    a.shortable = flag(*o, "shortable");
    return a;
}

namespace {

/// "09:30" or "0930": minutes after midnight.
std::optional<int> clock_minutes(std::string_view t) {
    std::string digits;
    for (char c : t) {
        if (c != ':') digits += c;
    }
    if (digits.size() != 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const int h = (digits[0] - '0') * 10 + (digits[1] - '0');
    const int m = (digits[2] - '0') * 10 + (digits[3] - '0');
    if (h > 24 || m > 59) return std::nullopt;
    return h * 60 + m;
}

}  // namespace

core::Result<std::vector<CalendarDay>> calendar_from_json(const json::value& v) {
    if (!v.is_array()) return invalid("calendar: not an array");
    std::vector<CalendarDay> out;
    for (const auto& item : v.get_array()) {
        const auto* o = object_of(item);
        if (!o) return invalid("calendar: a day is not an object");
        CalendarDay d;
        auto date = core::Timestamp::parse(text(*o, "date").value_or(""));
        if (!date) return invalid("calendar date: " + date.error().message);
        d.date = core::civil_from_days(date->ns() / 86'400'000'000'000LL);
        auto open = clock_minutes(text(*o, "open").value_or(""));
        auto close = clock_minutes(text(*o, "close").value_or(""));
        if (!open || !close || *close <= *open) return invalid("calendar: bad open or close");
        d.open = *open;
        d.close = *close;
        if (auto so = text(*o, "session_open")) d.session_open = clock_minutes(*so);
        if (auto sc = text(*o, "session_close")) d.session_close = clock_minutes(*sc);
        out.push_back(d);
    }
    return out;
}

ApiError api_error(int http, std::string_view body) {
    ApiError e;
    e.http = http;
    auto v = parse(body);
    const json::object* o = v ? object_of(*v) : nullptr;
    if (!o) {
        e.message = std::string{body.substr(0, 200)};
        if (e.message.empty()) e.message = "HTTP " + std::to_string(http);
        return e;
    }
    e.message = std::string{text(*o, "message").value_or("")};
    if (auto c = integer(*o, "code")) e.code = *c;
    if (e.message.empty()) e.message = "HTTP " + std::to_string(http);
    return e;
}

json::object order_body(const core::OrderRequest& r) {
    auto price = [](core::Price p) { return p.to_string(); };
    json::object b{{"symbol", r.symbol.str()},
                   {"side", core::to_string(r.side)},
                   {"type", core::to_string(r.type)},
                   {"time_in_force", core::to_string(r.time_in_force)}};
    if (r.qty) b["qty"] = r.qty->to_string();
    if (r.notional) b["notional"] = r.notional->to_string(2, core::Rounding::HalfEven);
    if (r.limit_price) b["limit_price"] = price(*r.limit_price);
    if (r.stop_price) b["stop_price"] = price(*r.stop_price);
    if (r.trail_price) b["trail_price"] = price(*r.trail_price);
    if (r.trail_percent) b["trail_percent"] = price(*r.trail_percent);
    if (r.extended_hours) b["extended_hours"] = true;
    if (r.client_order_id) b["client_order_id"] = r.client_order_id->str();
    if (r.order_class != core::OrderClass::Simple) {
        b["order_class"] = core::to_string(r.order_class);
        if (r.take_profit) {
            b["take_profit"] = json::object{{"limit_price", price(r.take_profit->limit_price)}};
        }
        if (r.stop_loss) {
            json::object sl{{"stop_price", price(r.stop_loss->stop_price)}};
            if (r.stop_loss->limit_price) sl["limit_price"] = price(*r.stop_loss->limit_price);
            b["stop_loss"] = std::move(sl);
        }
    }
    return b;
}

namespace {

core::Result<core::Symbol> data_symbol(const json::object& o, const core::Symbol& fallback) {
    if (auto s = text(o, "S")) {
        auto sym = core::Symbol::parse(*s);
        if (!sym) return field_error("S", sym.error());
        return *sym;
    }
    if (fallback.str().empty()) return invalid("S (symbol) is missing");
    return fallback;
}

}  // namespace

core::Result<engine::Bar> bar_from_json(const json::object& o, const core::Symbol& symbol) {
    engine::Bar b;
    MERIDIAN_TRY(sym, data_symbol(o, symbol));
    b.symbol = sym;
    MERIDIAN_TRY(ts, time(o, "t"));
    b.ts = ts;
    MERIDIAN_TRY(open, decimal<core::Price>(o, "o"));
    MERIDIAN_TRY(high, decimal<core::Price>(o, "h"));
    MERIDIAN_TRY(low, decimal<core::Price>(o, "l"));
    MERIDIAN_TRY(close, decimal<core::Price>(o, "c"));
    MERIDIAN_TRY(volume, optional_decimal<core::Quantity>(o, "v"));
    MERIDIAN_TRY(vwap, optional_decimal<core::Price>(o, "vw"));
    if (!low.is_positive() || high < low || open < low || open > high || close < low ||
        close > high) {
        return invalid("bar: prices are inconsistent (need 0 < l <= o, c <= h)");
    }
    b.open = open;
    b.high = high;
    b.low = low;
    b.close = close;
    b.volume = volume.value_or(core::Quantity{});
    if (b.volume.is_negative()) return invalid("bar: negative volume");
    b.vwap = vwap;
    if (auto n = integer(o, "n"); n && *n >= 0) b.trade_count = static_cast<std::uint64_t>(*n);
    return b;
}

core::Result<engine::Quote> quote_from_json(const json::object& o, const core::Symbol& symbol) {
    engine::Quote q;
    MERIDIAN_TRY(sym, data_symbol(o, symbol));
    q.symbol = sym;
    MERIDIAN_TRY(ts, time(o, "t"));
    q.ts = ts;
    MERIDIAN_TRY(bid, decimal<core::Price>(o, "bp"));
    MERIDIAN_TRY(ask, decimal<core::Price>(o, "ap"));
    MERIDIAN_TRY(bs, optional_decimal<core::Quantity>(o, "bs"));
    MERIDIAN_TRY(as, optional_decimal<core::Quantity>(o, "as"));
    if (bid.is_negative() || ask.is_negative()) return invalid("quote: negative price");
    q.bid = bid;
    q.ask = ask;
    q.bid_size = bs.value_or(core::Quantity{});
    q.ask_size = as.value_or(core::Quantity{});
    return q;
}

core::Result<engine::Trade> trade_from_json(const json::object& o, const core::Symbol& symbol) {
    engine::Trade t;
    MERIDIAN_TRY(sym, data_symbol(o, symbol));
    t.symbol = sym;
    MERIDIAN_TRY(ts, time(o, "t"));
    t.ts = ts;
    MERIDIAN_TRY(price, decimal<core::Price>(o, "p"));
    MERIDIAN_TRY(size, decimal<core::Quantity>(o, "s"));
    if (!price.is_positive() || size.is_negative()) return invalid("trade: bad price or size");
    t.price = price;
    t.size = size;
    return t;
}

namespace {

/// Latest values in either shape: {"symbol": S, "<one>": {...}} or {"<many>": {S: {...}}}.
template <class T, class Read>
core::Result<std::vector<T>> latest(const json::value& v, std::string_view one,
                                    std::string_view many, Read read) {
    const auto* o = object_of(v);
    if (!o) return invalid("latest: not an object");
    std::vector<T> out;
    if (const auto* single = o->if_contains(one); single && single->is_object()) {
        MERIDIAN_TRY(sym, symbol_of(*o, "symbol"));
        auto x = read(single->get_object(), sym);
        if (!x) return x.error();
        out.push_back(std::move(*x));
        return out;
    }
    const auto* map = o->if_contains(many);
    if (!map || !map->is_object()) return out;
    for (const auto& [key, value] : map->get_object()) {
        auto sym = core::Symbol::parse(key);
        if (!sym) return invalid("latest: bad symbol " + std::string{key});
        if (!value.is_object()) continue;
        auto x = read(value.get_object(), *sym);
        if (!x) return x.error();
        out.push_back(std::move(*x));
    }
    return out;
}

}  // namespace

core::Result<std::vector<engine::Trade>> latest_trades(const json::value& v) {
    return latest<engine::Trade>(v, "trade", "trades", trade_from_json);
}
core::Result<std::vector<engine::Quote>> latest_quotes(const json::value& v) {
    return latest<engine::Quote>(v, "quote", "quotes", quote_from_json);
}
core::Result<std::vector<engine::Bar>> latest_bars(const json::value& v) {
    return latest<engine::Bar>(v, "bar", "bars", bar_from_json);
}

core::Result<std::vector<Snapshot>> snapshots_from_json(const json::value& v) {
    const auto* o = object_of(v);
    if (!o) return invalid("snapshots: not an object");
    auto one = [](const json::object& s, const core::Symbol& sym) -> core::Result<Snapshot> {
        Snapshot snap;
        snap.symbol = sym;
        auto member = [&](std::string_view key) -> const json::object* {
            const auto* m = s.if_contains(key);
            return m && m->is_object() ? &m->get_object() : nullptr;
        };
        if (const auto* t = member("latestTrade")) {
            MERIDIAN_TRY(x, trade_from_json(*t, sym));
            snap.latest_trade = x;
        }
        if (const auto* q = member("latestQuote")) {
            MERIDIAN_TRY(x, quote_from_json(*q, sym));
            snap.latest_quote = x;
        }
        for (auto [key, field] :
             {std::pair{"minuteBar", &snap.minute_bar}, std::pair{"dailyBar", &snap.daily_bar},
              std::pair{"prevDailyBar", &snap.prev_daily_bar}}) {
            if (const auto* b = member(key)) {
                auto x = bar_from_json(*b, sym);
                if (!x) return x.error();
                *field = std::move(*x);
            }
        }
        return snap;
    };
    std::vector<Snapshot> out;
    if (auto sym_text = text(*o, "symbol")) {
        auto sym = core::Symbol::parse(*sym_text);
        if (!sym) return field_error("symbol", sym.error());
        MERIDIAN_TRY(snap, one(*o, *sym));
        out.push_back(std::move(snap));
        return out;
    }
    for (const auto& [key, value] : *o) {
        if (!value.is_object()) continue;  // a symbol without data maps to null
        auto sym = core::Symbol::parse(key);
        if (!sym) return invalid("snapshots: bad symbol " + std::string{key});
        MERIDIAN_TRY(snap, one(value.get_object(), *sym));
        out.push_back(std::move(snap));
    }
    return out;
}

core::Result<BarsPage> bars_page(const json::value& v) {
    const auto* o = object_of(v);
    if (!o) return invalid("bars: not an object");
    BarsPage page;
    if (auto t = text(*o, "next_page_token"); t && !t->empty()) {
        page.next_page_token = std::string{*t};
    }
    const auto* bars = o->if_contains("bars");
    if (!bars || bars->is_null()) return page;
    auto add = [&](const json::value& list, const core::Symbol& sym) -> core::Result<void> {
        if (list.is_null()) return {};
        if (!list.is_array()) return invalid("bars: not an array");
        for (const auto& item : list.get_array()) {
            const auto* bo = object_of(item);
            if (!bo) return invalid("bar: not an object");
            auto b = bar_from_json(*bo, sym);
            if (!b) return b.error();
            page.bars.push_back(std::move(*b));
        }
        return {};
    };
    if (bars->is_array()) {
        MERIDIAN_TRY(sym, symbol_of(*o, "symbol"));
        if (auto ok = add(*bars, sym); !ok) return ok.error();
    } else if (bars->is_object()) {
        for (const auto& [key, list] : bars->get_object()) {
            auto sym = core::Symbol::parse(key);
            if (!sym) return invalid("bars: bad symbol " + std::string{key});
            if (auto ok = add(list, *sym); !ok) return ok.error();
        }
    } else {
        return invalid("bars: neither an array nor a map");
    }
    return page;
}

core::Result<DataFrame> data_frame(std::string_view input) {
    // The frame's JSON lives only while it is read: one arena, freed at once.
    json::monotonic_resource arena{input.size() * 3};
    auto v = parse_into(input, &arena);
    if (!v) return v.error();
    if (!v->is_array()) return invalid("data stream: a frame must be an array");
    DataFrame f;
    const core::Symbol none;
    for (const auto& item : v->get_array()) {
        const auto* o = object_of(item);
        if (!o) {
            ++f.malformed;
            continue;
        }
        const auto type = text(*o, "T").value_or("");
        DataMessage m;
        bool ok = true;
        if (type == "success") {
            m.kind = DataMessage::Kind::Success;
            m.msg = std::string{text(*o, "msg").value_or("")};
        } else if (type == "error") {
            m.kind = DataMessage::Kind::Error;
            m.msg = std::string{text(*o, "msg").value_or("")};
            m.code = static_cast<int>(integer(*o, "code").value_or(0));
        } else if (type == "subscription") {
            m.kind = DataMessage::Kind::Subscription;
        } else if (type == "t") {
            m.kind = DataMessage::Kind::Trade;
            auto t = trade_from_json(*o, none);
            ok = t.has_value();
            if (ok) m.trade = std::move(*t);
        } else if (type == "q") {
            m.kind = DataMessage::Kind::Quote;
            auto q = quote_from_json(*o, none);
            ok = q.has_value();
            if (ok) m.quote = std::move(*q);
        } else if (type == "b" || type == "u" || type == "d") {
            m.kind = type == "b"   ? DataMessage::Kind::Bar
                     : type == "u" ? DataMessage::Kind::UpdatedBar
                                   : DataMessage::Kind::DailyBar;
            auto b = bar_from_json(*o, none);
            ok = b.has_value();
            if (ok) m.bar = std::move(*b);
        }
        if (!ok) {
            ++f.malformed;
            continue;
        }
        f.messages.push_back(std::move(m));
    }
    return f;
}

}  // namespace meridian::alpaca
