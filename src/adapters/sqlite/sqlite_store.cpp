// SQLite implementation of the store ports: prepared statements, one transaction per change.
#include "adapters/sqlite/sqlite_store.hpp"

#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>

#include <pthread.h>
#include <sqlite3.h>

#include "store/migrations.hpp"
#include "store/rows.hpp"

namespace meridian::adapters::sqlite {
namespace {

using core::Errc;
using core::Error;

}  // namespace

/// Copies a database file's write-ahead log into the file on a thread of its own, with a
/// connection of its own, when a commit leaves the log at `kPages` pages or more. SQLite's
/// automatic checkpoint would do it inside that commit instead (tens of milliseconds of
/// writing and syncing the database file on the order path). One per file in the process,
/// shared by its connections; PASSIVE, so it never waits for or blocks a writer.
class WalCheckpointer {
public:
    static constexpr int kPages = 1000;  // SQLite's own default threshold (4 MB of 4 KB pages)

    static std::shared_ptr<WalCheckpointer> for_file(const std::string& path) {
        static std::mutex registry_mutex;
        static std::map<std::string, std::weak_ptr<WalCheckpointer>> registry;
        std::lock_guard lock{registry_mutex};
        auto& slot = registry[path];
        auto shared = slot.lock();
        if (!shared) {
            shared = std::make_shared<WalCheckpointer>(path);
            slot = shared;
        }
        return shared;
    }

    explicit WalCheckpointer(std::string path) : path_{std::move(path)} {
        thread_ = std::thread{[this] { run(); }};
    }
    ~WalCheckpointer() {
        {
            std::lock_guard lock{mutex_};
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    /// Installed as each connection's WAL hook (after every commit, on the committing thread).
    static int on_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int pages) {
        if (pages >= kPages) static_cast<WalCheckpointer*>(self)->nudge();
        return SQLITE_OK;
    }

private:
    void nudge() {
        {
            std::lock_guard lock{mutex_};
            wanted_ = true;
        }
        wake_.notify_one();
    }

    sqlite3* connect() {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            std::fprintf(stderr, "sqlite: %s: no connection for checkpoints: %s\n", path_.c_str(),
                         db ? sqlite3_errmsg(db) : "out of memory");
            sqlite3_close(db);
            return nullptr;
        }
        sqlite3_busy_timeout(db, 1000);
        // A connection learns that the file is in WAL mode by reading it: until then a
        // checkpoint does nothing.
        (void)sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
        return db;
    }

    void run() {
        pthread_setname_np(pthread_self(), "sqlite-ckpt");
        sqlite3* db = nullptr;
        for (;;) {
            {
                std::unique_lock lock{mutex_};
                wake_.wait(lock, [this] { return stopping_ || wanted_; });
                if (stopping_) break;
                wanted_ = false;
            }
            if (db == nullptr && !(db = connect())) continue;  // tried again at the next nudge
            // A failure (the file busy with another checkpoint) leaves the log to the next one.
            (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                            nullptr);
        }
        sqlite3_close(db);
    }

    std::string path_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool wanted_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

/// Prepared statements kept for the connection's life: each call reuses its statement instead
/// of compiling the SQL again (the order path's inserts and updates cost half as much).
class StatementCache {
public:
    explicit StatementCache(sqlite3* db) : db_{db} {}
    ~StatementCache() {
        for (auto& [sql, stmt] : cached_) {
            sqlite3_finalize(stmt);
        }
    }
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;
    sqlite3* db() const { return db_; }
    sqlite3_stmt* get(const char* sql, int& rc) {
        if (auto it = cached_.find(std::string_view{sql}); it != cached_.end()) {
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
    /// Looked up by the SQL's text without copying it (the order path runs a dozen a job).
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };
    std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> cached_;
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
        if (v) {
            text(i, *v);
        } else {
            sqlite3_bind_null(stmt_, i);
        }
    }
    void integer(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    /// Binds a built query's arguments to ?1, ?2, ... in order.
    void args(const std::vector<std::variant<std::string, std::int64_t>>& values) {
        int i = 1;
        for (const auto& v : values) {
            if (const auto* text_value = std::get_if<std::string>(&v)) {
                text(i++, *text_value);
            } else {
                integer(i++, std::get<std::int64_t>(v));
            }
        }
    }
    void optional_time(int i, const std::optional<core::Timestamp>& t) {
        if (t) {
            integer(i, t->ns());
        } else {
            sqlite3_bind_null(stmt_, i);
        }
    }
    int step() { return sqlite3_step(stmt_); }
    /// Binds a row's cells to parameters first, first + 1, ... without copying them: `row`
    /// must outlive the step (a temporary does not).
    void row(const store::Row& row, int first = 1) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            const auto at = first + static_cast<int>(i);
            if (row[i]) {
                sqlite3_bind_text(stmt_, at, row[i]->data(), static_cast<int>(row[i]->size()),
                                  SQLITE_STATIC);
            } else {
                sqlite3_bind_null(stmt_, at);
            }
        }
    }
    void row(store::Row&& row, int first = 1) = delete;
    /// The current result row's first `columns` columns as text (NULL as nullopt).
    store::Row row(int columns) const {
        store::Row out;
        out.reserve(static_cast<std::size_t>(columns));
        for (int i = 0; i < columns; ++i) {
            out.push_back(is_null(i) ? store::Cell{} : store::Cell{column_text(i)});
        }
        return out;
    }

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

/// Every row `st` gives, each read by `parse` (from `columns` columns) into a vector; `what`
/// names a failure.
template <typename T, typename Parse>
core::Result<std::vector<T>> collect(sqlite3* db, Statement& st, int columns, Parse parse,
                                     const std::string& what) {
    std::vector<T> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        auto item = parse(st.row(columns));
        if (!item) return item.error();
        out.push_back(std::move(*item));
    }
    if (rc != SQLITE_DONE) return db_error(db, what);
    return out;
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

/// Runs one statement without parameters or results, prepared once per connection (the
/// transaction control around every job: parsing it each time costs more than the job).
core::Result<void> run_cached(StatementCache& cache, const char* sql) {
    int rc = SQLITE_OK;
    sqlite3_stmt* st = cache.get(sql, rc);
    if (rc != SQLITE_OK) return db_error(cache.db(), sql);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db_error(cache.db(), sql);
    return {};
}

/// Undoes what `in_transaction` began.
void roll_back(StatementCache& cache, bool nested) {
    if (nested) {
        (void)run_cached(cache, "ROLLBACK TO nested");
        (void)run_cached(cache, "RELEASE nested");
    } else {
        (void)run_cached(cache, "ROLLBACK");
    }
}

/// Runs `body` in a transaction: committed if it succeeds, rolled back otherwise.
/// Inside an outer transaction it is a savepoint, so that calls compose into one commit; or,
/// without `savepoint`, simply part of it (the outer one is rolled back if it fails).
template <typename T>
core::Result<T> in_transaction(StatementCache& cache, const std::function<core::Result<T>()>& body,
                               bool savepoint = true) {
    const bool nested = sqlite3_get_autocommit(cache.db()) == 0;
    if (nested && !savepoint) return body();
    if (auto ok = run_cached(cache, nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE"); !ok) {
        return ok.error();
    }
    auto result = body();
    if (!result) {
        roll_back(cache, nested);
        return result;
    }
    if (auto ok = run_cached(cache, nested ? "RELEASE nested" : "COMMIT"); !ok) {
        roll_back(cache, nested);
        return ok.error();
    }
    return result;
}

/// The first key after every key that starts with `prefix` ("notification/" gives
/// "notification0"); empty when there is none (a prefix of 0xff bytes).
std::string prefix_end(std::string prefix) {
    while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) {
        prefix.pop_back();
    }
    if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
    return prefix;
}

/// "?1, ?2, ... ?n".
std::string placeholders(std::size_t n, std::size_t first = 1) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += (i ? ", ?" : "?") + std::to_string(first + i);
    }
    return out;
}

core::Result<void> save_state(StatementCache& cache, const core::Order& order) {
    sqlite3* db = cache.db();
    static const std::string sql = [] {
        std::string q = "UPDATE orders SET ";
        int i = 1;
        for (auto column : store::kOrderStateColumns) {
            q += (i > 1 ? ", " : "") + std::string{column} + " = ?" + std::to_string(i);
            ++i;
        }
        return q + " WHERE id = ?" + std::to_string(i);
    }();
    Statement st{cache, sql.c_str()};
    if (!st.ok()) return db_error(db, "prepare update");
    const store::Row row = store::order_state_row(order);
    st.row(row);
    st.text(static_cast<int>(row.size()) + 1, order.id().str());
    if (st.step() != SQLITE_DONE) return db_error(db, "update order " + order.id().str());
    if (sqlite3_changes(db) != 1) {
        return Error{Errc::NotFound, "no stored order " + order.id().str()};
    }
    return {};
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
    if (path != ":memory:" && !path.empty()) {
        store->checkpointer_ = WalCheckpointer::for_file(path);
        sqlite3_wal_hook(db, &WalCheckpointer::on_commit, store->checkpointer_.get());
    }
    return store;
}

SqliteStore::SqliteStore(sqlite3* db) : db_{db}, cache_{std::make_unique<StatementCache>(db)} {}

SqliteStore::~SqliteStore() {
    cache_.reset();      // statements before the connection
    sqlite3_close(db_);  // before the checkpointer (its hook), which the last store stops
}

core::Result<void> SqliteStore::migrate() {
    if (auto ok = exec(db_, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        !ok) {
        return ok;
    }
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
        auto applied = in_transaction<bool>(*cache_, [&]() -> core::Result<bool> {
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

core::Result<void> SqliteStore::insert(const core::Order& order, std::string_view strategy,
                                       const store::OrderLinks& links) {
    static const std::string sql = "INSERT INTO orders (" + std::string{store::kOrderColumns} +
                                   ") VALUES (" + placeholders(store::kOrderColumnCount) + ")";
    Statement st{*cache_, sql.c_str()};
    if (!st.ok()) return db_error(db_, "prepare insert");
    const store::Row cells = store::order_row(order, strategy, links);
    st.row(cells);
    const int rc = st.step();
    if (rc == SQLITE_CONSTRAINT) {
        return Error{Errc::Duplicate, "order " + order.id().str() + " or client_order_id " +
                                          order.client_order_id().str() + " is already stored"};
    }
    if (rc != SQLITE_DONE) return db_error(db_, "insert order " + order.id().str());
    return {};
}

core::Result<void> SqliteStore::update(const core::Order& order) {
    return save_state(*cache_, order);
}

core::Result<bool> SqliteStore::record_fill(const core::Fill& fill, const core::Order& order) {
    return in_transaction<bool>(
        *cache_,
        [&]() -> core::Result<bool> {
            static const std::string sql = "INSERT OR IGNORE INTO fills (" +
                                           std::string{store::kFillColumns} + ") VALUES (" +
                                           placeholders(9) + ")";
            Statement st{*cache_, sql.c_str()};
            if (!st.ok()) return db_error(db_, "prepare fill");
            const store::Row cells = store::fill_row(fill);
            st.row(cells);
            if (st.step() != SQLITE_DONE) return db_error(db_, "insert fill " + fill.execution_id);
            if (sqlite3_changes(db_) == 0) return false;  // kept before
            if (auto ok = save_state(*cache_, order); !ok) return ok.error();
            return true;
        },
        savepoints_);
}

core::Result<std::vector<store::StoredOrder>> SqliteStore::select_orders(
    const std::string& where, const std::vector<std::variant<std::string, std::int64_t>>& args,
    bool keep) {
    const std::string sql = "SELECT " + std::string{store::kOrderColumns} + " FROM orders " + where;
    Statement st{*cache_, sql.c_str(), keep};
    if (!st.ok()) return db_error(db_, "prepare select");
    st.args(args);
    std::vector<store::StoredOrder> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        const store::Row row = st.row(static_cast<int>(store::kOrderColumnCount));
        std::vector<std::string> executions;
        {
            Statement ex{*cache_,
                         "SELECT execution_id FROM fills WHERE order_id = ?1 ORDER BY rowid"};
            ex.text(1, *row[0]);
            while (ex.step() == SQLITE_ROW) {
                executions.push_back(ex.column_text(0));
            }
        }
        auto order = store::order_from_row(row, std::move(executions));
        if (!order) return order.error();
        out.push_back(std::move(*order));
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
    static const std::string where =
        "WHERE " + std::string{store::kOpenOrderPredicate} + " ORDER BY created_at, rowid";
    return select_orders(where, {});
}

core::Result<std::vector<store::StoredOrder>> SqliteStore::legs_of(const core::OrderId& parent) {
    return select_orders("WHERE parent_id = ?1 ORDER BY created_at, rowid", {parent.str()});
}

core::Result<void> SqliteStore::each_fill(const std::function<void(const core::Fill&)>& f) {
    static const std::string sql =
        "SELECT " + std::string{store::kFillColumns} + " FROM fills ORDER BY rowid";
    Statement st{*cache_, sql.c_str()};
    if (!st.ok()) return db_error(db_, "prepare fills");
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        auto fill = store::fill_from_row(st.row(9));
        if (!fill) return fill.error();
        f(*fill);
    }
    if (rc != SQLITE_DONE) return db_error(db_, "select fills");
    return {};
}

core::Result<std::vector<core::Fill>> SqliteStore::list_fills(const store::FillQuery& q) {
    if (q.page_token) {
        Statement known{*cache_, "SELECT 1 FROM fills WHERE execution_id = ?1"};
        if (!known.ok()) return db_error(db_, "prepare page token");
        known.text(1, *q.page_token);
        if (known.step() != SQLITE_ROW) return store::unknown_page_token(*q.page_token);
    }
    const auto sql = store::fill_list_sql(q, '?');
    Statement st{*cache_, sql.clause.c_str(), false};  // built per call: not kept
    if (!st.ok()) return db_error(db_, "prepare fills listing");
    st.args(sql.args);
    return collect<core::Fill>(db_, st, 9, store::fill_from_row, "list fills");
}

core::Result<void> SqliteStore::each_strategy_fill(
    const std::function<void(const store::StrategyFill&)>& f) {
    static const std::string sql = std::string{store::kStrategyFillsSelect} + " ORDER BY f.rowid";
    Statement st{*cache_, sql.c_str()};
    if (!st.ok()) return db_error(db_, "prepare strategy fills");
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        auto row = st.row(10);
        std::string strategy = row[9].value_or("");
        row.pop_back();
        auto fill = store::fill_from_row(row);
        if (!fill) return fill.error();
        f(store::StrategyFill{std::move(*fill), std::move(strategy)});
    }
    if (rc != SQLITE_DONE) return db_error(db_, "select strategy fills");
    return {};
}

core::Result<std::vector<store::StoredOrder>> SqliteStore::list(const store::OrderQuery& q) {
    const auto sql = store::order_list_sql(q, '?', "rowid");
    return select_orders(sql.clause, sql.args, false);  // built per call: not kept
}

core::Result<void> SqliteStore::transaction(const std::function<core::Result<void>()>& body,
                                            Commit commit, Savepoints savepoints) {
    const bool outermost = sqlite3_get_autocommit(db_) != 0;
    if (!outermost) return in_transaction<void>(*cache_, body, savepoints_);
    const bool relax = commit == Commit::Relaxed;
    // Relaxed: synchronous=NORMAL in WAL mode, the commit is not fsynced (the next durable
    // commit or checkpoint makes it so); a power loss may take it back, a killed process not.
    if (relax) {
        if (auto ok = run_cached(*cache_, "PRAGMA synchronous = NORMAL"); !ok) return ok;
    }
    savepoints_ = savepoints == Savepoints::PerCall;
    auto result = in_transaction<void>(*cache_, body);
    savepoints_ = true;
    if (relax) (void)run_cached(*cache_, "PRAGMA synchronous = FULL");
    return result;
}

core::Result<std::int64_t> SqliteStore::enqueue_event(const std::string& topic,
                                                      const std::string& type,
                                                      const std::string& payload,
                                                      core::Timestamp at) {
    Statement st{*cache_,
                 "INSERT INTO outbox (topic, type, payload, created_at) VALUES (?1, ?2, ?3, ?4)"};
    if (!st.ok()) return db_error(db_, "prepare outbox");
    st.text(1, topic);
    st.text(2, type);
    st.text(3, payload);
    st.integer(4, at.ns());
    if (st.step() != SQLITE_DONE) return db_error(db_, "enqueue event");
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

core::Result<std::vector<store::OutboxEvent>> SqliteStore::events_after(std::int64_t after,
                                                                        std::size_t limit) {
    Statement st{*cache_,
                 "SELECT id, topic, type, payload FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2"};
    if (!st.ok()) return db_error(db_, "prepare outbox read");
    st.integer(1, after);
    st.integer(2, static_cast<std::int64_t>(limit));
    std::vector<store::OutboxEvent> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        out.push_back({st.column_int(0), st.column_text(1), st.column_text(2), st.column_text(3)});
    }
    if (rc != SQLITE_DONE) return db_error(db_, "read outbox");
    return out;
}

core::Result<void> SqliteStore::remove_events_through(std::int64_t id) {
    Statement st{*cache_, "DELETE FROM outbox WHERE id <= ?1"};
    if (!st.ok()) return db_error(db_, "prepare outbox delete");
    st.integer(1, id);
    if (st.step() != SQLITE_DONE) return db_error(db_, "remove events");
    return {};
}

core::Result<void> SqliteStore::add_key(const store::ApiKey& key) {
    static const std::string sql = "INSERT INTO api_keys (" + std::string{store::kKeyColumns} +
                                   ") VALUES (" + placeholders(6) + ")";
    Statement st{*cache_, sql.c_str()};
    if (!st.ok()) return db_error(db_, "prepare add key");
    const store::Row cells = store::key_row(key);
    st.row(cells);
    const int rc = st.step();
    if (rc == SQLITE_CONSTRAINT) return Error{Errc::Duplicate, "key " + key.id + " exists"};
    if (rc != SQLITE_DONE) return db_error(db_, "add key");
    return {};
}

core::Result<std::vector<store::ApiKey>> SqliteStore::keys() {
    static const std::string sql =
        "SELECT " + std::string{store::kKeyColumns} + " FROM api_keys ORDER BY created_at, id";
    Statement st{*cache_, sql.c_str()};
    if (!st.ok()) return db_error(db_, "prepare keys");
    return collect<store::ApiKey>(db_, st, 6, store::key_from_row, "select keys");
}

core::Result<std::optional<store::ApiKey>> SqliteStore::find_key(const std::string& hash) {
    static const std::string sql =
        "SELECT " + std::string{store::kKeyColumns} + " FROM api_keys WHERE hash = ?1";
    Statement st{*cache_, sql.c_str()};
    if (!st.ok()) return db_error(db_, "prepare find key");
    st.text(1, hash);
    const int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<store::ApiKey>{};
    if (rc != SQLITE_ROW) return db_error(db_, "find key");
    auto key = store::key_from_row(st.row(6));
    if (!key) return key.error();
    return std::optional<store::ApiKey>{std::move(*key)};
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
    const store::Row cells = store::audit_row(e);
    st.row(cells);
    if (st.step() != SQLITE_DONE) return db_error(db_, "append audit");
    return {};
}

core::Result<void> SqliteStore::append_all(const std::vector<store::AuditEntry>& entries) {
    return in_transaction<void>(*cache_, [&]() -> core::Result<void> {
        for (const auto& e : entries) {
            if (auto ok = append(e); !ok) return ok;
        }
        return {};
    });
}

core::Result<std::vector<store::AuditEntry>> SqliteStore::recent(std::size_t limit) {
    const std::string sql = "SELECT " + std::string{store::kAuditColumns} +
                            " FROM audit ORDER BY seq DESC LIMIT " + std::to_string(limit);
    Statement st{*cache_, sql.c_str(), false};
    if (!st.ok()) return db_error(db_, "prepare audit read");
    return collect<store::AuditEntry>(db_, st, 7, store::audit_from_row, "read audit");
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
    return in_transaction<void>(*cache_, [&]() -> core::Result<void> {
        for (const auto& [key, value] : documents) {
            if (auto ok = put(key, value, at); !ok) return ok;
        }
        return {};
    });
}

core::Result<void> SqliteStore::trim(const std::string& prefix, std::size_t keep) {
    // Key ranges, so that both the delete and the newest `keep` walk the primary key's index.
    Statement st{*cache_,
                 "DELETE FROM settings WHERE key >= ?1 AND (?2 = '' OR key < ?2) AND key < "
                 "COALESCE((SELECT key FROM settings WHERE key >= ?1 AND (?2 = '' OR key < ?2) "
                 "ORDER BY key DESC LIMIT 1 OFFSET ?3), '')"};
    if (!st.ok()) return db_error(db_, "prepare trim");
    const std::string end = prefix_end(prefix);
    st.text(1, prefix);
    st.text(2, end);
    if (keep == 0) {
        Statement all{*cache_, "DELETE FROM settings WHERE key >= ?1 AND (?2 = '' OR key < ?2)"};
        if (!all.ok()) return db_error(db_, "prepare trim");
        all.text(1, prefix);
        all.text(2, end);
        if (all.step() != SQLITE_DONE) return db_error(db_, "trim " + prefix);
        return {};
    }
    st.integer(3, static_cast<std::int64_t>(keep) - 1);
    if (st.step() != SQLITE_DONE) return db_error(db_, "trim " + prefix);
    return {};
}

core::Result<std::vector<std::pair<std::string, std::string>>> SqliteStore::scan(
    const std::string& prefix) {
    Statement st{*cache_,
                 "SELECT key, value FROM settings WHERE key >= ?1 AND (?2 = '' OR key < ?2) "
                 "ORDER BY key"};
    if (!st.ok()) return db_error(db_, "prepare scan");
    const std::string end = prefix_end(prefix);
    st.text(1, prefix);
    st.text(2, end);
    std::vector<std::pair<std::string, std::string>> out;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        out.emplace_back(st.column_text(0), st.column_text(1));
    }
    if (rc != SQLITE_DONE) return db_error(db_, "scan " + prefix);
    return out;
}

core::Result<void> SqliteStore::put_bars(const std::vector<store::StoredBar>& bars) {
    return in_transaction<void>(*cache_, [&]() -> core::Result<void> {
        static const std::string sql = "INSERT OR REPLACE INTO bars (" +
                                       std::string{store::kBarColumns} + ") VALUES (" +
                                       placeholders(10) + ")";
        Statement st{*cache_, sql.c_str()};
        if (!st.ok()) return db_error(db_, "prepare put bars");
        for (const auto& b : bars) {
            sqlite3_reset(st.get());
            const store::Row cells = store::bar_row(b);
            st.row(cells);
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
    const std::string sql = "SELECT " + std::string{store::kBarColumns} +
                            " FROM (SELECT * FROM bars WHERE symbol = ?1 AND timeframe = ?2 AND "
                            "ts >= ?3 AND ts < ?4 ORDER BY ts DESC LIMIT " +
                            std::to_string(limit) + ") ORDER BY ts";
    Statement st{*cache_, sql.c_str(), false};
    if (!st.ok()) return db_error(db_, "prepare bars");
    st.text(1, symbol.str());
    st.text(2, timeframe);
    st.integer(3, from.ns());
    st.integer(4, to.ns());
    return collect<store::StoredBar>(db_, st, 10, store::bar_from_row, "select bars");
}

core::Result<void> SqliteStore::add_equity(const store::EquityPoint& p) {
    Statement st{*cache_,
                 "INSERT OR REPLACE INTO equity_history (ts, equity, cash) VALUES (?1, ?2, ?3)"};
    if (!st.ok()) return db_error(db_, "prepare equity");
    const store::Row cells = store::equity_row(p);
    st.row(cells);
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
    return collect<store::EquityPoint>(db_, st, 3, store::equity_from_row, "read equity");
}

}  // namespace meridian::adapters::sqlite
