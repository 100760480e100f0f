// SqliteStore: the store ports over SQLite (WAL, full sync), the default for `meridian run`.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "store/store.hpp"

struct sqlite3;

namespace meridian::adapters::sqlite {

class StatementCache;
class WalCheckpointer;

/// Orders and fills in one SQLite file. Opened in WAL mode with synchronous=FULL, so a call
/// that returned is on disk; applies the schema migrations it has not applied yet. The log is
/// copied into the file by a thread of its own (one per file), never inside a commit.
/// Blocks; one connection, used by one thread at a time (not thread-safe).
class SqliteStore final : public store::Store {
public:
    /// Opens or creates the database at `path` (its folder must exist).
    static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

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

private:
    explicit SqliteStore(sqlite3* db);
    core::Result<void> migrate();
    core::Result<std::vector<store::StoredOrder>> select_orders(
        const std::string& where, const std::vector<std::variant<std::string, std::int64_t>>& args,
        bool keep = true);

    sqlite3* db_;
    std::unique_ptr<StatementCache> cache_;
    bool savepoints_ = true;  // inside transaction(): each call its own savepoint
    std::shared_ptr<WalCheckpointer> checkpointer_;  // shared by the file's connections
    int version_ = 0;
};

}  // namespace meridian::adapters::sqlite
