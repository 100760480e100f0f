// PostgreSQL implementation of the store ports: prepared statements, one transaction per call.
#include "adapters/postgres/postgres_store.hpp"

#include <regex>

#include <pqxx/pqxx>

#include "store/migrations.hpp"
#include "store/rows.hpp"

namespace meridian::adapters::postgres {

namespace {

using core::Errc;
using core::Error;

/// "$first, ..., $(first + n - 1)".
std::string placeholders(std::size_t n, std::size_t first = 1) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += (i ? ", $" : "$") + std::to_string(first + i);
    }
    return out;
}

/// Statement parameters: a row's cells (NULL as a null pointer), then more values.
class Params {
public:
    explicit Params(const store::Row& row = {}) {
        for (const auto& c : row) {
            add(c);
        }
    }
    Params& add(const store::Cell& c) {
        values_.push_back(c);
        return *this;
    }
    Params& add(std::string v) { return add(store::Cell{std::move(v)}); }
    auto get() {
        pointers_.clear();
        for (const auto& v : values_) {
            pointers_.push_back(v ? v->c_str() : nullptr);
        }
        return pqxx::prepare::make_dynamic_params(pointers_);
    }

private:
    std::vector<store::Cell> values_;
    std::vector<const char*> pointers_;
};

store::Row row_of(const pqxx::row& r, std::size_t first = 0, std::size_t count = 0) {
    store::Row out;
    const std::size_t end = count ? first + count : r.size();
    out.reserve(end - first);
    for (std::size_t i = first; i < end; ++i) {
        const auto f = r[static_cast<pqxx::row::size_type>(i)];
        if (f.is_null()) {
            out.emplace_back();
        } else {
            out.emplace_back(std::string{f.c_str(), f.size()});
        }
    }
    return out;
}

/// Every statement the store prepares on each connection.
struct Prepared {
    const char* name;
    std::string sql;
};

const std::vector<Prepared>& statements() {
    static const std::vector<Prepared> all = [] {
        const std::string orders{store::kOrderColumns};
        std::string update = "UPDATE orders SET ";
        std::size_t i = 1;
        for (auto column : store::kOrderStateColumns) {
            update += (i > 1 ? ", " : "") + std::string{column} + " = $" + std::to_string(i);
            ++i;
        }
        update += " WHERE id = $" + std::to_string(i);
        return std::vector<Prepared>{
            {"insert_order", "INSERT INTO orders (" + orders + ") VALUES (" +
                                 placeholders(store::kOrderColumnCount) + ")"},
            {"update_order", update},
            {"insert_fill", "INSERT INTO fills (" + std::string{store::kFillColumns} +
                                ") VALUES (" + placeholders(9) +
                                ") ON CONFLICT (execution_id) DO NOTHING"},
            {"add_key", "INSERT INTO api_keys (" + std::string{store::kKeyColumns} + ") VALUES (" +
                            placeholders(6) + ")"},
            {"keys", "SELECT " + std::string{store::kKeyColumns} +
                         " FROM api_keys ORDER BY created_at, id"},
            {"find_key",
             "SELECT " + std::string{store::kKeyColumns} + " FROM api_keys WHERE hash = $1"},
            {"revoke_key",
             "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2"},
            {"append_audit",
             "INSERT INTO audit (ts, principal, action, target, status, detail) VALUES (" +
                 placeholders(6) + ")"},
            {"recent_audit", "SELECT " + std::string{store::kAuditColumns} +
                                 " FROM audit ORDER BY seq DESC LIMIT $1"},
            {"enqueue_event",
             "INSERT INTO outbox (topic, type, payload, created_at) VALUES ($1, $2, $3, $4) "
             "RETURNING id"},
            {"events_after",
             "SELECT id, topic, type, payload FROM outbox WHERE id > $1 ORDER BY id LIMIT $2"},
            {"remove_events", "DELETE FROM outbox WHERE id <= $1"},
            {"put",
             "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON "
             "CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = "
             "excluded.updated_at"},
            {"get", "SELECT value FROM settings WHERE key = $1"},
            {"erase", "DELETE FROM settings WHERE key = $1"},
            {"trim",
             "DELETE FROM settings WHERE starts_with(key, $1) AND key NOT IN (SELECT key "
             "FROM settings WHERE starts_with(key, $1) ORDER BY key DESC LIMIT $2)"},
            {"scan", "SELECT key, value FROM settings WHERE starts_with(key, $1) ORDER BY key"},
            {"put_bar", "INSERT INTO bars (" + std::string{store::kBarColumns} + ") VALUES (" +
                            placeholders(10) +
                            ") ON CONFLICT (symbol, timeframe, ts) DO UPDATE SET open = "
                            "excluded.open, high = excluded.high, low = excluded.low, close = "
                            "excluded.close, volume = excluded.volume, vwap = excluded.vwap, "
                            "trade_count = excluded.trade_count"},
            {"bars", "SELECT " + std::string{store::kBarColumns} +
                         " FROM (SELECT * FROM bars WHERE symbol = $1 AND timeframe = $2 AND ts "
                         ">= $3 AND ts < $4 ORDER BY ts DESC LIMIT $5) AS latest ORDER BY ts"},
            {"add_equity", "INSERT INTO equity_history (" + std::string{store::kEquityColumns} +
                               ") VALUES ($1, $2, $3) ON CONFLICT (ts) DO UPDATE SET equity = "
                               "excluded.equity, cash = excluded.cash"},
            {"equity", "SELECT " + std::string{store::kEquityColumns} +
                           " FROM (SELECT * FROM equity_history WHERE ts >= $1 ORDER BY ts DESC "
                           "LIMIT $2) AS latest ORDER BY ts"},
        };
    }();
    return all;
}

/// The orders' columns plus their fills' execution ids (unit-separator joined, in order).
const std::string& order_select() {
    static const std::string sql =
        "SELECT " + std::string{store::kOrderColumns} +
        ", (SELECT string_agg(f.execution_id, chr(31) ORDER BY f.ts_init, f.execution_id) FROM "
        "fills f WHERE f.order_id = orders.id) FROM orders ";
    return sql;
}

}  // namespace

struct PostgresStore::Connection {
    explicit Connection(const std::string& url) : pq{url} {}
    pqxx::connection pq;
};

std::string PostgresStore::dialect(std::string_view sqlite_sql) {
    std::string sql{sqlite_sql};
    sql = std::regex_replace(sql, std::regex{R"(INTEGER PRIMARY KEY AUTOINCREMENT)"},
                             "BIGSERIAL PRIMARY KEY");
    sql = std::regex_replace(sql, std::regex{R"(\bINTEGER\b)"}, "BIGINT");
    return sql;
}

core::Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url) {
    std::unique_ptr<PostgresStore> store{new PostgresStore{url}};
    if (auto ok = store->connect(); !ok) return ok.error();
    if (auto ok = store->migrate(); !ok) return ok.error();
    return store;
}

PostgresStore::PostgresStore(std::string url) : url_{std::move(url)} {}

PostgresStore::~PostgresStore() = default;

core::Result<void> PostgresStore::connect() {
    try {
        auto conn = std::make_unique<Connection>(url_);
        for (const auto& s : statements()) {
            conn->pq.prepare(s.name, s.sql);
        }
        conn_ = std::move(conn);
        return {};
    } catch (const std::exception& e) {
        conn_.reset();
        std::string why = e.what();
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) {
            why.pop_back();
        }
        return Error{Errc::Unavailable, "postgresql: cannot connect: " + why};
    }
}

template <typename T>
core::Result<T> PostgresStore::run(
    std::string_view what, const std::function<core::Result<T>(pqxx::dbtransaction&)>& body) {
    auto failed = [&](Errc code, const std::string& why) {
        return Error{code, "postgresql: " + std::string{what} + ": " + why};
    };
    try {
        if (current_ != nullptr && !savepoints_) return body(*current_);  // part of the whole
        if (current_ != nullptr) {
            // Inside transaction(): a savepoint, so that a failed call undoes only itself.
            // (Written out: libpqxx 6's subtransaction issues no SAVEPOINT before a prepared
            // statement.)
            pqxx::dbtransaction& tx = *current_;
            tx.exec("SAVEPOINT meridian_call");
            try {
                auto result = body(tx);
                tx.exec(result ? "RELEASE SAVEPOINT meridian_call"
                               : "ROLLBACK TO SAVEPOINT meridian_call");
                return result;
            } catch (const pqxx::sql_error&) {
                tx.exec("ROLLBACK TO SAVEPOINT meridian_call");
                throw;
            }
        }
        if (!conn_ || !conn_->pq.is_open()) {
            if (auto ok = connect(); !ok) return ok.error();
        }
        pqxx::work tx{conn_->pq};
        auto result = body(tx);
        if (result) tx.commit();
        return result;
    } catch (const pqxx::unique_violation& e) {
        return failed(Errc::Duplicate, "already stored");
    } catch (const pqxx::broken_connection& e) {
        // Inside transaction() the enclosing call still holds the connection: it ends the
        // transaction and drops the connection itself.
        if (current_ != nullptr) throw;
        conn_.reset();  // the next call connects again
        return failed(Errc::Unavailable, "connection lost");
    } catch (const pqxx::in_doubt_error& e) {
        if (current_ != nullptr) throw;
        conn_.reset();
        return failed(Errc::Timeout, "connection lost during commit: outcome unknown");
    } catch (const std::exception& e) {
        if (conn_ && !conn_->pq.is_open()) {
            if (current_ != nullptr) throw;
            conn_.reset();
        }
        return failed(Errc::Unavailable, e.what());
    }
}

core::Result<void> PostgresStore::migrate() {
    return run<void>("migrate", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        // One migrating process at a time: the lock is held until this transaction ends.
        tx.exec("SELECT pg_advisory_xact_lock(7262747)");
        tx.exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)");
        version_ = tx.exec1("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0].as<int>();
        if (version_ > static_cast<int>(store::migrations.size())) {
            return Error{Errc::Unavailable, "the database has schema version " +
                                                std::to_string(version_) +
                                                ", newer than this meridian knows (" +
                                                std::to_string(store::migrations.size()) + ")"};
        }
        for (auto v = static_cast<std::size_t>(version_); v < store::migrations.size(); ++v) {
            tx.exec(dialect(store::migrations[v]));
            tx.exec("INSERT INTO schema_version (version) VALUES (" + std::to_string(v + 1) + ")");
        }
        version_ = static_cast<int>(store::migrations.size());
        return {};
    });
}

core::Result<void> PostgresStore::transaction(const std::function<core::Result<void>()>& body,
                                              Commit commit, Savepoints savepoints) {
    const bool outermost = current_ == nullptr;
    return run<void>("transaction", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        // Relaxed: the commit returns before the WAL reaches the disk (it does within
        // wal_writer_delay); a server crash may lose it, never a durable one after it.
        if (commit == Commit::Relaxed && outermost) {
            tx.exec("SET LOCAL synchronous_commit TO OFF");
        }
        pqxx::dbtransaction* outer = current_;
        const bool outer_savepoints = savepoints_;
        current_ = &tx;
        if (outermost) savepoints_ = savepoints == Savepoints::PerCall;
        auto restore = [&] {
            current_ = outer;
            savepoints_ = outer_savepoints;
        };
        core::Result<void> result = [&]() -> core::Result<void> {
            try {
                return body();
            } catch (...) {
                restore();
                throw;
            }
        }();
        restore();
        return result;
    });
}

core::Result<void> PostgresStore::insert(const core::Order& order, std::string_view strategy,
                                         const store::OrderLinks& links) {
    auto r = run<void>("insert order", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        Params p{store::order_row(order, strategy, links)};
        tx.exec_prepared("insert_order", p.get());
        return {};
    });
    if (!r && r.error().code == Errc::Duplicate) {
        return Error{Errc::Duplicate, "order " + order.id().str() + " or client_order_id " +
                                          order.client_order_id().str() + " is already stored"};
    }
    return r;
}

core::Result<void> PostgresStore::update(const core::Order& order) {
    return run<void>("update order", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        Params p{store::order_state_row(order)};
        p.add(order.id().str());
        if (tx.exec_prepared("update_order", p.get()).affected_rows() != 1) {
            return Error{Errc::NotFound, "no stored order " + order.id().str()};
        }
        return {};
    });
}

core::Result<bool> PostgresStore::record_fill(const core::Fill& fill, const core::Order& order) {
    return run<bool>("record fill", [&](pqxx::dbtransaction& tx) -> core::Result<bool> {
        Params p{store::fill_row(fill)};
        if (tx.exec_prepared("insert_fill", p.get()).affected_rows() == 0) return false;
        Params s{store::order_state_row(order)};
        s.add(order.id().str());
        if (tx.exec_prepared("update_order", s.get()).affected_rows() != 1) {
            return Error{Errc::NotFound, "no stored order " + order.id().str()};
        }
        return true;
    });
}

core::Result<std::vector<store::StoredOrder>> PostgresStore::select_orders(
    pqxx::dbtransaction& tx, const std::string& where, const std::vector<std::string>& args) {
    Params p;
    for (const auto& a : args) {
        p.add(a);
    }
    const pqxx::result rows = tx.exec_params(order_select() + where, p.get());
    std::vector<store::StoredOrder> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        std::vector<std::string> executions;
        const auto agg = r[static_cast<pqxx::row::size_type>(store::kOrderColumnCount)];
        if (!agg.is_null()) {
            std::string_view all{agg.c_str(), agg.size()};
            for (std::size_t start = 0;;) {
                const auto sep = all.find('\x1f', start);
                executions.emplace_back(all.substr(start, sep - start));
                if (sep == std::string_view::npos) break;
                start = sep + 1;
            }
        }
        auto order =
            store::order_from_row(row_of(r, 0, store::kOrderColumnCount), std::move(executions));
        if (!order) return order.error();
        out.push_back(std::move(*order));
    }
    return out;
}

core::Result<std::optional<store::StoredOrder>> PostgresStore::find(const core::OrderId& id) {
    using Found = std::optional<store::StoredOrder>;
    return run<Found>("find order", [&](pqxx::dbtransaction& tx) -> core::Result<Found> {
        auto rows = select_orders(tx, "WHERE id = $1", {id.str()});
        if (!rows) return rows.error();
        if (rows->empty()) return Found{};
        return Found{std::move(rows->front())};
    });
}

core::Result<std::optional<store::StoredOrder>> PostgresStore::find_by_client_order_id(
    const core::ClientOrderId& id) {
    using Found = std::optional<store::StoredOrder>;
    return run<Found>("find order", [&](pqxx::dbtransaction& tx) -> core::Result<Found> {
        auto rows = select_orders(tx, "WHERE client_order_id = $1", {id.str()});
        if (!rows) return rows.error();
        if (rows->empty()) return Found{};
        return Found{std::move(rows->front())};
    });
}

core::Result<std::vector<store::StoredOrder>> PostgresStore::open_orders() {
    using Orders = std::vector<store::StoredOrder>;
    return run<Orders>("open orders", [&](pqxx::dbtransaction& tx) -> core::Result<Orders> {
        return select_orders(
            tx, "WHERE " + std::string{store::kOpenOrderPredicate} + " ORDER BY created_at, id",
            {});
    });
}

core::Result<std::vector<store::StoredOrder>> PostgresStore::legs_of(const core::OrderId& parent) {
    using Orders = std::vector<store::StoredOrder>;
    return run<Orders>("legs", [&](pqxx::dbtransaction& tx) -> core::Result<Orders> {
        return select_orders(tx, "WHERE parent_id = $1 ORDER BY created_at, id", {parent.str()});
    });
}

namespace {

/// Runs `sql` through a cursor in `tx`, handing each row to `each` a page at a time: a history
/// of any length in bounded memory (libpqxx 6 has no streaming of query results).
core::Result<void> each_row(pqxx::dbtransaction& tx, const std::string& sql,
                            const std::function<core::Result<void>(const pqxx::row&)>& each) {
    tx.exec("DECLARE meridian_rows NO SCROLL CURSOR FOR " + sql);
    for (;;) {
        const pqxx::result page = tx.exec("FETCH FORWARD 1000 FROM meridian_rows");
        for (const auto& r : page) {
            if (auto ok = each(r); !ok) return ok;
        }
        if (page.size() < 1000) break;
    }
    tx.exec("CLOSE meridian_rows");
    return {};
}

}  // namespace

core::Result<void> PostgresStore::each_fill(const std::function<void(const core::Fill&)>& f) {
    static const std::string sql =
        "SELECT " + std::string{store::kFillColumns} + " FROM fills ORDER BY ts_init, execution_id";
    return run<void>("fills", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        return each_row(tx, sql, [&](const pqxx::row& r) -> core::Result<void> {
            auto fill = store::fill_from_row(row_of(r));
            if (!fill) return fill.error();
            f(*fill);
            return {};
        });
    });
}

core::Result<std::vector<core::Fill>> PostgresStore::list_fills(const store::FillQuery& q) {
    const auto sql = store::fill_list_sql(q, '$', "::bigint");
    Params p;
    for (const auto& a : sql.args) {
        p.add(std::holds_alternative<std::string>(a) ? std::get<std::string>(a)
                                                     : std::to_string(std::get<std::int64_t>(a)));
    }
    using Fills = std::vector<core::Fill>;
    return run<Fills>("list fills", [&](pqxx::dbtransaction& tx) -> core::Result<Fills> {
        if (q.page_token &&
            tx.exec_params("SELECT 1 FROM fills WHERE execution_id = $1", *q.page_token).empty()) {
            return store::unknown_page_token(*q.page_token);
        }
        Fills out;
        for (const auto& r : tx.exec_params(sql.clause, p.get())) {
            auto fill = store::fill_from_row(row_of(r));
            if (!fill) return fill.error();
            out.push_back(std::move(*fill));
        }
        return out;
    });
}

core::Result<void> PostgresStore::each_strategy_fill(
    const std::function<void(const store::StrategyFill&)>& f) {
    static const std::string sql =
        std::string{store::kStrategyFillsSelect} + " ORDER BY f.ts_init, f.execution_id";
    return run<void>("strategy fills", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        return each_row(tx, sql, [&](const pqxx::row& r) -> core::Result<void> {
            auto fill = store::fill_from_row(row_of(r, 0, 9));
            if (!fill) return fill.error();
            f(store::StrategyFill{std::move(*fill), r[9].is_null() ? std::string{} : r[9].c_str()});
            return {};
        });
    });
}

core::Result<std::vector<store::StoredOrder>> PostgresStore::list(const store::OrderQuery& q) {
    const auto sql = store::order_list_sql(q, '$', "id", "::bigint");
    std::vector<std::string> args;
    for (const auto& a : sql.args) {
        args.push_back(std::holds_alternative<std::string>(a)
                           ? std::get<std::string>(a)
                           : std::to_string(std::get<std::int64_t>(a)));
    }
    using Orders = std::vector<store::StoredOrder>;
    return run<Orders>("list orders", [&](pqxx::dbtransaction& tx) -> core::Result<Orders> {
        return select_orders(tx, sql.clause, args);
    });
}

core::Result<std::int64_t> PostgresStore::enqueue_event(const std::string& topic,
                                                        const std::string& type,
                                                        const std::string& payload,
                                                        core::Timestamp at) {
    return run<std::int64_t>(
        "enqueue event", [&](pqxx::dbtransaction& tx) -> core::Result<std::int64_t> {
            return tx
                .exec_prepared1("enqueue_event", topic, type, payload, std::to_string(at.ns()))[0]
                .as<std::int64_t>();
        });
}

core::Result<std::vector<store::OutboxEvent>> PostgresStore::events_after(std::int64_t after,
                                                                          std::size_t limit) {
    using Events = std::vector<store::OutboxEvent>;
    return run<Events>("read outbox", [&](pqxx::dbtransaction& tx) -> core::Result<Events> {
        Events out;
        for (const auto& r :
             tx.exec_prepared("events_after", std::to_string(after), std::to_string(limit))) {
            out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                           r[3].as<std::string>()});
        }
        return out;
    });
}

core::Result<void> PostgresStore::remove_events_through(std::int64_t id) {
    return run<void>("remove events", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        tx.exec_prepared("remove_events", std::to_string(id));
        return {};
    });
}

core::Result<void> PostgresStore::add_key(const store::ApiKey& key) {
    auto r = run<void>("add key", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        Params p{store::key_row(key)};
        tx.exec_prepared("add_key", p.get());
        return {};
    });
    if (!r && r.error().code == Errc::Duplicate) {
        return Error{Errc::Duplicate, "key " + key.id + " exists"};
    }
    return r;
}

core::Result<std::vector<store::ApiKey>> PostgresStore::keys() {
    using Keys = std::vector<store::ApiKey>;
    return run<Keys>("keys", [&](pqxx::dbtransaction& tx) -> core::Result<Keys> {
        Keys out;
        for (const auto& r : tx.exec_prepared("keys")) {
            auto key = store::key_from_row(row_of(r));
            if (!key) return key.error();
            out.push_back(std::move(*key));
        }
        return out;
    });
}

core::Result<std::optional<store::ApiKey>> PostgresStore::find_key(const std::string& hash) {
    using Found = std::optional<store::ApiKey>;
    return run<Found>("find key", [&](pqxx::dbtransaction& tx) -> core::Result<Found> {
        const auto rows = tx.exec_prepared("find_key", hash);
        if (rows.empty()) return Found{};
        auto key = store::key_from_row(row_of(rows[0]));
        if (!key) return key.error();
        return Found{std::move(*key)};
    });
}

core::Result<void> PostgresStore::revoke_key(const std::string& id, core::Timestamp at) {
    return run<void>("revoke key", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        if (tx.exec_prepared("revoke_key", std::to_string(at.ns()), id).affected_rows() != 1) {
            return Error{Errc::NotFound, "no key " + id};
        }
        return {};
    });
}

core::Result<void> PostgresStore::append(const store::AuditEntry& entry) {
    return append_all({entry});
}

core::Result<void> PostgresStore::append_all(const std::vector<store::AuditEntry>& entries) {
    return run<void>("append audit", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        for (const auto& e : entries) {
            Params p{store::audit_row(e)};
            tx.exec_prepared("append_audit", p.get());
        }
        return {};
    });
}

core::Result<std::vector<store::AuditEntry>> PostgresStore::recent(std::size_t limit) {
    using Entries = std::vector<store::AuditEntry>;
    return run<Entries>("read audit", [&](pqxx::dbtransaction& tx) -> core::Result<Entries> {
        Entries out;
        for (const auto& r : tx.exec_prepared("recent_audit", std::to_string(limit))) {
            auto e = store::audit_from_row(row_of(r));
            if (!e) return e.error();
            out.push_back(std::move(*e));
        }
        return out;
    });
}

core::Result<void> PostgresStore::put(const std::string& key, const std::string& value,
                                      core::Timestamp at) {
    return put_all({{key, value}}, at);
}

core::Result<std::optional<std::string>> PostgresStore::get(const std::string& key) {
    using Found = std::optional<std::string>;
    return run<Found>("get " + key, [&](pqxx::dbtransaction& tx) -> core::Result<Found> {
        const auto rows = tx.exec_prepared("get", key);
        if (rows.empty()) return Found{};
        return Found{rows[0][0].as<std::string>()};
    });
}

core::Result<void> PostgresStore::erase(const std::string& key) {
    return run<void>("erase " + key, [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        tx.exec_prepared("erase", key);
        return {};
    });
}

core::Result<void> PostgresStore::put_all(
    const std::vector<std::pair<std::string, std::string>>& documents, core::Timestamp at) {
    return run<void>("put", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        for (const auto& [key, value] : documents) {
            tx.exec_prepared("put", key, value, std::to_string(at.ns()));
        }
        return {};
    });
}

core::Result<void> PostgresStore::trim(const std::string& prefix, std::size_t keep) {
    return run<void>("trim " + prefix, [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        tx.exec_prepared("trim", prefix, std::to_string(keep));
        return {};
    });
}

core::Result<std::vector<std::pair<std::string, std::string>>> PostgresStore::scan(
    const std::string& prefix) {
    using Documents = std::vector<std::pair<std::string, std::string>>;
    return run<Documents>("scan " + prefix,
                          [&](pqxx::dbtransaction& tx) -> core::Result<Documents> {
                              Documents out;
                              for (const auto& r : tx.exec_prepared("scan", prefix)) {
                                  out.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());
                              }
                              return out;
                          });
}

core::Result<void> PostgresStore::put_bars(const std::vector<store::StoredBar>& bars) {
    return run<void>("put bars", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        for (const auto& b : bars) {
            Params p{store::bar_row(b)};
            tx.exec_prepared("put_bar", p.get());
        }
        return {};
    });
}

core::Result<std::vector<store::StoredBar>> PostgresStore::bars(const core::Symbol& symbol,
                                                                const std::string& timeframe,
                                                                core::Timestamp from,
                                                                core::Timestamp to,
                                                                std::size_t limit) {
    using Bars = std::vector<store::StoredBar>;
    return run<Bars>("bars", [&](pqxx::dbtransaction& tx) -> core::Result<Bars> {
        Bars out;
        for (const auto& r :
             tx.exec_prepared("bars", symbol.str(), timeframe, std::to_string(from.ns()),
                              std::to_string(to.ns()), std::to_string(limit))) {
            auto bar = store::bar_from_row(row_of(r));
            if (!bar) return bar.error();
            out.push_back(std::move(*bar));
        }
        return out;
    });
}

core::Result<void> PostgresStore::add_equity(const store::EquityPoint& point) {
    return run<void>("add equity", [&](pqxx::dbtransaction& tx) -> core::Result<void> {
        Params p{store::equity_row(point)};
        tx.exec_prepared("add_equity", p.get());
        return {};
    });
}

core::Result<std::vector<store::EquityPoint>> PostgresStore::equity(core::Timestamp from,
                                                                    std::size_t limit) {
    using Points = std::vector<store::EquityPoint>;
    return run<Points>("equity", [&](pqxx::dbtransaction& tx) -> core::Result<Points> {
        Points out;
        for (const auto& r :
             tx.exec_prepared("equity", std::to_string(from.ns()), std::to_string(limit))) {
            auto p = store::equity_from_row(row_of(r));
            if (!p) return p.error();
            out.push_back(*p);
        }
        return out;
    });
}

}  // namespace meridian::adapters::postgres
