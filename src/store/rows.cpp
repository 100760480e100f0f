// Rows: domain values to column text and back, one definition for every SQL adapter.
#include "store/rows.hpp"

#include <charconv>

namespace meridian::store {

namespace {

template <typename T>
Cell text_of(const std::optional<T>& v) {
    if (!v) return std::nullopt;
    return v->to_string();
}

Cell time_of(const std::optional<core::Timestamp>& t) {
    if (!t) return std::nullopt;
    return std::to_string(t->ns());
}

Cell time_of(core::Timestamp t) {
    return std::to_string(t.ns());
}

/// Reads a row's cells, remembering the first thing wrong with them.
class Reader {
public:
    Reader(const Row& row, std::string_view what) : row_{row}, what_{what} {}

    const std::string& text(std::size_t i) {
        static const std::string empty;
        if (i >= row_.size() || !row_[i]) {
            fail(i, "is missing");
            return empty;
        }
        return *row_[i];
    }
    bool is_null(std::size_t i) const { return i >= row_.size() || !row_[i]; }
    std::int64_t integer(std::size_t i) {
        const std::string& t = text(i);
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec != std::errc{} || p != t.data() + t.size()) fail(i, "is not an integer");
        return v;
    }
    core::Timestamp time(std::size_t i) { return core::Timestamp::from_ns(integer(i)); }
    std::optional<core::Timestamp> optional_time(std::size_t i) {
        if (is_null(i)) return std::nullopt;
        return time(i);
    }
    /// Parses with T::parse-like `parse`; a default value after an error.
    template <typename T, typename Parse>
    T parsed(std::size_t i, Parse parse) {
        auto v = parse(text(i));
        if (!v) {
            fail(i, v.error().message);
            return T{};
        }
        return *v;
    }
    template <typename T, typename Parse>
    std::optional<T> optional(std::size_t i, Parse parse) {
        if (is_null(i)) return std::nullopt;
        return parsed<T>(i, parse);
    }
    core::Result<void> result() const {
        if (error_) return core::Error{core::Errc::Internal, *error_};
        return {};
    }

private:
    void fail(std::size_t i, std::string_view why) {
        if (!error_) {
            error_ = "stored " + std::string{what_} + ": column " + std::to_string(i + 1) + " " +
                     std::string{why};
        }
    }
    const Row& row_;
    std::string_view what_;
    std::optional<std::string> error_;
};

}  // namespace

namespace {

/// Appends a listing's common filters to `out`: symbol IN (...), then `time` strictly after
/// `after` and strictly before `until` (Alpaca's window).
void add_symbols_and_window(ListSql& out, char marker, const std::vector<core::Symbol>& symbols,
                            std::string_view time, const std::optional<core::Timestamp>& after,
                            const std::optional<core::Timestamp>& until,
                            std::string_view time_cast) {
    auto param = [&] { return std::string(1, marker) + std::to_string(out.args.size() + 1); };
    std::string& w = out.clause;
    if (!symbols.empty()) {
        w += " AND symbol IN (";
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            w += (i ? ", " : "") + param();
            out.args.emplace_back(symbols[i].str());
        }
        w += ")";
    }
    for (auto [bound, op] : {std::pair{&after, " > "}, std::pair{&until, " < "}}) {
        if (!*bound) continue;
        w += " AND " + std::string{time} + op + param() + std::string{time_cast};
        out.args.emplace_back((*bound)->ns());
    }
}

}  // namespace

ListSql order_list_sql(const OrderQuery& q, char marker, std::string_view tiebreak,
                       std::string_view time_cast) {
    ListSql out;
    auto param = [&] { return std::string(1, marker) + std::to_string(out.args.size() + 1); };
    std::string& w = out.clause;
    w = "WHERE 1 = 1";
    const std::string final_states{kFinalStatuses};
    if (q.status == OrderQuery::Status::Open) w += " AND " + std::string{kOpenOrderPredicate};
    if (q.status == OrderQuery::Status::Closed) w += " AND status IN " + final_states;
    if (q.nested) {
        // A leg comes with its entry when the entry is listed too (same status class; legs
        // share its symbol): a filled entry's working exits still show under status=open.
        std::string entry_listed = "SELECT 1 FROM orders p WHERE p.id = orders.parent_id";
        if (q.status == OrderQuery::Status::Open) {
            entry_listed += " AND " + std::string{kOpenOrderPredicate};
        }
        if (q.status == OrderQuery::Status::Closed) {
            entry_listed += " AND status IN " + final_states;
        }
        w += " AND (parent_id IS NULL OR NOT EXISTS (" + entry_listed + "))";
    }
    if (q.side) {
        w += " AND side = " + param();
        out.args.emplace_back(std::string{core::to_string(*q.side)});
    }
    add_symbols_and_window(out, marker, q.symbols, "created_at", q.after, q.until, time_cast);
    const std::string tb{tiebreak};
    w += q.ascending ? " ORDER BY created_at, " + tb : " ORDER BY created_at DESC, " + tb + " DESC";
    w += " LIMIT " + std::to_string(q.limit);
    return out;
}

ListSql fill_list_sql(const FillQuery& q, char marker, std::string_view time_cast) {
    ListSql out;
    auto param = [&] { return std::string(1, marker) + std::to_string(out.args.size() + 1); };
    std::string& w = out.clause;
    w = "SELECT " + std::string{kFillColumns} + " FROM fills WHERE 1 = 1";
    add_symbols_and_window(out, marker, q.symbols, "ts_event", q.after, q.until, time_cast);
    if (q.page_token) {
        // After the token's fill in the listing's order: (time, execution id) beyond its own.
        const std::string token = param();
        out.args.emplace_back(*q.page_token);
        w += std::string{" AND (ts_event, execution_id) "} + (q.ascending ? ">" : "<") +
             " (SELECT ts_event, execution_id FROM fills WHERE execution_id = " + token + ")";
    }
    w += q.ascending ? " ORDER BY ts_event, execution_id"
                     : " ORDER BY ts_event DESC, execution_id DESC";
    w += " LIMIT " + std::to_string(q.limit);
    return out;
}

Row order_row(const core::Order& order, std::string_view strategy, const OrderLinks& links) {
    const core::OrderRequest& r = order.request();
    Row row;
    row.reserve(kOrderColumnCount);
    row.emplace_back(order.id().str());
    row.emplace_back(order.client_order_id().str());
    row.emplace_back(std::string{strategy});
    row.emplace_back(r.symbol.str());
    row.emplace_back(std::string{core::to_string(r.side)});
    row.emplace_back(std::string{core::to_string(r.type)});
    row.emplace_back(std::string{core::to_string(r.time_in_force)});
    row.emplace_back(std::string{core::to_string(r.order_class)});
    row.push_back(text_of(r.qty));
    row.push_back(text_of(r.notional));
    row.push_back(text_of(r.limit_price));
    row.push_back(text_of(r.stop_price));
    row.push_back(text_of(r.trail_price));
    row.push_back(text_of(r.trail_percent));
    row.push_back(r.take_profit ? Cell{r.take_profit->limit_price.to_string()} : std::nullopt);
    row.push_back(r.stop_loss ? Cell{r.stop_loss->stop_price.to_string()} : std::nullopt);
    row.push_back(r.stop_loss ? text_of(r.stop_loss->limit_price) : std::nullopt);
    row.emplace_back(r.extended_hours ? "1" : "0");
    Row state = order_state_row(order);
    // status, filled_qty, filled_notional, commission, created_at, then updated_at onwards.
    row.insert(row.end(), state.begin(), state.begin() + 4);
    row.push_back(time_of(order.created_at()));
    row.insert(row.end(), state.begin() + 4, state.end());
    row.push_back(links.parent ? Cell{links.parent->str()} : std::nullopt);
    row.push_back(links.oco_peer ? Cell{links.oco_peer->str()} : std::nullopt);
    row.push_back(order.replaces() ? Cell{order.replaces()->str()} : std::nullopt);
    return row;
}

Row order_state_row(const core::Order& o) {
    // From the accessors, not snapshot(): that copies and sorts every execution id, on every
    // fill of an order filled in many parts.
    return Row{std::string{core::to_string(o.status())},
               o.filled_qty().to_string(),
               o.filled_notional().to_string(),
               o.commission().to_string(),
               time_of(o.updated_at()),
               time_of(o.submitted_at()),
               time_of(o.filled_at()),
               time_of(o.canceled_at()),
               time_of(o.expired_at()),
               time_of(o.failed_at()),
               time_of(o.replaced_at()),
               o.replaced_by() ? Cell{o.replaced_by()->str()} : std::nullopt};
}

core::Result<StoredOrder> order_from_row(const Row& row, std::vector<std::string> execution_ids) {
    Reader in{row, "order"};
    core::OrderSnapshot s;
    s.id = in.parsed<core::OrderId>(0, core::OrderId::parse);
    s.client_order_id = in.parsed<core::ClientOrderId>(1, core::ClientOrderId::parse);
    std::string strategy = in.text(2);
    auto& r = s.request;
    r.symbol = in.parsed<core::Symbol>(3, core::Symbol::parse);
    r.side = in.parsed<core::Side>(4, core::parse_side);
    r.type = in.parsed<core::OrderType>(5, core::parse_order_type);
    r.time_in_force = in.parsed<core::TimeInForce>(6, core::parse_time_in_force);
    r.order_class = in.parsed<core::OrderClass>(7, core::parse_order_class);
    r.qty = in.optional<core::Quantity>(8, core::Quantity::parse);
    r.notional = in.optional<core::Money>(9, core::Money::parse);
    r.limit_price = in.optional<core::Price>(10, core::Price::parse);
    r.stop_price = in.optional<core::Price>(11, core::Price::parse);
    r.trail_price = in.optional<core::Price>(12, core::Price::parse);
    r.trail_percent = in.optional<core::Price>(13, core::Price::parse);
    if (auto tp = in.optional<core::Price>(14, core::Price::parse)) {
        r.take_profit = core::TakeProfit{*tp};
    }
    if (auto sl = in.optional<core::Price>(15, core::Price::parse)) {
        r.stop_loss = core::StopLoss{*sl, in.optional<core::Price>(16, core::Price::parse)};
    }
    r.extended_hours = in.integer(17) != 0;
    s.status = in.parsed<core::OrderStatus>(18, core::parse_order_status);
    s.filled_qty = in.parsed<core::Quantity>(19, core::Quantity::parse);
    s.filled_notional = in.parsed<core::Money>(20, core::Money::parse);
    s.commission = in.parsed<core::Money>(21, core::Money::parse);
    s.created_at = in.time(22);
    s.updated_at = in.time(23);
    s.submitted_at = in.optional_time(24);
    s.filled_at = in.optional_time(25);
    s.canceled_at = in.optional_time(26);
    s.expired_at = in.optional_time(27);
    s.failed_at = in.optional_time(28);
    s.replaced_at = in.optional_time(29);
    s.replaced_by = in.optional<core::OrderId>(30, core::OrderId::parse);
    OrderLinks links{in.optional<core::OrderId>(31, core::OrderId::parse),
                     in.optional<core::OrderId>(32, core::OrderId::parse)};
    s.replaces = in.optional<core::OrderId>(33, core::OrderId::parse);
    s.execution_ids = std::move(execution_ids);
    if (auto ok = in.result(); !ok) return ok.error();
    auto order = core::Order::restore(std::move(s));
    if (!order) return core::Error{core::Errc::Internal, "stored order: " + order.error().message};
    return StoredOrder{std::move(*order), std::move(strategy), std::move(links)};
}

Row fill_row(const core::Fill& f) {
    return Row{f.execution_id,           f.order_id.str(),
               f.symbol.str(),           std::string{core::to_string(f.side)},
               f.qty.to_string(),        f.price.to_string(),
               f.commission.to_string(), time_of(f.ts_event),
               time_of(f.ts_init)};
}

core::Result<core::Fill> fill_from_row(const Row& row) {
    Reader in{row, "fill"};
    core::Fill f;
    f.execution_id = in.text(0);
    f.order_id = in.parsed<core::OrderId>(1, core::OrderId::parse);
    f.symbol = in.parsed<core::Symbol>(2, core::Symbol::parse);
    f.side = in.parsed<core::Side>(3, core::parse_side);
    f.qty = in.parsed<core::Quantity>(4, core::Quantity::parse);
    f.price = in.parsed<core::Price>(5, core::Price::parse);
    f.commission = in.parsed<core::Money>(6, core::Money::parse);
    f.ts_event = in.time(7);
    f.ts_init = in.time(8);
    if (auto ok = in.result(); !ok) return ok.error();
    return f;
}

Row bar_row(const StoredBar& b) {
    return Row{b.symbol.str(),      b.timeframe,
               time_of(b.ts),       b.open.to_string(),
               b.high.to_string(),  b.low.to_string(),
               b.close.to_string(), b.volume.to_string(),
               text_of(b.vwap),     std::to_string(b.trade_count)};
}

core::Result<StoredBar> bar_from_row(const Row& row) {
    Reader in{row, "bar"};
    StoredBar b;
    b.symbol = in.parsed<core::Symbol>(0, core::Symbol::parse);
    b.timeframe = in.text(1);
    b.ts = in.time(2);
    b.open = in.parsed<core::Price>(3, core::Price::parse);
    b.high = in.parsed<core::Price>(4, core::Price::parse);
    b.low = in.parsed<core::Price>(5, core::Price::parse);
    b.close = in.parsed<core::Price>(6, core::Price::parse);
    b.volume = in.parsed<core::Quantity>(7, core::Quantity::parse);
    b.vwap = in.optional<core::Price>(8, core::Price::parse);
    b.trade_count = static_cast<std::uint64_t>(in.integer(9));
    if (auto ok = in.result(); !ok) return ok.error();
    return b;
}

Row key_row(const ApiKey& k) {
    return Row{k.id, k.hash, k.role, k.label, time_of(k.created_at), time_of(k.revoked_at)};
}

core::Result<ApiKey> key_from_row(const Row& row) {
    Reader in{row, "key"};
    ApiKey k{in.text(0), in.text(1), in.text(2), in.text(3), in.time(4), in.optional_time(5)};
    if (auto ok = in.result(); !ok) return ok.error();
    return k;
}

Row audit_row(const AuditEntry& e) {
    return Row{time_of(e.ts), e.principal, e.action, e.target, std::to_string(e.status), e.detail};
}

core::Result<AuditEntry> audit_from_row(const Row& row) {
    Reader in{row, "audit entry"};
    AuditEntry e{in.integer(0), in.time(1), in.text(2),
                 in.text(3),    in.text(4), static_cast<int>(in.integer(5)),
                 in.text(6)};
    if (auto ok = in.result(); !ok) return ok.error();
    return e;
}

Row equity_row(const EquityPoint& p) {
    return Row{time_of(p.ts), p.equity.to_string(), p.cash.to_string()};
}

core::Result<EquityPoint> equity_from_row(const Row& row) {
    Reader in{row, "equity point"};
    EquityPoint p{in.time(0), in.parsed<core::Money>(1, core::Money::parse),
                  in.parsed<core::Money>(2, core::Money::parse)};
    if (auto ok = in.result(); !ok) return ok.error();
    return p;
}

}  // namespace meridian::store
