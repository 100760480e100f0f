// Rows: how the domain types map onto the schema's columns, shared by every SQL adapter so
// that SQLite and PostgreSQL store and read exactly the same text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/store.hpp"

namespace meridian::store {

/// One column's value as text (decimals exact, times int64 nanoseconds); nullopt is NULL.
using Cell = std::optional<std::string>;
using Row = std::vector<Cell>;

/// The orders table's columns, in the order order_row() fills and order_from_row() reads.
inline constexpr std::string_view kOrderColumns =
    "id, client_order_id, strategy, symbol, side, type, time_in_force, order_class, qty, notional, "
    "limit_price, stop_price, trail_price, trail_percent, take_profit_limit, stop_loss_stop, "
    "stop_loss_limit, extended_hours, status, filled_qty, filled_notional, commission, created_at, "
    "updated_at, submitted_at, filled_at, canceled_at, expired_at, failed_at, replaced_at, "
    "replaced_by, parent_id, oco_peer_id, replaces";
inline constexpr std::size_t kOrderColumnCount = 34;
/// The columns an update changes (status ... replaced_by), in order_state_row()'s order.
inline constexpr std::string_view kOrderStateColumns[] = {
    "status",    "filled_qty",  "filled_notional", "commission", "updated_at",  "submitted_at",
    "filled_at", "canceled_at", "expired_at",      "failed_at",  "replaced_at", "replaced_by"};

Row order_row(const core::Order& order, std::string_view strategy, const OrderLinks& links = {});
Row order_state_row(const core::Order& order);
/// An order from its columns and the execution ids of its fills; Internal if unreadable.
core::Result<StoredOrder> order_from_row(const Row& row, std::vector<std::string> execution_ids);

inline constexpr std::string_view kFillColumns =
    "execution_id, order_id, symbol, side, qty, price, commission, ts_event, ts_init";
/// Every fill (kFillColumns, as `f`) with the strategy of its order `o`, unordered (each
/// adapter orders it its own way): each_strategy_fill.
inline constexpr std::string_view kStrategyFillsSelect =
    "SELECT f.execution_id, f.order_id, f.symbol, f.side, f.qty, f.price, f.commission, "
    "f.ts_event, f.ts_init, o.strategy FROM fills f JOIN orders o ON o.id = f.order_id";
Row fill_row(const core::Fill& fill);
core::Result<core::Fill> fill_from_row(const Row& row);

inline constexpr std::string_view kBarColumns =
    "symbol, timeframe, ts, open, high, low, close, volume, vwap, trade_count";
Row bar_row(const StoredBar& bar);
core::Result<StoredBar> bar_from_row(const Row& row);

inline constexpr std::string_view kKeyColumns = "id, hash, role, label, created_at, revoked_at";
Row key_row(const ApiKey& key);
core::Result<ApiKey> key_from_row(const Row& row);

inline constexpr std::string_view kAuditColumns =
    "seq, ts, principal, action, target, status, detail";
/// Without seq (the database numbers entries).
Row audit_row(const AuditEntry& entry);
core::Result<AuditEntry> audit_from_row(const Row& row);

inline constexpr std::string_view kEquityColumns = "ts, equity, cash";
Row equity_row(const EquityPoint& point);
core::Result<EquityPoint> equity_from_row(const Row& row);

/// An order listing's "WHERE ... ORDER BY ... LIMIT n" (Alpaca's GET /orders filters) and its
/// parameters, numbered from 1 after `marker` ('?' for SQLite, '$' for PostgreSQL): symbols as
/// text, times as int64 nanoseconds. `tiebreak` orders equal creation times ("rowid", "id");
/// `time_cast` follows each time parameter (PostgreSQL: "::bigint").
struct ListSql {
    std::string clause;
    std::vector<std::variant<std::string, std::int64_t>> args;
};
ListSql order_list_sql(const OrderQuery& query, char marker, std::string_view tiebreak,
                       std::string_view time_cast = {});
/// `SELECT kFillColumns FROM fills ...` for a FillQuery; parameters written `marker`N, times
/// followed by `time_cast` (PostgreSQL's "::bigint").
ListSql fill_list_sql(const FillQuery& query, char marker, std::string_view time_cast = {});
/// The error for a FillQuery whose page_token names no fill.
inline core::Error unknown_page_token(const std::string& token) {
    return core::Error{core::Errc::NotFound, "page_token: no fill " + token};
}

/// The order statuses that are final, as an SQL list: "('filled', 'canceled', ...)".
inline constexpr std::string_view kFinalStatuses =
    "('filled', 'canceled', 'expired', 'replaced', 'rejected')";
/// An open order, as SQL: the predicate of the open-orders index (schema 007), word for word, so
/// that the databases see the index answers a query that has it.
inline constexpr std::string_view kOpenOrderPredicate =
    "status <> 'filled' AND status <> 'canceled' AND status <> 'expired' AND status <> 'replaced' "
    "AND status <> 'rejected'";

}  // namespace meridian::store
