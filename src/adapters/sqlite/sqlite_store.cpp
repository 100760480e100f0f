// SQLite implementation of the store ports: prepared statements, one transaction per change.
#include "adapters/sqlite/sqlite_store.hpp"

#include <functional>
#include <unordered_map>
#include <variant>

#include <sqlite3.h>

#include "store/migrations.hpp"

namespace meridian::adapters::sqlite {
namespace {

using core::Errc;
using core::Error;

}  // namespace

/// Prepared statements kept for the connection's life: each call reuses its statement instead
/// of compiling the SQL again (the order path's inserts and updates cost half as much).
class StatementCache {
public:
    explicit StatementCache(sqlite3* db) : db_{db} {}
    ~StatementCache() {
        for (auto& [sql, stmt] : cached_)
            sqlite3_finalize(stmt);
    }
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;
    sqlite3* db() const { return db_; }
    sqlite3_stmt* get(const char* sql, int& rc) {
        if (auto it = cached_.find(sql); it != cached_.end()) {
            rc = SQLITE_OK;
            return it->second;
        }
        sqlite3_stmt* stmt = nullptr;
        rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc == SQLITE_OK) cached_.emplace(sql, stmt);
        return stmt;
    }

private:
    sqlite3* db_;
    std::unordered_map<std::string, sqlite3_stmt*> cached_;
};

namespace {

/// A prepared statement: from the connection's cache (reset for reuse on scope exit), or, for
/// SQL built per call, prepared and finalized here.
class Statement {
public:
    Statement(StatementCache& cache, const char* sql, bool keep = true) : keep_{keep} {
        if (keep_) {
            stmt_ = cache.get(sql, rc_);
        } else {
            rc_ = sqlite3_prepare_v2(cache.db(), sql, -1, &stmt_, nullptr);
        }
    }
    ~Statement() {
        if (keep_) {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
        } else {
            sqlite3_finalize(stmt_);
        }
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool ok() const { return rc_ == SQLITE_OK; }
    sqlite3_stmt* get() const { return stmt_; }
    void text(int i, std::string_view v) {
        sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void optional_text(int i, const std::optional<std::string>& v) {
        if (v)
            text(i, *v);
        else
            sqlite3_bind_null(stmt_, i);
    }
    void integer(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    void optional_time(int i, const std::optional<core::Timestamp>& t) {
        if (t)
            integer(i, t->ns());
        else
            sqlite3_bind_null(stmt_, i);
    }
    int step() { return sqlite3_step(stmt_); }

    std::string column_text(int i) const {
        const auto* p = sqlite3_column_text(stmt_, i);
        return p ? std::string{reinterpret_cast<const char*>(p)} : std::string{};
    }
    bool is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
    std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

private:
    sqlite3_stmt* stmt_ = nullptr;
    int rc_ = SQLITE_ERROR;
    bool keep_;
};

Error db_error(sqlite3* db, const std::string& what) {
    return Error{Errc::Unavailable, "sqlite: " + what + ": " + sqlite3_errmsg(db)};
}

core::Result<void> exec(sqlite3* db, const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string m = message ? message : "error";
        sqlite3_free(message);
        return Error{Errc::Unavailable, std::string{"sqlite: "} + m};
    }
    return {};
}

/// Runs `body` in a transaction: committed if it succeeds, rolled back otherwise.
/// Inside an outer transaction it is a savepoint, so that calls compose into one commit.
template <typename T>
core::Result<T> in_transaction(sqlite3* db, const std::function<core::Result<T>()>& body) {
    const bool nested = sqlite3_get_autocommit(db) == 0;
    if (auto ok = exec(db, nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE"); !ok) return ok.error();
    auto result = body();
    if (!result) {
        (void)exec(db, nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
        return result;
    }
    if (auto ok = exec(db, nested ? "RELEASE nested" : "COMMIT"); !ok) {
        (void)exec(db, nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
        return ok.error();
    }
    return result;
}

template <typename T>
std::optional<std::string> text_of(const std::optional<T>& v) {
    if (!v) return std::nullopt;
    return v->to_string();
}

constexpr const char* order_columns =
    "id, client_order_id, strategy, symbol, side, type, time_in_force, order_class, qty, notional, "
    "limit_price, stop_price, trail_price, trail_percent, take_profit_limit, stop_loss_stop, "
    "stop_loss_limit, extended_hours, status, filled_qty, filled_notional, commission, created_at, "
    "updated_at, submitted_at, filled_at, canceled_at, expired_at, failed_at, replaced_at, "
    "replaced_by";

/// Binds the state columns shared by insert and update, from parameter `first` on.
void bind_state(Statement& st, int first, const core::OrderSnapshot& s) {
    st.text(first, core::to_string(s.status));
    st.text(first + 1, s.filled_qty.to_string());
    st.text(first + 2, s.filled_notional.to_string());
    st.text(first + 3, s.commission.to_string());
    st.integer(first + 4, s.updated_at.ns());
    st.optional_time(first + 5, s.submitted_at);
    st.optional_time(first + 6, s.filled_at);
    st.optional_time(first + 7, s.canceled_at);
    st.optional_time(first + 8, s.expired_at);
    st.optional_time(first + 9, s.failed_at);
    st.optional_time(first + 10, s.replaced_at);
    st.optional_text(first + 11, s.replaced_by ? std::optional<std::string>{s.replaced_by->str()}
                                               : std::nullopt);
}

core::Result<void> save_state(StatementCache& cache, const core::Order& order) {
    sqlite3* db = cache.db();
    Statement st{
        cache,
        "UPDATE orders SET status = ?1, filled_qty = ?2, filled_notional = ?3, commission = ?4, "
        "updated_at = ?5, submitted_at = ?6, filled_at = ?7, canceled_at = ?8, expired_at = ?9, "
        "failed_at = ?10, replaced_at = ?11, replaced_by = ?12 WHERE id = ?13"};
    if (!st.ok()) return db_error(db, "prepare update");
    bind_state(st, 1, order.snapshot());
    st.text(13, order.id().str());
    if (st.step() != SQLITE_DONE) return db_error(db, "update order " + order.id().str());
    if (sqlite3_changes(db) != 1)
        return Error{Errc::NotFound, "no stored order " + order.id().str()};
    return {};
}

template <typename T, typename Parse>
core::Result<std::optional<T>> optional_parse(const Statement& st, int col, Parse parse) {
    if (st.is_null(col)) return std::optional<T>{};
    auto v = parse(st.column_text(col));
    if (!v) return v.error();
    return std::optional<T>{*v};
}

std::optional<core::Timestamp> optional_time(const Statement& st, int col) {
    if (st.is_null(col)) return std::nullopt;
    return core::Timestamp::from_ns(st.column_int(col));
}

}  // namespace

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return Error{Errc::Unavailable, "cannot open " + path + ": " + why};
    }
    std::unique_ptr<SqliteStore> store{new SqliteStore{db}};
    sqlite3_busy_timeout(db, 5000);
    for (const char* pragma :
         {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
        if (auto ok = exec(db, pragma); !ok) return ok.error();
    }
    if (auto ok = store->migrate(); !ok) return ok.error();
    return store;
}

SqliteStore::SqliteStore(sqlite3* db) : db_{db}, cache_{std::make_unique<StatementCache>(db)} {}

SqliteStore::~SqliteStore() {
    cache_.reset();  // statements before the connection
    sqlite3_close(db_);
}

core::Result<void> SqliteStore::migrate() {
    if (auto ok = exec(db_, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        !ok)
        return ok;
    {
        Statement st{*cache_, "SELECT COALESCE(MAX(version), 0) FROM schema_version"};
        if (!st.ok() || st.step() != SQLITE_ROW) return db_error(db_, "read schema version");
        version_ = static_cast<int>(st.column_int(0));
    }
    if (version_ > static_cast<int>(store::migrations.size())) {
        return Error{Errc::Unavailable, "the database has schema version " +
                                            std::to_string(version_) +
                                            ", newer than this meridian knows (" +
                                            std::to_string(store::migrations.size()) + ")"};
    }
    for (std::size_t v = static_cast<std::size_t>(version_); v < store::migrations.size(); ++v) {
        auto applied = in_transaction<bool>(db_, [&]() -> core::Result<bool> {
            const std::string sql{store::migrations[v]};
            if (auto ok = exec(db_, sql.c_str()); !ok) return ok.error();
            Statement st{*cache_, "INSERT INTO schema_version (version) VALUES (?1)"};
            st.integer(1, static_cast<std::int64_t>(v + 1));
            if (st.step() != SQLITE_DONE) return db_error(db_, "record schema version");
            return true;
        });
        if (!applied) return applied.error();
        version_ = static_cast<int>(v + 1);
    }
    return {};
}

core::Result<void> SqliteStore::insert(const core::Order& order, std::string_view strategy) {
    const std::string sql =
        std::string{"INSERT INTO orders ("} + order_columns +
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
        "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)";
    Statement st{*cache_, sql.c_str()};
    if (!st.ok()) return db_error(db_, "prepare insert");
    const core::OrderSnapshot s = order.snapshot();
    const core::OrderRequest& r = s.request;
    st.text(1, s.id.str());
    st.text(2, s.client_order_id.str());
    st.text(3, strategy);
    st.text(4, r.symbol.str());
    st.text(5, core::to_string(r.side));
    st.text(6, core::to_string(r.type));
    st.text(7, core::to_string(r.time_in_force));
    st.text(8, core::to_string(r.order_class));
    st.optional_text(9, text_of(r.qty));
    st.optional_text(10, text_of(r.notional));
    st.optional_text(11, text_of(r.limit_price));
    st.optional_text(12, text_of(r.stop_price));
    st.optional_text(13, text_of(r.trail_price));
    st.optional_text(14, text_of(r.trail_percent));
    st.optional_text(15, r.take_profit
                             ? std::optional<std::string>{r.take_profit->limit_price.to_string()}
                             : std::nullopt);
    st.optional_text(16, r.stop_loss
                             ? std::optional<std::string>{r.stop_loss->stop_price.to_string()}
                             : std::nullopt);
    st.optional_text(17, r.stop_loss ? text_of(r.stop_loss->limit_price) : std::nullopt);
    st.integer(18, r.extended_hours ? 1 : 0);
    st.integer(23, s.created_at.ns());
    // State columns 19-22 and 24-31 (bind_state's order, with created_at between).
    st.text(19, core::to_string(s.status));
    st.text(20, s.filled_qty.to_string());
    st.text(21, s.filled_notional.to_string());
    st.text(22, s.commission.to_string());
    st.integer(24, s.updated_at.ns());
    st.optional_time(25, s.submitted_at);
    st.optional_time(26, s.filled_at);
    st.optional_time(27, s.canceled_at);
    st.optional_time(28, s.expired_at);
    st.optional_time(29, s.failed_at);
    st.optional_time(30, s.replaced_at);
    st.optional_text(
        31, s.replaced_by ? std::optional<std::string>{s.replaced_by->str()} : std::nullopt);
    const int rc = st.step();
    if (rc == SQLITE_CONSTRAINT) {
        return Error{Errc::Duplicate, "order " + s.id.str() + " or client_order_id " +
                                          s.client_order_id.str() + " is already stored"};
    }
    if (rc != SQLITE_DONE) return db_error(db_, "insert order " + s.id.str());
    return {};
}

core::Result<void> SqliteStore::update(const core::Order& order) {
    return save_state(*cache_, order);
}

core::Result<bool> SqliteStore::record_fill(const core::Fill& fill, const core::Order& order) {
    return in_transaction<bool>(db_, [&]() -> core::Result<bool> {
        Statement st{*cache_,
                     "INSERT OR IGNORE INTO fills (execution_id, order_id, symbol, side, qty, "
                     "price, commission, "
                     "ts_event, ts_init) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
        if (!st.ok()) return db_error(db_, "prepare fill");
        st.text(1, fill.execution_id);
        st.text(2, fill.order_id.str());
        st.text(3, fill.symbol.str());
        st.text(4, core::to_string(fill.side));
        st.text(5, fill.qty.to_string());
        st.text(6, fill.price.to_string());
        st.text(7, fill.commission.to_string());
        st.integer(8, fill.ts_event.ns());
        st.integer(9, fill.ts_init.ns());
        if (st.step() != SQLITE_DONE) return db_error(db_, "insert fill " + fill.execution_id);
        if (sqlite3_changes(db_) == 0) return false;  // kept before
        if (auto ok = save_state(*cache_, order); !ok) return ok.error();
        return true;
    });
}

core::Result<std::vector<store::StoredOrder>> SqliteStore::select_orders(
    const std::string& where, const std::vector<std::variant<std::string, std::int64_t>>& args,
    bool keep) {
    const std::string sql = std::string{"SELECT "} + order_columns + " FROM orders " + where;
    Statement st{*cache_, sql.c_str(), keep};
    if (!st.ok()) return db_error(db_, "prepare select");
    int index = 1;
    for (const auto& a : args) {
        if (const auto* text = std::get_if<std::string>(&a))
            st.text(index++, *text);
        else
            st.integer(index++, std::get<std::int64_t>(a));
    }
    std::vector<store::StoredOrder> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        core::OrderSnapshot s;
        auto bad = [&](const core::Error& e) {
            return Error{Errc::Internal, "stored order: " + e.message};
        };
        auto id = core::OrderId::parse(st.column_text(0));
        auto coid = core::ClientOrderId::parse(st.column_text(1));
        auto symbol = core::Symbol::parse(st.column_text(3));
        auto side = core::parse_side(st.column_text(4));
        auto type = core::parse_order_type(st.column_text(5));
        auto tif = core::parse_time_in_force(st.column_text(6));
        auto cls = core::parse_order_class(st.column_text(7));
        auto status = core::parse_order_status(st.column_text(18));
        auto filled = core::Quantity::parse(st.column_text(19));
        auto notional_filled = core::Money::parse(st.column_text(20));
        auto commission = core::Money::parse(st.column_text(21));
        for (const core::Error* e :
             {id ? nullptr : &id.error(), coid ? nullptr : &coid.error(),
              symbol ? nullptr : &symbol.error(), side ? nullptr : &side.error(),
              type ? nullptr : &type.error(), tif ? nullptr : &tif.error(),
              cls ? nullptr : &cls.error(), status ? nullptr : &status.error(),
              filled ? nullptr : &filled.error(),
              notional_filled ? nullptr : &notional_filled.error(),
              commission ? nullptr : &commission.error()}) {
            if (e) return bad(*e);
        }
        s.id = *id;
        s.client_order_id = *coid;
        s.request.symbol = *symbol;
        s.request.side = *side;
        s.request.type = *type;
        s.request.time_in_force = *tif;
        s.request.order_class = *cls;
        auto qty = optional_parse<core::Quantity>(st, 8, core::Quantity::parse);
        auto notional = optional_parse<core::Money>(st, 9, core::Money::parse);
        auto limit = optional_parse<core::Price>(st, 10, core::Price::parse);
        auto stop = optional_parse<core::Price>(st, 11, core::Price::parse);
        auto trail = optional_parse<core::Price>(st, 12, core::Price::parse);
        auto trail_pct = optional_parse<core::Price>(st, 13, core::Price::parse);
        auto tp = optional_parse<core::Price>(st, 14, core::Price::parse);
        auto sl = optional_parse<core::Price>(st, 15, core::Price::parse);
        auto sl_limit = optional_parse<core::Price>(st, 16, core::Price::parse);
        if (!qty) return bad(qty.error());
        if (!notional) return bad(notional.error());
        if (!limit) return bad(limit.error());
        if (!stop) return bad(stop.error());
        if (!trail) return bad(trail.error());
        if (!trail_pct) return bad(trail_pct.error());
        if (!tp) return bad(tp.error());
        if (!sl) return bad(sl.error());
        if (!sl_limit) return bad(sl_limit.error());
        s.request.qty = *qty;
        s.request.notional = *notional;
        s.request.limit_price = *limit;
        s.request.stop_price = *stop;
        s.request.trail_price = *trail;
        s.request.trail_percent = *trail_pct;
        if (*tp) s.request.take_profit = core::TakeProfit{**tp};
        if (*sl) s.request.stop_loss = core::StopLoss{**sl, *sl_limit};
        s.request.extended_hours = st.column_int(17) != 0;
        s.status = *status;
        s.filled_qty = *filled;
        s.filled_notional = *notional_filled;
        s.commission = *commission;
        s.created_at = core::Timestamp::from_ns(st.column_int(22));
        s.updated_at = core::Timestamp::from_ns(st.column_int(23));
        s.submitted_at = optional_time(st, 24);
        s.filled_at = optional_time(st, 25);
        s.canceled_at = optional_time(st, 26);
        s.expired_at = optional_time(st, 27);
        s.failed_at = optional_time(st, 28);
        s.replaced_at = optional_time(st, 29);
        if (!st.is_null(30)) {
            auto by = core::OrderId::parse(st.column_text(30));
            if (!by) return bad(by.error());
            s.replaced_by = *by;
        }
        {
            Statement ex{*cache_,
                         "SELECT execution_id FROM fills WHERE order_id = ?1 ORDER BY rowid"};
            ex.text(1, s.id.str());
            while (ex.step() == SQLITE_ROW)
                s.execution_ids.push_back(ex.column_text(0));
        }
        const std::string strategy = st.column_text(2);
        auto order = core::Order::restore(std::move(s));
        if (!order) return bad(order.error());
        out.push_back(store::StoredOrder{std::move(*order), strategy});
    }
    if (rc != SQLITE_DONE) return db_error(db_, "select orders");
    return out;
}

core::Result<std::optional<store::StoredOrder>> SqliteStore::find(const core::OrderId& id) {
    auto rows = select_orders("WHERE id = ?1", {id.str()});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<store::StoredOrder>{};
    return std::optional<store::StoredOrder>{std::move(rows->front())};
}

core::Result<std::optional<store::StoredOrder>> SqliteStore::find_by_client_order_id(
    const core::ClientOrderId& id) {
    auto rows = select_orders("WHERE client_order_id = ?1", {id.str()});
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<store::StoredOrder>{};
    return std::optional<store::StoredOrder>{std::move(rows->front())};
}

core::Result<std::vector<store::StoredOrder>> SqliteStore::open_orders() {
    return select_orders(
        "WHERE status NOT IN ('filled', 'canceled', 'expired', 'replaced', 'rejected') ORDER BY "
        "created_at, rowid",
        {});
}

core::Result<std::vector<core::Fill>> SqliteStore::fills() {
    Statement st{
        *cache_,
        "SELECT execution_id, order_id, symbol, side, qty, price, commission, ts_event, ts_init "
        "FROM fills ORDER BY rowid"};
    if (!st.ok()) return db_error(db_, "prepare fills");
    std::vector<core::Fill> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        core::Fill f;
        f.execution_id = st.column_text(0);
        auto order = core::OrderId::parse(st.column_text(1));
        auto symbol = core::Symbol::parse(st.column_text(2));
        auto side = core::parse_side(st.column_text(3));
        auto qty = core::Quantity::parse(st.column_text(4));
        auto price = core::Price::parse(st.column_text(5));
        auto commission = core::Money::parse(st.column_text(6));
        if (!order || !symbol || !side || !qty || !price || !commission) {
            return Error{Errc::Internal, "stored fill " + f.execution_id + " is unreadable"};
        }
        f.order_id = *order;
        f.symbol = *symbol;
        f.side = *side;
        f.qty = *qty;
        f.price = *price;
        f.commission = *commission;
        f.ts_event = core::Timestamp::from_ns(st.column_int(7));
        f.ts_init = core::Timestamp::from_ns(st.column_int(8));
        out.push_back(std::move(f));
    }
    if (rc != SQLITE_DONE) return db_error(db_, "select fills");
    return out;
}

core::Result<std::vector<store::StoredOrder>> SqliteStore::list(const store::OrderQuery& q) {
    std::string where = "WHERE 1 = 1";
    std::vector<std::variant<std::string, std::int64_t>> args;
    const char* final_states = "('filled', 'canceled', 'expired', 'replaced', 'rejected')";
    if (q.status == store::OrderQuery::Status::Open)
        where += std::string{" AND status NOT IN "} + final_states;
    if (q.status == store::OrderQuery::Status::Closed)
        where += std::string{" AND status IN "} + final_states;
    if (!q.symbols.empty()) {
        where += " AND symbol IN (";
        for (std::size_t i = 0; i < q.symbols.size(); ++i) {
            where += (i ? ", ?" : "?") + std::to_string(args.size() + 1);
            args.emplace_back(q.symbols[i].str());
        }
        where += ")";
    }
    if (q.after) {
        where += " AND created_at > ?" + std::to_string(args.size() + 1);
        args.emplace_back(q.after->ns());
    }
    if (q.until) {
        where += " AND created_at <= ?" + std::to_string(args.size() + 1);
        args.emplace_back(q.until->ns());
    }
    where += q.ascending ? " ORDER BY created_at, rowid" : " ORDER BY created_at DESC, rowid DESC";
    where += " LIMIT " + std::to_string(q.limit);
    return select_orders(where, args, false);  // built per call: not kept
}

core::Result<void> SqliteStore::disable_auto_checkpoint() {
    return exec(db_, "PRAGMA wal_autocheckpoint = 0");
}

core::Result<void> SqliteStore::checkpoint() {
    if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) !=
        SQLITE_OK)
        return db_error(db_, "checkpoint");
    return {};
}

core::Result<void> SqliteStore::transaction(const std::function<core::Result<void>()>& body) {
    return in_transaction<void>(db_, body);
}

core::Result<void> SqliteStore::add_key(const store::ApiKey& key) {
    Statement st{*cache_,
                 "INSERT INTO api_keys (id, hash, role, label, created_at, revoked_at) VALUES "
                 "(?1, ?2, ?3, ?4, ?5, ?6)"};
    if (!st.ok()) return db_error(db_, "prepare add key");
    st.text(1, key.id);
    st.text(2, key.hash);
    st.text(3, key.role);
    st.text(4, key.label);
    st.integer(5, key.created_at.ns());
    st.optional_time(6, key.revoked_at);
    const int rc = st.step();
    if (rc == SQLITE_CONSTRAINT) return Error{Errc::Duplicate, "key " + key.id + " exists"};
    if (rc != SQLITE_DONE) return db_error(db_, "add key");
    return {};
}

core::Result<std::vector<store::ApiKey>> SqliteStore::keys() {
    Statement st{*cache_,
                 "SELECT id, hash, role, label, created_at, revoked_at FROM api_keys ORDER BY "
                 "created_at, id"};
    if (!st.ok()) return db_error(db_, "prepare keys");
    std::vector<store::ApiKey> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        out.push_back(store::ApiKey{st.column_text(0), st.column_text(1), st.column_text(2),
                                    st.column_text(3), core::Timestamp::from_ns(st.column_int(4)),
                                    optional_time(st, 5)});
    }
    if (rc != SQLITE_DONE) return db_error(db_, "select keys");
    return out;
}

core::Result<std::optional<store::ApiKey>> SqliteStore::find_key(const std::string& hash) {
    Statement st{*cache_,
                 "SELECT id, hash, role, label, created_at, revoked_at FROM api_keys WHERE hash = "
                 "?1"};
    if (!st.ok()) return db_error(db_, "prepare find key");
    st.text(1, hash);
    const int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<store::ApiKey>{};
    if (rc != SQLITE_ROW) return db_error(db_, "find key");
    return std::optional<store::ApiKey>{
        store::ApiKey{st.column_text(0), st.column_text(1), st.column_text(2), st.column_text(3),
                      core::Timestamp::from_ns(st.column_int(4)), optional_time(st, 5)}};
}

core::Result<void> SqliteStore::revoke_key(const std::string& id, core::Timestamp at) {
    Statement st{*cache_,
                 "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2"};
    if (!st.ok()) return db_error(db_, "prepare revoke");
    st.integer(1, at.ns());
    st.text(2, id);
    if (st.step() != SQLITE_DONE) return db_error(db_, "revoke key");
    if (sqlite3_changes(db_) != 1) return Error{Errc::NotFound, "no key " + id};
    return {};
}

core::Result<void> SqliteStore::append(const store::AuditEntry& e) {
    Statement st{*cache_,
                 "INSERT INTO audit (ts, principal, action, target, status, detail) VALUES (?1, "
                 "?2, ?3, ?4, ?5, ?6)"};
    if (!st.ok()) return db_error(db_, "prepare audit");
    st.integer(1, e.ts.ns());
    st.text(2, e.principal);
    st.text(3, e.action);
    st.text(4, e.target);
    st.integer(5, e.status);
    st.text(6, e.detail);
    if (st.step() != SQLITE_DONE) return db_error(db_, "append audit");
    return {};
}

core::Result<void> SqliteStore::append_all(const std::vector<store::AuditEntry>& entries) {
    return in_transaction<void>(db_, [&]() -> core::Result<void> {
        for (const auto& e : entries)
            if (auto ok = append(e); !ok) return ok;
        return {};
    });
}

core::Result<std::vector<store::AuditEntry>> SqliteStore::recent(std::size_t limit) {
    const std::string sql =
        "SELECT seq, ts, principal, action, target, status, detail FROM audit ORDER BY seq DESC "
        "LIMIT " +
        std::to_string(limit);
    Statement st{*cache_, sql.c_str(), false};
    if (!st.ok()) return db_error(db_, "prepare audit read");
    std::vector<store::AuditEntry> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        out.push_back(store::AuditEntry{st.column_int(0),
                                        core::Timestamp::from_ns(st.column_int(1)),
                                        st.column_text(2), st.column_text(3), st.column_text(4),
                                        static_cast<int>(st.column_int(5)), st.column_text(6)});
    }
    if (rc != SQLITE_DONE) return db_error(db_, "read audit");
    return out;
}

core::Result<void> SqliteStore::put(const std::string& key, const std::string& value,
                                    core::Timestamp at) {
    Statement st{*cache_,
                 "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT "
                 "(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"};
    if (!st.ok()) return db_error(db_, "prepare put");
    st.text(1, key);
    st.text(2, value);
    st.integer(3, at.ns());
    if (st.step() != SQLITE_DONE) return db_error(db_, "put " + key);
    return {};
}

core::Result<std::optional<std::string>> SqliteStore::get(const std::string& key) {
    Statement st{*cache_, "SELECT value FROM settings WHERE key = ?1"};
    if (!st.ok()) return db_error(db_, "prepare get");
    st.text(1, key);
    const int rc = st.step();
    if (rc == SQLITE_ROW) return std::optional<std::string>{st.column_text(0)};
    if (rc != SQLITE_DONE) return db_error(db_, "get " + key);
    return std::optional<std::string>{};
}

core::Result<void> SqliteStore::erase(const std::string& key) {
    Statement st{*cache_, "DELETE FROM settings WHERE key = ?1"};
    if (!st.ok()) return db_error(db_, "prepare erase");
    st.text(1, key);
    if (st.step() != SQLITE_DONE) return db_error(db_, "erase " + key);
    return {};
}

core::Result<void> SqliteStore::put_all(
    const std::vector<std::pair<std::string, std::string>>& documents, core::Timestamp at) {
    return in_transaction<void>(db_, [&]() -> core::Result<void> {
        for (const auto& [key, value] : documents)
            if (auto ok = put(key, value, at); !ok) return ok;
        return {};
    });
}

core::Result<void> SqliteStore::trim(const std::string& prefix, std::size_t keep) {
    Statement st{*cache_,
                 "DELETE FROM settings WHERE substr(key, 1, ?2) = ?1 AND key NOT IN (SELECT key "
                 "FROM settings WHERE substr(key, 1, ?2) = ?1 ORDER BY key DESC LIMIT ?3)"};
    if (!st.ok()) return db_error(db_, "prepare trim");
    st.text(1, prefix);
    st.integer(2, static_cast<std::int64_t>(prefix.size()));
    st.integer(3, static_cast<std::int64_t>(keep));
    if (st.step() != SQLITE_DONE) return db_error(db_, "trim " + prefix);
    return {};
}

core::Result<std::vector<std::pair<std::string, std::string>>> SqliteStore::scan(
    const std::string& prefix) {
    Statement st{*cache_,
                 "SELECT key, value FROM settings WHERE substr(key, 1, ?2) = ?1 ORDER BY key"};
    if (!st.ok()) return db_error(db_, "prepare scan");
    st.text(1, prefix);
    st.integer(2, static_cast<std::int64_t>(prefix.size()));
    std::vector<std::pair<std::string, std::string>> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW)
        out.emplace_back(st.column_text(0), st.column_text(1));
    if (rc != SQLITE_DONE) return db_error(db_, "scan " + prefix);
    return out;
}

core::Result<void> SqliteStore::put_bars(const std::vector<store::StoredBar>& bars) {
    return in_transaction<void>(db_, [&]() -> core::Result<void> {
        Statement st{*cache_,
                     "INSERT OR REPLACE INTO bars (symbol, timeframe, ts, open, high, low, close, "
                     "volume, vwap, trade_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"};
        if (!st.ok()) return db_error(db_, "prepare put bars");
        for (const auto& b : bars) {
            sqlite3_reset(st.get());
            st.text(1, b.symbol.str());
            st.text(2, b.timeframe);
            st.integer(3, b.ts.ns());
            st.text(4, b.open.to_string());
            st.text(5, b.high.to_string());
            st.text(6, b.low.to_string());
            st.text(7, b.close.to_string());
            st.text(8, b.volume.to_string());
            st.optional_text(9, text_of(b.vwap));
            st.integer(10, static_cast<std::int64_t>(b.trade_count));
            if (st.step() != SQLITE_DONE) return db_error(db_, "put bar");
        }
        return {};
    });
}

core::Result<std::vector<store::StoredBar>> SqliteStore::bars(const core::Symbol& symbol,
                                                              const std::string& timeframe,
                                                              core::Timestamp from,
                                                              core::Timestamp to,
                                                              std::size_t limit) {
    const std::string sql =
        "SELECT ts, open, high, low, close, volume, vwap, trade_count FROM (SELECT * FROM bars "
        "WHERE symbol = ?1 AND timeframe = ?2 AND ts >= ?3 AND ts < ?4 ORDER BY ts DESC LIMIT " +
        std::to_string(limit) + ") ORDER BY ts";
    Statement st{*cache_, sql.c_str(), false};
    if (!st.ok()) return db_error(db_, "prepare bars");
    st.text(1, symbol.str());
    st.text(2, timeframe);
    st.integer(3, from.ns());
    st.integer(4, to.ns());
    std::vector<store::StoredBar> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        store::StoredBar b;
        b.symbol = symbol;
        b.timeframe = timeframe;
        b.ts = core::Timestamp::from_ns(st.column_int(0));
        auto o = core::Price::parse(st.column_text(1));
        auto h = core::Price::parse(st.column_text(2));
        auto l = core::Price::parse(st.column_text(3));
        auto c = core::Price::parse(st.column_text(4));
        auto v = core::Quantity::parse(st.column_text(5));
        auto vw = optional_parse<core::Price>(st, 6, core::Price::parse);
        if (!o || !h || !l || !c || !v || !vw)
            return Error{Errc::Internal, "stored bar of " + symbol.str() + " is unreadable"};
        b.open = *o;
        b.high = *h;
        b.low = *l;
        b.close = *c;
        b.volume = *v;
        b.vwap = *vw;
        b.trade_count = static_cast<std::uint64_t>(st.column_int(7));
        out.push_back(std::move(b));
    }
    if (rc != SQLITE_DONE) return db_error(db_, "select bars");
    return out;
}

core::Result<void> SqliteStore::add_equity(const store::EquityPoint& p) {
    Statement st{*cache_,
                 "INSERT OR REPLACE INTO equity_history (ts, equity, cash) VALUES (?1, ?2, ?3)"};
    if (!st.ok()) return db_error(db_, "prepare equity");
    st.integer(1, p.ts.ns());
    st.text(2, p.equity.to_string());
    st.text(3, p.cash.to_string());
    if (st.step() != SQLITE_DONE) return db_error(db_, "add equity");
    return {};
}

core::Result<std::vector<store::EquityPoint>> SqliteStore::equity(core::Timestamp from,
                                                                  std::size_t limit) {
    const std::string sql =
        "SELECT ts, equity, cash FROM (SELECT * FROM equity_history WHERE ts >= ?1 ORDER BY ts "
        "DESC LIMIT " +
        std::to_string(limit) + ") ORDER BY ts";
    Statement st{*cache_, sql.c_str(), false};
    if (!st.ok()) return db_error(db_, "prepare equity read");
    st.integer(1, from.ns());
    std::vector<store::EquityPoint> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        auto e = core::Money::parse(st.column_text(1));
        auto c = core::Money::parse(st.column_text(2));
        if (!e || !c) return Error{Errc::Internal, "stored equity is unreadable"};
        out.push_back({core::Timestamp::from_ns(st.column_int(0)), *e, *c});
    }
    if (rc != SQLITE_DONE) return db_error(db_, "read equity");
    return out;
}

}  // namespace meridian::adapters::sqlite
