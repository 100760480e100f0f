// PostgresStore: the store ports over PostgreSQL (libpqxx), for services in separate processes.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace meridian::adapters::postgres {

/// Every store port on one PostgreSQL connection, with the same schema migrations as SQLite
/// (INTEGER columns become BIGINT). A commit is durable when it returns (synchronous_commit).
/// A lost connection makes calls fail with Unavailable (nothing half-done: each call is a
/// transaction) and the next call connects again, so the store recovers by itself when the
/// server is back. Blocks; one connection used by one thread at a time (not thread-safe).
class PostgresStore final : public store::Store {
public:
    /// Connects to `url` (postgresql://USER[:PASSWORD]@HOST:PORT/DB or a libpq key=value
    /// string) and applies the migrations it has not applied yet (one process at a time).
    static core::Result<std::unique_ptr<PostgresStore>> open(const std::string& url);
    ~PostgresStore() override;
    PostgresStore(const PostgresStore&) = delete;
    PostgresStore& operator=(const PostgresStore&) = delete;

    using store::OrderStore::insert;
    core::Result<void> insert(const core::Order& order, std::string_view strategy,
                              const store::OrderLinks& links) override;
    core::Result<void> update(const core::Order& order) override;
    core::Result<bool> record_fill(const core::Fill& fill, const core::Order& order) override;
    core::Result<std::optional<store::StoredOrder>> find(const core::OrderId& id) override;
    core::Result<std::optional<store::StoredOrder>> find_by_client_order_id(
        const core::ClientOrderId& id) override;
    core::Result<std::vector<store::StoredOrder>> open_orders() override;
    core::Result<std::vector<store::StoredOrder>> legs_of(const core::OrderId& parent) override;
    core::Result<void> each_fill(const std::function<void(const core::Fill&)>& f) override;
    core::Result<void> each_strategy_fill(
        const std::function<void(const store::StrategyFill&)>& f) override;
    core::Result<std::vector<core::Fill>> list_fills(const store::FillQuery& query) override;
    core::Result<std::vector<store::StoredOrder>> list(const store::OrderQuery& query) override;
    core::Result<void> transaction(const std::function<core::Result<void>()>& body,
                                   Commit commit = Commit::Durable,
                                   Savepoints savepoints = Savepoints::PerCall) override;
    core::Result<std::int64_t> enqueue_event(const std::string& topic, const std::string& type,
                                             const std::string& payload,
                                             core::Timestamp at) override;
    core::Result<std::vector<store::OutboxEvent>> events_after(std::int64_t after,
                                                               std::size_t limit) override;
    core::Result<void> remove_events_through(std::int64_t id) override;

    core::Result<void> add_key(const store::ApiKey& key) override;
    core::Result<std::vector<store::ApiKey>> keys() override;
    core::Result<std::optional<store::ApiKey>> find_key(const std::string& hash) override;
    core::Result<void> revoke_key(const std::string& id, core::Timestamp at) override;

    core::Result<void> append(const store::AuditEntry& entry) override;
    core::Result<void> append_all(const std::vector<store::AuditEntry>& entries) override;
    core::Result<std::vector<store::AuditEntry>> recent(std::size_t limit) override;

    core::Result<void> put(const std::string& key, const std::string& value,
                           core::Timestamp at) override;
    core::Result<std::optional<std::string>> get(const std::string& key) override;
    core::Result<void> erase(const std::string& key) override;
    core::Result<void> put_all(const std::vector<std::pair<std::string, std::string>>& documents,
                               core::Timestamp at) override;
    core::Result<void> trim(const std::string& prefix, std::size_t keep) override;
    core::Result<std::vector<std::pair<std::string, std::string>>> scan(
        const std::string& prefix) override;

    core::Result<void> put_bars(const std::vector<store::StoredBar>& bars) override;
    core::Result<std::vector<store::StoredBar>> bars(const core::Symbol& symbol,
                                                     const std::string& timeframe,
                                                     core::Timestamp from, core::Timestamp to,
                                                     std::size_t limit) override;
    core::Result<void> add_equity(const store::EquityPoint& point) override;
    core::Result<std::vector<store::EquityPoint>> equity(core::Timestamp from,
                                                         std::size_t limit) override;

    /// The schema version applied (the number of migrations).
    int schema_version() const noexcept override { return version_; }

    /// The migration text for PostgreSQL: SQLite's schema with 64-bit integers.
    static std::string dialect(std::string_view sqlite_sql);

private:
    explicit PostgresStore(std::string url);
    /// Runs `body` in a transaction (a savepoint inside transaction()); connects first if
    /// needed. Database errors become Duplicate (unique violations) or Unavailable.
    template <typename T>
    core::Result<T> run(std::string_view what,
                        const std::function<core::Result<T>(pqxx::dbtransaction&)>& body);
    core::Result<void> connect();
    core::Result<void> migrate();
    core::Result<std::vector<store::StoredOrder>> select_orders(
        pqxx::dbtransaction& tx, const std::string& where, const std::vector<std::string>& args);

    std::string url_;
    struct Connection;  // pqxx::connection (a typedef in libpqxx 6)
    std::unique_ptr<Connection> conn_;
    pqxx::dbtransaction* current_ = nullptr;  // the transaction() in progress
    bool savepoints_ = true;                  // its calls each in a savepoint
    int version_ = 0;
};

}  // namespace meridian::adapters::postgres
