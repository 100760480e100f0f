// The PostgreSQL store against a real server (initdb on a free loopback port): the store
// contract, the migrations' dialect, and recovery when the server goes away and comes back.
#include "adapters/postgres/postgres_store.hpp"

#include <atomic>

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/store_contract.hpp"

namespace meridian::adapters::postgres {
namespace {

/// One server for the whole test program (initdb takes seconds), a new database per test.
test::PostgresServer& server() {
    static test::PostgresServer instance;
    return instance;
}

std::string fresh_database() {
    static std::atomic<int> n{0};
    return server().create_database("t" + std::to_string(getpid()) + "_" + std::to_string(++n));
}

class PostgresBackend {
public:
    PostgresBackend() : url_{fresh_database()} {}
    std::unique_ptr<PostgresStore> open() {
        auto store = PostgresStore::open(url_);
        if (!store) throw std::runtime_error(store.error().message);
        return std::move(*store);
    }
    const std::string& url() const { return url_; }

private:
    std::string url_;
};

TEST(PostgresDialect, WidensIntegersAndNumbersTheAuditLog) {
    EXPECT_EQ(PostgresStore::dialect("seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL"),
              "seq BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL");
    EXPECT_EQ(PostgresStore::dialect("trade_count INTEGER NOT NULL, INTEGERS"),
              "trade_count BIGINT NOT NULL, INTEGERS");
}

TEST(PostgresStoreOpen, AnUnreachableServerIsUnavailable) {
    const auto port = test::free_port();
    auto store = PostgresStore::open("postgresql://meridian@127.0.0.1:" + std::to_string(port) +
                                     "/postgres?connect_timeout=2");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, core::Errc::Unavailable);
    EXPECT_NE(store.error().message.find("cannot connect"), std::string::npos);
}

TEST(PostgresStoreOpen, NanosecondTimesAndExactDecimalsSurvive) {
    PostgresBackend db;
    auto store = db.open();
    auto o =
        core::Order::create(test::limit("SPY", core::Side::Buy, "3", "612345.67"), test::oid("o-1"),
                            test::coid("c-1"), test::ts("2024-03-01T14:30:00.123456789Z"))
            .value();
    ASSERT_TRUE(store->insert(o, "s"));
    auto found = store->find(test::oid("o-1"));
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(*found);
    const auto back = (*found)->order.snapshot();
    EXPECT_EQ(back.created_at, test::ts("2024-03-01T14:30:00.123456789Z"));
    EXPECT_EQ(back.request.limit_price, test::px("612345.67"));
    EXPECT_EQ(back.request.qty, test::qty("3"));
}

TEST(PostgresStoreRecovery, CallsFailWhileTheServerIsDownAndRecoverWhenItIsBack) {
    PostgresBackend db;
    auto store = db.open();
    ASSERT_TRUE(store->put("a", "1", core::Timestamp::from_ns(1)));
    server().stop();
    auto down = store->put("b", "2", core::Timestamp::from_ns(2));
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, core::Errc::Unavailable);
    auto still_down = store->get("a");  // reconnecting fails too, cleanly
    ASSERT_FALSE(still_down);
    EXPECT_EQ(still_down.error().code, core::Errc::Unavailable);
    server().start();
    auto back = store->get("a");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->value(), "1");
    EXPECT_FALSE(store->get("b").value());  // the failed put changed nothing
    ASSERT_TRUE(store->put("b", "2", core::Timestamp::from_ns(2)));
}

TEST(PostgresStoreRecovery, TheServerGoingAwayInsideAGroupCommitFailsItCleanly) {
    PostgresBackend db;
    auto store = db.open();
    std::vector<core::Result<void>> results;
    const auto committed = store->transaction([&]() -> core::Result<void> {
        results.push_back(store->put("a", "1", core::Timestamp::from_ns(1)));
        server().stop();  // the order writer's batch meets a dead server halfway
        results.push_back(store->put("b", "2", core::Timestamp::from_ns(2)));
        return {};
    });
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().code, core::Errc::Unavailable);
    server().start();
    ASSERT_TRUE(store->put("c", "3", core::Timestamp::from_ns(3)));
    EXPECT_FALSE(store->get("a").value());  // the whole batch was rolled back
    EXPECT_FALSE(store->get("b").value());
}

TEST(PostgresStoreMigrations, ProcessesOpeningAtOnceApplyTheSchemaOnce) {
    PostgresBackend db;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            if (auto s = PostgresStore::open(db.url()); s && (*s)->schema_version() == 11) ++ok;
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 4);
    EXPECT_EQ(server().psql("SELECT count(*) FROM schema_version",
                            db.url().substr(db.url().rfind('/') + 1)),
              "11\n");
}

}  // namespace
}  // namespace meridian::adapters::postgres

namespace meridian::test {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreContract, adapters::postgres::PostgresBackend);
}  // namespace meridian::test
