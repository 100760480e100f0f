// Tests of the SQLite store: the store contract, and what only a file store has (kill -9, paths).
#include "adapters/sqlite/sqlite_store.hpp"

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/core_builders.hpp"
#include "tests/support/store_contract.hpp"
#include "tests/support/test_dir.hpp"

namespace meridian::adapters::sqlite {
namespace {

/// A fresh database file per test, opened again on each open().
class SqliteBackend {
public:
    std::unique_ptr<SqliteStore> open() {
        return SqliteStore::open((dir_ / "meridian.db").string()).value();
    }

private:
    test::TestDir dir_{"sqlite"};
};

using core::OrderStatus;
using core::Side;

class SqliteStoreTest : public ::testing::Test {
protected:
    std::string path() const { return (dir_ / "meridian.db").string(); }
    std::unique_ptr<SqliteStore> open() { return SqliteStore::open(path()).value(); }

    static core::Order order(const core::OrderRequest& r, const char* id, const char* coid) {
        return core::Order::create(r, test::oid(id), test::coid(coid),
                                   test::ts("2024-03-01T14:30:00.123456789Z"))
            .value();
    }
    test::TestDir dir_{"sqlite"};
};

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

TEST_F(SqliteStoreTest, TheLogIsCopiedIntoTheDatabaseFileWithoutACheckpointingCommit) {
    auto store = open();
    const auto db_size = [&] { return std::filesystem::file_size(path()); };
    const auto before = db_size();
    // About 1,500 pages of log, in commits that never checkpoint themselves.
    const std::string big(2000, 'x');
    for (int batch = 0; batch < 3; ++batch) {
        std::vector<std::pair<std::string, std::string>> docs;
        for (int i = 0; i < 1000; ++i) {
            docs.emplace_back("doc/" + std::to_string(batch * 1000 + i), big);
        }
        ASSERT_TRUE(store->put_all(docs, core::Timestamp::from_ns(batch)));
    }
    // The checkpointing thread moves the pages into the file while the connection stays open.
    for (int i = 0; i < 500 && db_size() < before + 4'000'000; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(db_size(), before + 4'000'000);
    EXPECT_EQ(store->get("doc/2999").value(), big);
}

TEST_F(SqliteStoreTest, OpeningTwiceAppliesTheSchemaOnce) {
    { auto first = open(); }
    auto second = open();
    EXPECT_EQ(second->schema_version(), 11);
    const auto bad = SqliteStore::open((dir_ / "missing" / "x.db").string());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, core::Errc::Unavailable);
}

}  // namespace
}  // namespace meridian::adapters::sqlite

namespace meridian::test {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreContract, adapters::sqlite::SqliteBackend);
}  // namespace meridian::test
