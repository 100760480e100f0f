// Tests of the SQLite store: round trips, duplicates, idempotent fills, and kill -9.
#include "adapters/sqlite/sqlite_store.hpp"

#include <filesystem>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/core_builders.hpp"

namespace meridian::adapters::sqlite {
namespace {

using core::OrderStatus;
using core::Side;

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("meridian-sqlite-" + std::to_string(getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string path() const { return (dir_ / "meridian.db").string(); }
    std::unique_ptr<SqliteStore> open() { return SqliteStore::open(path()).value(); }

    static core::Order order(const core::OrderRequest& r, const char* id, const char* coid) {
        return core::Order::create(r, test::oid(id), test::coid(coid),
                                   test::ts("2024-03-01T14:30:00.123456789Z"))
            .value();
    }
    std::filesystem::path dir_;
};

TEST_F(SqliteStoreTest, OrdersComeBackAsTheyWentIn) {
    auto store = open();
    EXPECT_EQ(store->schema_version(), 3);
    core::OrderRequest r = test::limit("SPY", Side::Buy, "100", "300.5");
    r.order_class = core::OrderClass::Bracket;
    r.take_profit = core::TakeProfit{test::px("310")};
    r.stop_loss = core::StopLoss{test::px("295"), test::px("294.5")};
    core::Order o = order(r, "o-1", "c-1");
    ASSERT_TRUE(store->insert(o, "trend"));
    ASSERT_TRUE(o.transition(OrderStatus::New, test::ts("2024-03-01T14:30:01Z")));
    ASSERT_TRUE(store->update(o));

    const auto back = store->find(test::oid("o-1")).value();
    ASSERT_TRUE(back);
    EXPECT_EQ(back->strategy, "trend");
    const auto a = o.snapshot();
    const auto b = back->order.snapshot();
    EXPECT_EQ(b.status, OrderStatus::New);
    EXPECT_EQ(b.request.limit_price, a.request.limit_price);
    EXPECT_EQ(b.request.stop_loss->limit_price, test::px("294.5"));
    EXPECT_EQ(b.request.take_profit->limit_price, test::px("310"));
    EXPECT_EQ(b.created_at, a.created_at);
    EXPECT_EQ(b.submitted_at, a.submitted_at);
    EXPECT_EQ(store->find_by_client_order_id(test::coid("c-1")).value()->order.id(),
              test::oid("o-1"));
    EXPECT_FALSE(store->find(test::oid("nope")).value());
}

TEST_F(SqliteStoreTest, AClientOrderIdIsKeptOnce) {
    auto store = open();
    ASSERT_TRUE(store->insert(order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1"), "s"));
    const auto again =
        store->insert(order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-1"), "s");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, core::Errc::Duplicate);
    EXPECT_FALSE(store->find(test::oid("o-2")).value());
}

TEST_F(SqliteStoreTest, FillsAreKeptOnceWithTheirOrder) {
    auto store = open();
    core::Order o = order(test::market("AAPL", Side::Buy, "10"), "o-1", "c-1");
    ASSERT_TRUE(store->insert(o, "s"));
    const core::Fill f = test::fill("AAPL", Side::Buy, "4", "187.25", "x-1", "0.35", "o-1");
    ASSERT_TRUE(*o.apply_fill(f));
    EXPECT_TRUE(*store->record_fill(f, o));
    EXPECT_FALSE(*store->record_fill(f, o));  // the same execution again
    const auto fills = store->fills().value();
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].price, test::px("187.25"));
    EXPECT_EQ(fills[0].commission, test::usd("0.35"));
    const auto back = store->find(test::oid("o-1")).value()->order;
    EXPECT_EQ(back.status(), OrderStatus::PartiallyFilled);
    EXPECT_EQ(back.filled_qty(), test::qty("4"));
    core::Order restored = back;
    EXPECT_FALSE(*restored.apply_fill(f));  // the restored order knows the execution too
    const auto open_orders = store->open_orders().value();
    ASSERT_EQ(open_orders.size(), 1u);
}

TEST_F(SqliteStoreTest, WhatWasAcknowledgedSurvivesKill9) {
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(pipe_fds[0]);
        auto store = SqliteStore::open(path());
        if (!store) _exit(2);
        for (int i = 0; i < 50; ++i) {
            core::Order o =
                order(test::market("AAPL", Side::Buy, "10"), ("o-" + std::to_string(i)).c_str(),
                      ("c-" + std::to_string(i)).c_str());
            if (!(*store)->insert(o, "s")) _exit(3);
            const core::Fill f =
                test::fill("AAPL", Side::Buy, "10", "100", "x-" + std::to_string(i), "0",
                           ("o-" + std::to_string(i)).c_str());
            if (!*o.apply_fill(f) || !*(*store)->record_fill(f, o)) _exit(4);
            const char ack = 'a';  // acknowledged: the caller may now rely on it
            if (write(pipe_fds[1], &ack, 1) != 1) _exit(5);
        }
        raise(SIGKILL);  // no destructor, no close, no flush
    }
    close(pipe_fds[1]);
    int acked = 0;
    char c = 0;
    while (read(pipe_fds[0], &c, 1) == 1)
        ++acked;
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited " << status;
    EXPECT_EQ(acked, 50);

    auto store = open();
    EXPECT_EQ(store->fills().value().size(), 50u);
    for (int i = 0; i < 50; ++i) {
        const auto o = store->find(test::oid("o-" + std::to_string(i))).value();
        ASSERT_TRUE(o) << i;
        EXPECT_EQ(o->order.status(), OrderStatus::Filled);
    }
    EXPECT_TRUE(store->open_orders().value().empty());
}

TEST_F(SqliteStoreTest, OpeningTwiceAppliesTheSchemaOnce) {
    { auto first = open(); }
    auto second = open();
    EXPECT_EQ(second->schema_version(), 3);
    const auto bad = SqliteStore::open((dir_ / "missing" / "x.db").string());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, core::Errc::Unavailable);
}

TEST_F(SqliteStoreTest, ListsOrdersByStatusSymbolAndTimeNewestFirst) {
    auto store = open();
    for (int i = 0; i < 5; ++i) {
        const std::string sym = i % 2 ? "MSFT" : "AAPL";
        auto o = core::Order::create(test::market(sym, Side::Buy, "1"),
                                     test::oid(("o-" + std::to_string(i)).c_str()),
                                     test::coid(("c-" + std::to_string(i)).c_str()),
                                     core::Timestamp::from_ns(1'000 + i))
                     .value();
        if (i == 4) {
            ASSERT_TRUE(o.transition(OrderStatus::Canceled, core::Timestamp::from_ns(2'000)));
        }
        ASSERT_TRUE(store->insert(o, "api"));
    }
    store::OrderQuery q;
    auto open_orders = store->list(q).value();
    ASSERT_EQ(open_orders.size(), 4u);
    EXPECT_EQ(open_orders.front().order.id(), test::oid("o-3"));
    q.status = store::OrderQuery::Status::Closed;
    ASSERT_EQ(store->list(q).value().size(), 1u);
    q.status = store::OrderQuery::Status::All;
    q.symbols = {test::sym("MSFT")};
    q.ascending = true;
    auto msft = store->list(q).value();
    ASSERT_EQ(msft.size(), 2u);
    EXPECT_EQ(msft.front().order.id(), test::oid("o-1"));
    q.symbols.clear();
    q.after = core::Timestamp::from_ns(1'001);
    q.until = core::Timestamp::from_ns(1'003);
    q.limit = 1;
    auto window = store->list(q).value();
    ASSERT_EQ(window.size(), 1u);
    EXPECT_EQ(window.front().order.id(), test::oid("o-2"));
}

TEST_F(SqliteStoreTest, ATransactionCommitsAllOrNothing) {
    auto store = open();
    auto a = order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1");
    auto b = order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-1");  // same client id
    const auto failed = store->transaction([&]() -> core::Result<void> {
        if (auto ok = store->insert(a, "s"); !ok) return ok;
        return store->insert(b, "s");
    });
    EXPECT_FALSE(failed);
    EXPECT_FALSE(store->find(test::oid("o-1")).value());
    ASSERT_TRUE(store->transaction([&]() { return store->insert(a, "s"); }));
    EXPECT_TRUE(store->find(test::oid("o-1")).value());
}

TEST_F(SqliteStoreTest, KeysAuditAndSettingsAreKept) {
    {
        auto store = open();
        ASSERT_TRUE(
            store->add_key({"k1", "abc", "admin", "first", core::Timestamp::from_ns(5), {}}));
        EXPECT_EQ(store->add_key({"k2", "abc", "viewer", "", core::Timestamp::from_ns(6), {}})
                      .error()
                      .code,
                  core::Errc::Duplicate);
        ASSERT_TRUE(store->revoke_key("k1", core::Timestamp::from_ns(9)));
        EXPECT_EQ(store->revoke_key("zz", core::Timestamp::from_ns(9)).error().code,
                  core::Errc::NotFound);
        ASSERT_TRUE(store->append(
            {0, core::Timestamp::from_ns(7), "k1", "POST /orders", "/orders", 200, ""}));
        ASSERT_TRUE(store->append(
            {0, core::Timestamp::from_ns(8), "k1", "DELETE /orders", "/orders", 207, ""}));
        ASSERT_TRUE(store->put("strategy/a", "{}", core::Timestamp::from_ns(1)));
        ASSERT_TRUE(store->put("strategy/a", "{\"x\":1}", core::Timestamp::from_ns(2)));
        ASSERT_TRUE(store->put("strategy/b", "{}", core::Timestamp::from_ns(1)));
        ASSERT_TRUE(store->put("risk/limits", "{}", core::Timestamp::from_ns(1)));
    }
    auto store = open();
    auto keys = store->keys().value();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].role, "admin");
    EXPECT_EQ(keys[0].revoked_at, core::Timestamp::from_ns(9));
    auto audit = store->recent(10).value();
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[0].action, "DELETE /orders");
    EXPECT_EQ(store->get("strategy/a").value().value(), "{\"x\":1}");
    EXPECT_EQ(store->scan("strategy/").value().size(), 2u);
    ASSERT_TRUE(store->erase("strategy/a"));
    EXPECT_FALSE(store->get("strategy/a").value());
}

TEST_F(SqliteStoreTest, BarsAndEquityComeBackInTimeOrder) {
    auto store = open();
    std::vector<store::StoredBar> bars;
    for (int i = 0; i < 5; ++i) {
        store::StoredBar b;
        b.symbol = test::sym("AAPL");
        b.timeframe = "1Min";
        b.ts = core::Timestamp::from_ns(60 * i);
        b.open = b.high = b.low = b.close = test::px("187.24");
        b.volume = test::qty("100");
        bars.push_back(b);
    }
    ASSERT_TRUE(store->put_bars(bars));
    ASSERT_TRUE(store->put_bars({bars[1]}));  // again: replaced, not doubled
    auto back = store
                    ->bars(test::sym("AAPL"), "1Min", core::Timestamp::from_ns(0),
                           core::Timestamp::from_ns(1'000), 3)
                    .value();
    ASSERT_EQ(back.size(), 3u);  // the latest three, oldest first
    EXPECT_EQ(back[0].ts, core::Timestamp::from_ns(120));
    EXPECT_EQ(back[2].close, test::px("187.24"));
    EXPECT_TRUE(store
                    ->bars(test::sym("AAPL"), "1Day", core::Timestamp::from_ns(0),
                           core::Timestamp::from_ns(1'000), 3)
                    .value()
                    .empty());
    ASSERT_TRUE(
        store->add_equity({core::Timestamp::from_ns(1), test::usd("100000"), test::usd("5")}));
    ASSERT_TRUE(
        store->add_equity({core::Timestamp::from_ns(2), test::usd("100001.5"), test::usd("5")}));
    auto eq = store->equity(core::Timestamp::from_ns(0), 10).value();
    ASSERT_EQ(eq.size(), 2u);
    EXPECT_EQ(eq[1].equity, test::usd("100001.5"));
}

}  // namespace
}  // namespace meridian::adapters::sqlite
