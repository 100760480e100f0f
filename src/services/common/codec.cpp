// JSON codecs for orders, fills, positions and market data.
#include "services/common/codec.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>

namespace meridian::services {

namespace json = boost::json;
using core::Errc;
using core::Error;

namespace {

template <typename T>
json::value opt_text(const std::optional<T>& v) {
    if (!v) return nullptr;
    return json::value(v->to_string());
}

json::value opt_time(const std::optional<core::Timestamp>& t) {
    if (!t) return nullptr;
    return json::value(t->to_iso8601());
}

Error field_error(std::string_view name, std::string_view what) {
    return Error{Errc::InvalidArgument, std::string{name} + ": " + std::string{what}};
}

}  // namespace

json::object to_json(const core::Order& o) {
    const auto& r = o.request();
    json::object j;
    j.reserve(36);  // every key below without a rehash on the way
    j["id"] = o.id().str();
    j["client_order_id"] = o.client_order_id().str();
    j["created_at"] = o.created_at().to_iso8601();
    j["updated_at"] = o.updated_at().to_iso8601();
    j["submitted_at"] = opt_time(o.submitted_at());
    j["filled_at"] = opt_time(o.filled_at());
    j["expired_at"] = opt_time(o.expired_at());
    j["canceled_at"] = opt_time(o.canceled_at());
    j["failed_at"] = opt_time(o.failed_at());
    j["replaced_at"] = opt_time(o.replaced_at());
    j["replaced_by"] = o.replaced_by() ? json::value(o.replaced_by()->str()) : json::value(nullptr);
    j["replaces"] = o.replaces() ? json::value(o.replaces()->str()) : json::value(nullptr);
    j["symbol"] = r.symbol.str();
    j["asset_class"] = "us_equity";
    j["notional"] = opt_text(r.notional);
    j["qty"] = opt_text(r.qty);
    j["filled_qty"] = o.filled_qty().to_string();
    j["filled_avg_price"] = opt_text(o.filled_avg_price());
    j["order_class"] = core::to_string(r.order_class);
    j["order_type"] = core::to_string(r.type);
    j["type"] = core::to_string(r.type);
    j["side"] = core::to_string(r.side);
    j["time_in_force"] = core::to_string(r.time_in_force);
    j["limit_price"] = opt_text(r.limit_price);
    j["stop_price"] = opt_text(r.stop_price);
    j["trail_price"] = opt_text(r.trail_price);
    j["trail_percent"] = opt_text(r.trail_percent);
    j["status"] = core::to_string(o.status());
    j["extended_hours"] = r.extended_hours;
    j["legs"] = nullptr;
    j["commission"] = o.commission().to_string();
    if (r.take_profit) j["take_profit"] = {{"limit_price", r.take_profit->limit_price.to_string()}};
    if (r.stop_loss) {
        j["stop_loss"] = {{"stop_price", r.stop_loss->stop_price.to_string()},
                          {"limit_price", opt_text(r.stop_loss->limit_price)}};
    }
    return j;
}

json::object to_json(const core::Fill& f) {
    return {{"id", f.execution_id},
            {"order_id", f.order_id.str()},
            {"symbol", f.symbol.str()},
            {"side", core::to_string(f.side)},
            {"qty", f.qty.to_string()},
            {"price", f.price.to_string()},
            {"commission", f.commission.to_string()},
            {"timestamp", f.ts_event.to_iso8601()},
            {"ts_init", f.ts_init.to_iso8601()}};
}

json::object to_json(const engine::Quote& q) {
    return {{"symbol", q.symbol.str()},     {"t", q.ts.to_iso8601()},
            {"bp", q.bid.to_string()},      {"ap", q.ask.to_string()},
            {"bs", q.bid_size.to_string()}, {"as", q.ask_size.to_string()}};
}

json::object to_json(const engine::Bar& b) {
    json::object j{{"symbol", b.symbol.str()},  {"t", b.ts.to_iso8601()},
                   {"o", b.open.to_string()},   {"h", b.high.to_string()},
                   {"l", b.low.to_string()},    {"c", b.close.to_string()},
                   {"v", b.volume.to_string()}, {"n", b.trade_count}};
    if (b.vwap) j["vw"] = b.vwap->to_string();
    return j;
}

json::array latest_bars_json(const std::vector<engine::Bar>& bars, std::size_t limit) {
    json::array out;
    const std::size_t first = bars.size() > limit ? bars.size() - limit : 0;
    for (std::size_t i = first; i < bars.size(); ++i) {
        out.push_back(to_json(bars[i]));
    }
    return out;
}

json::object to_json(const core::Position& p, std::optional<core::Price> mark) {
    const core::Quantity qty = p.qty();
    const core::Money cost = p.cost_basis();
    const core::Price price = mark ? *mark : p.avg_entry_price().value_or(core::Price{});
    const core::Money value = price * qty;
    const core::Money unrealized = value - cost;
    json::object j;
    j["symbol"] = p.symbol().str();
    j["asset_class"] = "us_equity";
    j["qty"] = qty.to_string();
    j["side"] = qty < core::Quantity{} ? "short" : "long";
    j["avg_entry_price"] = opt_text(p.avg_entry_price());
    j["market_value"] = value.to_string(2, core::Rounding::HalfEven);
    j["cost_basis"] = cost.to_string(2, core::Rounding::HalfEven);
    j["unrealized_pl"] = unrealized.to_string(2, core::Rounding::HalfEven);
    j["realized_pl"] = p.realized_pnl().to_string(2, core::Rounding::HalfEven);
    j["current_price"] = price.to_string();
    return j;
}

core::Result<std::optional<std::string>> string_field(const json::object& o,
                                                      std::string_view name) {
    const auto* v = o.if_contains(name);
    if (!v || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string()) return field_error(name, "must be a string");
    return std::optional<std::string>{std::string{v->get_string()}};
}

core::Result<std::optional<std::string>> decimal_text(const json::object& o,
                                                      std::string_view name) {
    const auto* v = o.if_contains(name);
    if (!v || v->is_null()) return std::optional<std::string>{};
    if (v->is_string()) return std::optional<std::string>{std::string{v->get_string()}};
    if (v->is_int64()) return std::optional<std::string>{std::to_string(v->get_int64())};
    if (v->is_uint64()) return std::optional<std::string>{std::to_string(v->get_uint64())};
    if (v->is_double()) {
        const double d = v->get_double();
        if (!std::isfinite(d)) return field_error(name, "must be a finite number");
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
        if (ec != std::errc{}) return field_error(name, "number out of range");
        return std::optional<std::string>{std::string{buf, end}};
    }
    return field_error(name, "must be a decimal string or a number");
}

core::Result<std::optional<bool>> bool_field(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (!v || v->is_null()) return std::optional<bool>{};
    if (!v->is_bool()) return field_error(name, "must be true or false");
    return std::optional<bool>{v->get_bool()};
}

namespace {

template <typename T>
core::Result<std::optional<T>> decimal_field(const json::object& o, std::string_view name) {
    auto text = decimal_text(o, name);
    if (!text) return text.error();
    if (!*text) return std::optional<T>{};
    auto v = T::parse(**text);
    if (!v) return field_error(name, v.error().message);
    return std::optional<T>{*v};
}

/// Reads the decimal `name` into `out` when it is there.
template <typename T>
core::Result<void> read_decimal(const json::object& o, std::string_view name,
                                std::optional<T>& out) {
    auto v = decimal_field<T>(o, name);
    if (!v) return v.error();
    if (*v) out = **v;
    return {};
}

/// Reads the string `name` through `parse` into `out` when it is there.
template <typename Parse, typename Out>
core::Result<void> read_text(const json::object& o, std::string_view name, Parse parse, Out& out) {
    auto text = string_field(o, name);
    if (!text) return text.error();
    if (!*text) return {};
    auto v = parse(**text);
    if (!v) return field_error(name, v.error().message);
    out = *v;
    return {};
}

/// The first error of fields read in order, if any.
core::Result<void> first_error(std::initializer_list<core::Result<void>> reads) {
    for (const auto& r : reads) {
        if (!r) return r.error();
    }
    return {};
}

core::Result<core::ClientOrderId> parse_client_order_id(std::string_view text) {
    return core::ClientOrderId::parse(text);
}

}  // namespace

core::Result<core::OrderChange> order_change_from_json(const json::value& body) {
    if (!body.is_object()) return Error{Errc::InvalidArgument, "the change must be a JSON object"};
    const auto& o = body.get_object();
    core::OrderChange c;
    // In the order of Alpaca's documentation: the first bad field is the one named.
    auto ok =
        first_error({read_decimal(o, "qty", c.qty),
                     read_text(o, "time_in_force", core::parse_time_in_force, c.time_in_force),
                     read_decimal(o, "limit_price", c.limit_price),
                     read_decimal(o, "stop_price", c.stop_price), read_decimal(o, "trail", c.trail),
                     read_text(o, "client_order_id", parse_client_order_id, c.client_order_id)});
    if (!ok) return ok.error();
    return c;
}

core::Result<core::OrderRequest> order_request_from_json(const json::value& body) {
    if (!body.is_object()) return Error{Errc::InvalidArgument, "the order must be a JSON object"};
    const auto& o = body.get_object();
    core::OrderRequest r;

    auto symbol = string_field(o, "symbol");
    if (!symbol) return symbol.error();
    if (!*symbol) return field_error("symbol", "is required");
    auto sym = core::Symbol::parse(**symbol);
    if (!sym) return field_error("symbol", sym.error().message);
    r.symbol = *sym;

    auto side = string_field(o, "side");
    if (!side) return side.error();
    if (!*side) return field_error("side", "is required");
    auto s = core::parse_side(**side);
    if (!s) return field_error("side", s.error().message);
    r.side = *s;

    auto ok = first_error(
        {read_text(o, "type", core::parse_order_type, r.type),
         read_text(o, "time_in_force", core::parse_time_in_force, r.time_in_force),
         read_text(o, "order_class", core::parse_order_class, r.order_class),
         read_decimal(o, "qty", r.qty), read_decimal(o, "notional", r.notional),
         read_decimal(o, "limit_price", r.limit_price), read_decimal(o, "stop_price", r.stop_price),
         read_decimal(o, "trail_price", r.trail_price),
         read_decimal(o, "trail_percent", r.trail_percent)});
    if (!ok) return ok.error();

    if (const auto* tp = o.if_contains("take_profit"); tp && !tp->is_null()) {
        if (!tp->is_object()) return field_error("take_profit", "must be an object");
        auto lp = decimal_field<core::Price>(tp->get_object(), "limit_price");
        if (!lp) return field_error("take_profit", lp.error().message);
        if (!*lp) return field_error("take_profit.limit_price", "is required");
        r.take_profit = core::TakeProfit{**lp};
    }
    if (const auto* sl = o.if_contains("stop_loss"); sl && !sl->is_null()) {
        if (!sl->is_object()) return field_error("stop_loss", "must be an object");
        auto sp = decimal_field<core::Price>(sl->get_object(), "stop_price");
        if (!sp) return field_error("stop_loss", sp.error().message);
        if (!*sp) return field_error("stop_loss.stop_price", "is required");
        auto lp = decimal_field<core::Price>(sl->get_object(), "limit_price");
        if (!lp) return field_error("stop_loss", lp.error().message);
        r.stop_loss = core::StopLoss{**sp, *lp};
    }
    auto ext = bool_field(o, "extended_hours");
    if (!ext) return ext.error();
    r.extended_hours = ext->value_or(false);

    if (auto read = read_text(o, "client_order_id", parse_client_order_id, r.client_order_id);
        !read) {
        return read.error();
    }
    if (auto valid = core::validate(r); !valid) return valid.error();
    return r;
}

namespace {

template <typename T>
core::Result<T> required(const json::object& o, std::string_view name) {
    auto v = decimal_field<T>(o, name);
    if (!v) return v.error();
    if (!*v) return field_error(name, "is required");
    return **v;
}

core::Result<core::Timestamp> time_field(const json::object& o, std::string_view name) {
    auto text = string_field(o, name);
    if (!text) return text.error();
    if (!*text) return field_error(name, "is required");
    auto t = core::Timestamp::parse(**text);
    if (!t) return field_error(name, t.error().message);
    return *t;
}

core::Result<core::Symbol> symbol_field(const json::object& o) {
    auto text = string_field(o, "symbol");
    if (!text) return text.error();
    if (!*text) return field_error("symbol", "is required");
    auto s = core::Symbol::parse(**text);
    if (!s) return field_error("symbol", s.error().message);
    return *s;
}

}  // namespace

core::Result<core::Fill> fill_from_json(const json::object& o) {
    core::Fill f;
    auto id = string_field(o, "id");
    if (!id || !*id) return field_error("id", "is required");
    f.execution_id = **id;
    auto order = string_field(o, "order_id");
    if (!order || !*order) return field_error("order_id", "is required");
    auto oid = core::OrderId::parse(**order);
    if (!oid) return oid.error();
    f.order_id = *oid;
    auto sym = symbol_field(o);
    if (!sym) return sym.error();
    f.symbol = *sym;
    auto side = string_field(o, "side");
    if (!side || !*side) return field_error("side", "is required");
    auto s = core::parse_side(**side);
    if (!s) return s.error();
    f.side = *s;
    auto qty = required<core::Quantity>(o, "qty");
    if (!qty) return qty.error();
    f.qty = *qty;
    auto price = required<core::Price>(o, "price");
    if (!price) return price.error();
    f.price = *price;
    auto commission = required<core::Money>(o, "commission");
    if (!commission) return commission.error();
    f.commission = *commission;
    auto ts = time_field(o, "timestamp");
    if (!ts) return ts.error();
    f.ts_event = *ts;
    auto init = time_field(o, "ts_init");
    if (!init) return init.error();
    f.ts_init = *init;
    return f;
}

core::Result<engine::Quote> quote_from_json(const json::object& o) {
    engine::Quote q;
    auto sym = symbol_field(o);
    if (!sym) return sym.error();
    q.symbol = *sym;
    auto ts = time_field(o, "t");
    if (!ts) return ts.error();
    q.ts = *ts;
    auto bid = required<core::Price>(o, "bp");
    auto ask = required<core::Price>(o, "ap");
    auto bs = required<core::Quantity>(o, "bs");
    auto as = required<core::Quantity>(o, "as");
    if (!bid) return bid.error();
    if (!ask) return ask.error();
    if (!bs) return bs.error();
    if (!as) return as.error();
    q.bid = *bid;
    q.ask = *ask;
    q.bid_size = *bs;
    q.ask_size = *as;
    return q;
}

core::Result<engine::Bar> bar_from_json(const json::object& o) {
    engine::Bar b;
    auto sym = symbol_field(o);
    if (!sym) return sym.error();
    b.symbol = *sym;
    auto ts = time_field(o, "t");
    if (!ts) return ts.error();
    b.ts = *ts;
    auto open = required<core::Price>(o, "o");
    auto high = required<core::Price>(o, "h");
    auto low = required<core::Price>(o, "l");
    auto close = required<core::Price>(o, "c");
    auto volume = required<core::Quantity>(o, "v");
    if (!open) return open.error();
    if (!high) return high.error();
    if (!low) return low.error();
    if (!close) return close.error();
    if (!volume) return volume.error();
    b.open = *open;
    b.high = *high;
    b.low = *low;
    b.close = *close;
    b.volume = *volume;
    auto vwap = decimal_field<core::Price>(o, "vw");
    if (!vwap) return vwap.error();
    b.vwap = *vwap;
    if (const auto* n = o.if_contains("n"); n && n->is_number()) {
        b.trade_count = n->to_number<std::uint64_t>();
    }
    return b;
}

json::object to_json(const engine::RiskLimits& l) {
    json::object j;
    j["max_order_qty"] = opt_text(l.max_order_qty);
    j["max_order_notional"] = opt_text(l.max_order_notional);
    j["max_position_qty"] = opt_text(l.max_position_qty);
    j["max_position_notional"] = opt_text(l.max_position_notional);
    j["max_gross_exposure"] = opt_text(l.max_gross_exposure);
    j["max_open_orders"] =
        l.max_open_orders ? json::value(*l.max_open_orders) : json::value(nullptr);
    j["max_orders_per_second"] =
        l.max_orders_per_second ? json::value(*l.max_orders_per_second) : json::value(nullptr);
    j["price_collar_percent"] = opt_text(l.price_collar_percent);
    j["max_daily_loss"] = opt_text(l.max_daily_loss);
    j["max_drawdown"] = l.max_drawdown ? json::value(*l.max_drawdown) : json::value(nullptr);
    j["allow_short"] = l.allow_short;
    j["check_buying_power"] = l.check_buying_power;
    return j;
}

namespace {

template <typename T>
core::Result<void> set_decimal(const json::object& o, std::string_view name,
                               std::optional<T>& out) {
    const auto* v = o.if_contains(name);
    if (!v) return {};
    auto parsed = decimal_field<T>(o, name);
    if (!parsed) return parsed.error();
    if (*parsed && !(**parsed > T{})) return field_error(name, "must be positive");
    out = *parsed;
    return {};
}

template <typename T>
core::Result<void> set_count(const json::object& o, std::string_view name, std::optional<T>& out) {
    const auto* v = o.if_contains(name);
    if (!v) return {};
    if (v->is_null()) {
        out.reset();
        return {};
    }
    if (!v->is_int64() && !v->is_uint64()) return field_error(name, "must be a whole number");
    if (v->is_int64() && v->get_int64() <= 0) return field_error(name, "must be positive");
    const auto n = v->to_number<std::uint64_t>();
    if (n > 1'000'000'000) return field_error(name, "is too large");
    out = static_cast<T>(n);
    return {};
}

}  // namespace

core::Result<engine::RiskLimits> risk_limits_from_json(const json::object& o,
                                                       engine::RiskLimits l) {
    static constexpr std::string_view known[] = {
        "max_order_qty",         "max_order_notional",   "max_position_qty",
        "max_position_notional", "max_gross_exposure",   "max_open_orders",
        "max_orders_per_second", "price_collar_percent", "max_daily_loss",
        "max_drawdown",          "allow_short",          "check_buying_power"};
    for (const auto& kv : o) {
        bool ok = false;
        for (auto k : known) {
            ok = ok || kv.key() == k;
        }
        if (!ok) return field_error(kv.key(), "is not a risk limit");
    }
    for (const auto& r : {set_decimal(o, "max_order_qty", l.max_order_qty),
                          set_decimal(o, "max_order_notional", l.max_order_notional),
                          set_decimal(o, "max_position_qty", l.max_position_qty),
                          set_decimal(o, "max_position_notional", l.max_position_notional),
                          set_decimal(o, "max_gross_exposure", l.max_gross_exposure),
                          set_decimal(o, "price_collar_percent", l.price_collar_percent),
                          set_decimal(o, "max_daily_loss", l.max_daily_loss),
                          set_count(o, "max_open_orders", l.max_open_orders),
                          set_count(o, "max_orders_per_second", l.max_orders_per_second)}) {
        if (!r) return r.error();
    }
    if (const auto* v = o.if_contains("max_drawdown")) {
        if (v->is_null()) {
            l.max_drawdown.reset();
        } else {
            if (!v->is_number()) return field_error("max_drawdown", "must be a number");
            const double d = v->to_number<double>();
            if (!(d > 0 && d < 1)) return field_error("max_drawdown", "must be between 0 and 1");
            l.max_drawdown = d;
        }
    }
    for (auto [name, field] : {std::pair{"allow_short", &l.allow_short},
                               std::pair{"check_buying_power", &l.check_buying_power}}) {
        auto b = bool_field(o, name);
        if (!b) return b.error();
        if (*b) *field = **b;
    }
    return l;
}

core::Result<engine::StrategyParams> strategy_params_from_json(const json::object& o) {
    engine::StrategyParams params;
    const auto* p = o.if_contains("params");
    if (!p || p->is_null()) return params;
    if (!p->is_object()) return core::invalid("params: must be an object");
    for (const auto& kv : p->get_object()) {
        auto text = decimal_text(p->get_object(), kv.key());
        if (text && *text) {
            params[std::string{kv.key()}] = **text;
        } else if (kv.value().is_string()) {
            params[std::string{kv.key()}] = std::string{kv.value().get_string()};
        } else {
            return core::invalid("params." + std::string{kv.key()} +
                                 ": must be a number or a string");
        }
    }
    return params;
}

core::Result<std::size_t> limit_param(const net::Request& req, std::size_t fallback,
                                      std::size_t max) {
    auto l = req.query_param("limit");
    if (!l) return fallback;
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), n);
    if (ec != std::errc{} || end != l->data() + l->size() || n == 0 || n > max) {
        return core::invalid("limit must be a whole number from 1 to " + std::to_string(max));
    }
    return n;
}

core::Result<bool> flag_param(const net::Request& req, std::string_view name) {
    auto v = req.query_param(name);
    if (!v || *v == "false") return false;
    if (*v == "true") return true;
    return core::invalid(std::string{name} + " must be true or false");
}

core::Result<json::object> parse_object(std::string_view body) {
    json::parse_options options;
    options.max_depth = 32;
    boost::system::error_code ec;
    json::value v = json::parse(body, ec, {}, options);
    if (ec) return Error{Errc::InvalidArgument, "malformed JSON: " + ec.message()};
    if (!v.is_object()) return Error{Errc::InvalidArgument, "the body must be a JSON object"};
    return std::move(v.get_object());
}

}  // namespace meridian::services
