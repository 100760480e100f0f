// Persistence ports: where orders and fills are kept so that none is lost (SQLite, PostgreSQL).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fill.hpp"
#include "core/order.hpp"
#include "core/result.hpp"

namespace meridian::store {

/// How an order is tied to others in an advanced order (schema 008): a bracket's or oto's exit
/// leg names its entry; each of two one-cancels-other orders may name the other.
struct OrderLinks {
    std::optional<core::OrderId> parent;
    std::optional<core::OrderId> oco_peer;
    bool operator==(const OrderLinks&) const = default;
};

/// An order as kept: the order, the strategy (or API user) that sent it, its links.
struct StoredOrder {
    core::Order order;
    std::string strategy;
    OrderLinks links;
};

/// A fill with the strategy (or API user) of its order.
struct StrategyFill {
    core::Fill fill;
    std::string strategy;
};

/// Which orders a listing returns (Alpaca's GET /v2/orders filters).
struct OrderQuery {
    enum class Status { Open, Closed, All };
    Status status = Status::Open;
    std::vector<core::Symbol> symbols;     // empty: all
    std::optional<core::Side> side;        // none: both
    std::optional<core::Timestamp> after;  // created strictly after
    std::optional<core::Timestamp> until;  // created strictly before (Alpaca's paging)
    std::size_t limit = 50;
    bool ascending = false;  // by creation time; newest first by default
    /// Alpaca's nested=true: an advanced order's legs are left out of the listing (they come
    /// with their entry: OrderStore::legs_of).
    bool nested = false;
};

/// Which fills a listing returns (GET /fills), by fill time (`ts_event`) and execution id.
struct FillQuery {
    std::vector<core::Symbol> symbols;     // empty: all
    std::optional<core::Timestamp> after;  // filled strictly after
    std::optional<core::Timestamp> until;  // filled strictly before
    /// The execution id of the last fill of the previous page: the page goes on after it (in
    /// the listing's direction), fills of the same time included.
    std::optional<std::string> page_token;
    std::size_t limit = 100;
    bool ascending = false;  // newest first by default
};

/// An event waiting in the outbox to be published: on `topic`, of `type`, JSON `payload`.
struct OutboxEvent {
    std::int64_t id = 0;  // increasing in commit order
    std::string topic;
    std::string type;
    std::string payload;
};

/// Orders and their fills. Every call is durable when it returns: an order inserted before a
/// broker sees it, and every fill recorded, survive the process being killed (kill -9).
/// Errors: Duplicate (an order id or client_order_id already kept), NotFound, Unavailable
/// (the database failed). Implementations block: callers run them off their event loop.
class OrderStore {
public:
    virtual ~OrderStore() = default;
    /// Keeps a new order. A client_order_id already kept is Duplicate and changes nothing.
    virtual core::Result<void> insert(const core::Order& order, std::string_view strategy,
                                      const OrderLinks& links) = 0;
    core::Result<void> insert(const core::Order& order, std::string_view strategy) {
        return insert(order, strategy, OrderLinks{});
    }
    /// Saves an order's new state (status, timestamps, replacement).
    virtual core::Result<void> update(const core::Order& order) = 0;
    /// Keeps a fill and the order it changed, atomically: true if kept, false if this execution
    /// id was kept before (nothing changes).
    virtual core::Result<bool> record_fill(const core::Fill& fill, const core::Order& order) = 0;

    virtual core::Result<std::optional<StoredOrder>> find(const core::OrderId& id) = 0;
    virtual core::Result<std::optional<StoredOrder>> find_by_client_order_id(
        const core::ClientOrderId& id) = 0;
    /// Orders not in a final state, oldest first.
    virtual core::Result<std::vector<StoredOrder>> open_orders() = 0;
    /// An advanced order's legs (the orders whose parent it is), oldest first.
    virtual core::Result<std::vector<StoredOrder>> legs_of(const core::OrderId& parent) = 0;
    /// Hands every fill to `f`, in the order they were recorded, without holding them all
    /// (a restart replays a history of any length in bounded memory). The first error stops it.
    virtual core::Result<void> each_fill(const std::function<void(const core::Fill&)>& f) = 0;
    /// The same, each with its order's strategy (one query, not one per order).
    virtual core::Result<void> each_strategy_fill(
        const std::function<void(const StrategyFill&)>& f) = 0;
    /// Fills as `query` says. NotFound if its page_token names no fill.
    virtual core::Result<std::vector<core::Fill>> list_fills(const FillQuery& query) = 0;
    /// The newest `limit` fills, newest first.
    core::Result<std::vector<core::Fill>> recent_fills(std::size_t limit) {
        FillQuery q;
        q.limit = limit;
        return list_fills(q);
    }
    /// Every fill, in the order they were recorded (each_fill, collected).
    core::Result<std::vector<core::Fill>> fills() {
        std::vector<core::Fill> out;
        auto ok = each_fill([&](const core::Fill& f) { out.push_back(f); });
        if (!ok) return ok.error();
        return out;
    }
    /// Every fill with its order's strategy (each_strategy_fill, collected).
    core::Result<std::vector<StrategyFill>> strategy_fills() {
        std::vector<StrategyFill> out;
        auto ok = each_strategy_fill([&](const StrategyFill& f) { out.push_back(f); });
        if (!ok) return ok.error();
        return out;
    }
    virtual core::Result<std::vector<StoredOrder>> list(const OrderQuery& query) = 0;
    /// Adds an event to the outbox and returns its id: inside transaction(), it commits (or
    /// not) with the change it describes, so an event is published if and only if its change is
    /// kept.
    virtual core::Result<std::int64_t> enqueue_event(const std::string& topic,
                                                     const std::string& type,
                                                     const std::string& payload,
                                                     core::Timestamp at) = 0;
    /// Outbox events with id > `after`, oldest first, at most `limit`.
    virtual core::Result<std::vector<OutboxEvent>> events_after(std::int64_t after,
                                                                std::size_t limit) = 0;
    /// Removes outbox events with id <= `id` (published, and the bus has them).
    virtual core::Result<void> remove_events_through(std::int64_t id) = 0;
    /// How a transaction() commits: Durable, on disk when it returns (new orders, fills); or
    /// Relaxed, without waiting for the disk, for changes a crash may take back because they
    /// are made again on restart (an order's acceptance by the paper broker, outbox cleanup).
    /// Inside a Durable transaction, or nested, it is whatever the outermost one is.
    enum class Commit { Durable, Relaxed };
    /// Inside a transaction(), each call (and each nested transaction()) is its own savepoint
    /// (PerCall), so a call that fails undoes only itself and the body may go on; or none is
    /// (None): a call that fails may leave the whole transaction unusable (PostgreSQL aborts
    /// it), so the body must then fail too, and all is rolled back. None is for a body that
    /// would give up at the first failure anyway: PostgreSQL then runs no subtransaction and
    /// half the round trips.
    enum class Savepoints { PerCall, None };
    /// Runs `body` (calls on this store) as one transaction: the group commit that lets many
    /// orders share one fsync. An error from `body` rolls back all.
    virtual core::Result<void> transaction(const std::function<core::Result<void>()>& body,
                                           Commit commit = Commit::Durable,
                                           Savepoints savepoints = Savepoints::PerCall) = 0;
};

/// An API key as kept: only the SHA-256 of the secret, never the secret.
struct ApiKey {
    std::string id;
    std::string hash;  // hex SHA-256 of the key
    std::string role;  // viewer, trader, admin
    std::string label;
    core::Timestamp created_at;
    std::optional<core::Timestamp> revoked_at;
};

class KeyStore {
public:
    virtual ~KeyStore() = default;
    virtual core::Result<void> add_key(const ApiKey& key) = 0;
    virtual core::Result<std::vector<ApiKey>> keys() = 0;
    /// The key with this hash (revoked or not), or nothing.
    virtual core::Result<std::optional<ApiKey>> find_key(const std::string& hash) = 0;
    /// Marks a key revoked; NotFound if there is no such key.
    virtual core::Result<void> revoke_key(const std::string& id, core::Timestamp at) = 0;
};

/// One state-changing request: who, what, when, and how it ended.
struct AuditEntry {
    std::int64_t seq = 0;
    core::Timestamp ts;
    std::string principal;  // the key id
    std::string action;     // "POST /orders"
    std::string target;     // the path
    int status = 0;         // the HTTP status answered
    std::string detail;
};

class AuditLog {
public:
    virtual ~AuditLog() = default;
    virtual core::Result<void> append(const AuditEntry& entry) = 0;
    /// Appends all, durably, in one transaction.
    virtual core::Result<void> append_all(const std::vector<AuditEntry>& entries) = 0;
    /// The latest entries, newest first.
    virtual core::Result<std::vector<AuditEntry>> recent(std::size_t limit) = 0;
};

/// A bar as kept: plain decimals (store depends on core only).
struct StoredBar {
    core::Symbol symbol;
    std::string timeframe;  // "1Min", "1Day"
    core::Timestamp ts;
    core::Price open;
    core::Price high;
    core::Price low;
    core::Price close;
    core::Quantity volume;
    std::optional<core::Price> vwap;
    std::uint64_t trade_count = 0;
};

/// Price history: bars by symbol, timeframe and start time; writing a bar again replaces it.
class BarStore {
public:
    virtual ~BarStore() = default;
    virtual core::Result<void> put_bars(const std::vector<StoredBar>& bars) = 0;
    /// Bars with from <= ts < to, oldest first, at most `limit` (the latest ones when more).
    virtual core::Result<std::vector<StoredBar>> bars(const core::Symbol& symbol,
                                                      const std::string& timeframe,
                                                      core::Timestamp from, core::Timestamp to,
                                                      std::size_t limit) = 0;
};

struct EquityPoint {
    core::Timestamp ts;
    core::Money equity;
    core::Money cash;
};

/// The account's equity curve.
class EquityStore {
public:
    virtual ~EquityStore() = default;
    virtual core::Result<void> add_equity(const EquityPoint& point) = 0;
    /// Points with ts >= from, oldest first, at most `limit` (the latest ones when more).
    virtual core::Result<std::vector<EquityPoint>> equity(core::Timestamp from,
                                                          std::size_t limit) = 0;
};

/// Small named documents (JSON text): strategies, risk limits, config, channels.
class SettingsStore {
public:
    virtual ~SettingsStore() = default;
    virtual core::Result<void> put(const std::string& key, const std::string& value,
                                   core::Timestamp at) = 0;
    virtual core::Result<std::optional<std::string>> get(const std::string& key) = 0;
    virtual core::Result<void> erase(const std::string& key) = 0;
    /// Puts every document in one transaction.
    virtual core::Result<void> put_all(
        const std::vector<std::pair<std::string, std::string>>& documents, core::Timestamp at) = 0;
    /// Keeps only the last `keep` documents (by key) whose key starts with `prefix`.
    virtual core::Result<void> trim(const std::string& prefix, std::size_t keep) = 0;
    /// Every document whose key starts with `prefix`, by key.
    virtual core::Result<std::vector<std::pair<std::string, std::string>>> scan(
        const std::string& prefix) = 0;
};

/// Every port on one connection: what an adapter (SqliteStore, PostgresStore) provides, and what
/// the app hands to services. One connection is used by one thread at a time.
class Store : public OrderStore,
              public KeyStore,
              public AuditLog,
              public SettingsStore,
              public BarStore,
              public EquityStore {
public:
    /// The schema version applied (the number of migrations).
    virtual int schema_version() const noexcept = 0;
};

}  // namespace meridian::store
