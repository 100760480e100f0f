// The store contract: what every store adapter (SQLite, PostgreSQL) must do, as a typed test
// suite. An adapter's test instantiates it with a backend: `std::unique_ptr<S> open()` opening
// the same (initially empty) database each call.
#pragma once

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/support/core_builders.hpp"

namespace meridian::test {

template <typename Backend>
class StoreContract : public ::testing::Test {
protected:
    auto open() { return backend_.open(); }

    static core::Order order(const core::OrderRequest& r, const char* id, const char* coid) {
        return core::Order::create(r, test::oid(id), test::coid(coid),
                                   test::ts("2024-03-01T14:30:00.123456789Z"))
            .value();
    }

    Backend backend_;
};

TYPED_TEST_SUITE_P(StoreContract);

using core::OrderStatus;
using core::Side;

TYPED_TEST_P(StoreContract, OrdersComeBackAsTheyWentIn) {
    auto store = this->open();
    core::OrderRequest r = test::limit("SPY", Side::Buy, "100", "300.5");
    r.order_class = core::OrderClass::Bracket;
    r.take_profit = core::TakeProfit{test::px("310")};
    r.stop_loss = core::StopLoss{test::px("295"), test::px("294.5")};
    core::Order o = this->order(r, "o-1", "c-1");
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
    EXPECT_FALSE(back->order.replaces());
    // A replacement names the order it replaced.
    const auto n = core::Order::create_replacing(
                       test::oid("o-1"), test::limit("SPY", Side::Buy, "100", "301"),
                       test::oid("o-2"), test::coid("c-2"), test::ts("2024-03-01T14:30:02Z"))
                       .value();
    ASSERT_TRUE(store->insert(n, "trend"));
    EXPECT_EQ(store->find(test::oid("o-2")).value()->order.replaces(), test::oid("o-1"));
}

TYPED_TEST_P(StoreContract, AnAdvancedOrdersLinksComeBack) {
    auto store = this->open();
    const auto entry = this->order(test::market("SPY", Side::Buy, "10"), "o-1", "c-1");
    const auto take_profit = this->order(test::limit("SPY", Side::Sell, "10", "310"), "o-2", "c-2");
    const auto stop_loss = this->order(test::market("SPY", Side::Sell, "10"), "o-3", "c-3");
    ASSERT_TRUE(store->insert(entry, "s"));
    ASSERT_TRUE(store->insert(take_profit, "s", {test::oid("o-1"), test::oid("o-3")}));
    ASSERT_TRUE(store->insert(stop_loss, "s", {test::oid("o-1"), test::oid("o-2")}));
    EXPECT_EQ(store->find(test::oid("o-1")).value()->links, store::OrderLinks{});
    const auto open = store->open_orders().value();
    ASSERT_EQ(open.size(), 3u);
    EXPECT_EQ(open[1].links, (store::OrderLinks{test::oid("o-1"), test::oid("o-3")}));
    EXPECT_EQ(open[2].links, (store::OrderLinks{test::oid("o-1"), test::oid("o-2")}));

    // Nested (Alpaca's nested=true): the legs come with their entry, not in the listing.
    const auto legs = store->legs_of(test::oid("o-1")).value();
    ASSERT_EQ(legs.size(), 2u);
    EXPECT_EQ(legs[0].order.id(), test::oid("o-2"));
    EXPECT_EQ(legs[1].order.id(), test::oid("o-3"));
    EXPECT_TRUE(store->legs_of(test::oid("o-2")).value().empty());
    store::OrderQuery q;
    q.nested = true;
    const auto roots = store->list(q).value();
    ASSERT_EQ(roots.size(), 1u);
    EXPECT_EQ(roots[0].order.id(), test::oid("o-1"));
    q.nested = false;
    EXPECT_EQ(store->list(q).value().size(), 3u);
    // Once the entry is final its working legs are what is open: listed on their own.
    core::Order filled = entry;
    ASSERT_TRUE(filled.transition(OrderStatus::New, test::ts("2024-03-01T14:30:01Z")));
    ASSERT_TRUE(filled.transition(OrderStatus::Canceled, test::ts("2024-03-01T14:30:02Z")));
    ASSERT_TRUE(store->update(filled));
    q.nested = true;
    EXPECT_EQ(store->list(q).value().size(), 2u);  // status=open: the two legs
    q.status = store::OrderQuery::Status::Closed;
    EXPECT_EQ(store->list(q).value().size(), 1u);  // the entry
    q.status = store::OrderQuery::Status::All;
    EXPECT_EQ(store->list(q).value().size(), 1u);  // the entry, its legs within
}

TYPED_TEST_P(StoreContract, AClientOrderIdIsKeptOnce) {
    auto store = this->open();
    ASSERT_TRUE(
        store->insert(this->order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1"), "s"));
    const auto again =
        store->insert(this->order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-1"), "s");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, core::Errc::Duplicate);
    EXPECT_FALSE(store->find(test::oid("o-2")).value());
}

TYPED_TEST_P(StoreContract, FillsAreKeptOnceWithTheirOrder) {
    auto store = this->open();
    core::Order o = this->order(test::market("AAPL", Side::Buy, "10"), "o-1", "c-1");
    ASSERT_TRUE(store->insert(o, "s"));
    const core::Fill f = test::fill("AAPL", Side::Buy, "4", "187.25", "x-1", "0.35", "o-1");
    ASSERT_TRUE(*o.apply_fill(f));
    EXPECT_TRUE(*store->record_fill(f, o));
    EXPECT_FALSE(*store->record_fill(f, o));  // the same execution again
    const auto fills = store->fills().value();
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].price, test::px("187.25"));
    EXPECT_EQ(fills[0].commission, test::usd("0.35"));
    const auto with_strategy = store->strategy_fills().value();
    ASSERT_EQ(with_strategy.size(), 1u);
    EXPECT_EQ(with_strategy[0].fill.execution_id, "x-1");
    EXPECT_EQ(with_strategy[0].fill.qty, test::qty("4"));
    EXPECT_EQ(with_strategy[0].strategy, "s");
    const auto back = store->find(test::oid("o-1")).value()->order;
    EXPECT_EQ(back.status(), OrderStatus::PartiallyFilled);
    EXPECT_EQ(back.filled_qty(), test::qty("4"));
    core::Order restored = back;
    EXPECT_FALSE(*restored.apply_fill(f));  // the restored order knows the execution too
    const auto open_orders = store->open_orders().value();
    ASSERT_EQ(open_orders.size(), 1u);
}

TYPED_TEST_P(StoreContract, AHistoryOfAnyLengthReplaysWholeAndInOrder) {
    // More fills than an adapter reads at once (PostgreSQL pages through a cursor).
    auto store = this->open();
    constexpr int kFills = 1'203;
    constexpr int kPerOrder = 25;
    std::vector<core::Order> orders;
    ASSERT_TRUE(store->transaction([&]() -> core::Result<void> {
        for (int i = 0; i <= kFills / kPerOrder; ++i) {
            const std::string n = std::to_string(i);
            orders.push_back(this->order(test::market("AAPL", Side::Buy, "100"), ("o-" + n).c_str(),
                                         ("c-" + n).c_str()));
            if (auto ok = store->insert(orders.back(), "trend"); !ok) return ok;
        }
        return {};
    }));
    // Commits of a hundred fills (many savepoints in one transaction are slow on PostgreSQL).
    for (int first = 0; first < kFills; first += 100) {
        ASSERT_TRUE(store->transaction([&]() -> core::Result<void> {
            for (int i = first; i < std::min(first + 100, kFills); ++i) {
                core::Order& o = orders[static_cast<std::size_t>(i / kPerOrder)];
                core::Fill f = test::fill("AAPL", Side::Buy, "1", "187.25",
                                          "x-" + std::to_string(i), "0", o.id().str());
                f.ts_init = core::Timestamp::from_ns(1'000 + i);
                if (auto kept = o.apply_fill(f); !kept) return kept.error();
                if (auto kept = store->record_fill(f, o); !kept) return kept.error();
            }
            return {};
        }));
    }
    int seen = 0;
    bool in_order = true;
    ASSERT_TRUE(store->each_fill([&](const core::Fill& f) {
        in_order = in_order && f.execution_id == "x-" + std::to_string(seen);
        ++seen;
    }));
    EXPECT_EQ(seen, kFills);
    EXPECT_TRUE(in_order);
    int with_strategy = 0;
    ASSERT_TRUE(store->each_strategy_fill(
        [&](const store::StrategyFill& f) { with_strategy += f.strategy == "trend" ? 1 : 0; }));
    EXPECT_EQ(with_strategy, kFills);
}

TYPED_TEST_P(StoreContract, RecentFillsAreTheNewestFirst) {
    auto store = this->open();
    core::Order o = this->order(test::market("AAPL", Side::Buy, "10"), "o-1", "c-1");
    ASSERT_TRUE(store->insert(o, "s"));
    for (int i = 1; i <= 4; ++i) {
        const std::string id = "x-" + std::to_string(i);
        core::Fill f = test::fill("AAPL", Side::Buy, "1", "187.25", id.c_str(), "0", "o-1");
        f.ts_init = core::Timestamp::from_ns(1'000 * i);
        ASSERT_TRUE(*o.apply_fill(f));
        ASSERT_TRUE(*store->record_fill(f, o));
    }
    const auto recent = store->recent_fills(3).value();
    ASSERT_EQ(recent.size(), 3u);
    EXPECT_EQ(recent[0].execution_id, "x-4");
    EXPECT_EQ(recent[2].execution_id, "x-2");
    EXPECT_EQ(store->recent_fills(10).value().size(), 4u);
}

TYPED_TEST_P(StoreContract, FillsPageByTimeAndGoOnFromAFillOfTheSameTime) {
    auto store = this->open();
    core::Order a = this->order(test::market("AAPL", Side::Buy, "100"), "o-1", "c-1");
    core::Order m = this->order(test::market("MSFT", Side::Buy, "100"), "o-2", "c-2");
    ASSERT_TRUE(store->insert(a, "s"));
    ASSERT_TRUE(store->insert(m, "s"));
    // Six AAPL fills, three of them at one time (a quote filling several orders), two MSFT.
    const int times[] = {10, 20, 20, 20, 30, 40};
    for (int i = 0; i < 6; ++i) {
        core::Fill f =
            test::fill("AAPL", Side::Buy, "1", "187.25", "a-" + std::to_string(i), "0", "o-1");
        f.ts_event = core::Timestamp::from_ns(times[i]);
        ASSERT_TRUE(*a.apply_fill(f));
        ASSERT_TRUE(*store->record_fill(f, a));
    }
    for (int i = 0; i < 2; ++i) {
        core::Fill f =
            test::fill("MSFT", Side::Buy, "1", "402", "m-" + std::to_string(i), "0", "o-2");
        f.ts_event = core::Timestamp::from_ns(25 + i);
        ASSERT_TRUE(*m.apply_fill(f));
        ASSERT_TRUE(*store->record_fill(f, m));
    }
    auto ids = [](const std::vector<core::Fill>& fills) {
        std::string out;
        for (const auto& f : fills)
            out += f.execution_id + " ";
        return out;
    };
    store::FillQuery q;
    q.symbols = {test::sym("AAPL")};
    q.limit = 2;
    // Newest first, two a page, each page going on from the last one's id.
    std::string all;
    for (int page = 0; page < 4; ++page) {
        const auto fills = store->list_fills(q).value();
        all += ids(fills) + "| ";
        if (fills.empty()) break;
        q.page_token = fills.back().execution_id;
    }
    EXPECT_EQ(all, "a-5 a-4 | a-3 a-2 | a-1 a-0 | | ");
    // Oldest first, within a window of time, both symbols.
    store::FillQuery window;
    window.ascending = true;
    window.after = core::Timestamp::from_ns(10);
    window.until = core::Timestamp::from_ns(30);
    EXPECT_EQ(ids(store->list_fills(window).value()), "a-1 a-2 a-3 m-0 m-1 ");
    window.page_token = "a-2";
    EXPECT_EQ(ids(store->list_fills(window).value()), "a-3 m-0 m-1 ");
    window.page_token = "nope";
    const auto unknown = store->list_fills(window);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, core::Errc::NotFound);
}

TYPED_TEST_P(StoreContract, ListsOrdersByStatusSymbolAndTimeNewestFirst) {
    auto store = this->open();
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
    // Both ends strict, as Alpaca's: paging with until = the last one's time repeats nothing.
    q.limit = 10;
    EXPECT_EQ(store->list(q).value().size(), 1u);
    store::OrderQuery sells;
    sells.status = store::OrderQuery::Status::All;
    sells.side = Side::Sell;
    EXPECT_TRUE(store->list(sells).value().empty());  // every order here is a buy
    sells.side = Side::Buy;
    EXPECT_EQ(store->list(sells).value().size(), 5u);
}

TYPED_TEST_P(StoreContract, ATransactionCommitsAllOrNothing) {
    auto store = this->open();
    auto a = this->order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1");
    auto b = this->order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-1");  // same client id
    const auto failed = store->transaction([&]() -> core::Result<void> {
        if (auto ok = store->insert(a, "s"); !ok) return ok;
        return store->insert(b, "s");
    });
    EXPECT_FALSE(failed);
    EXPECT_FALSE(store->find(test::oid("o-1")).value());
    ASSERT_TRUE(store->transaction([&]() { return store->insert(a, "s"); }));
    EXPECT_TRUE(store->find(test::oid("o-1")).value());
}

TYPED_TEST_P(StoreContract, KeysAuditAndSettingsAreKept) {
    {
        auto store = this->open();
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
    auto store = this->open();
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

TYPED_TEST_P(StoreContract, TrimKeepsTheNewestDocumentsOfAPrefixOnly) {
    auto store = this->open();
    const auto at = core::Timestamp::from_ns(1);
    for (const char* key : {"note/1", "note/2", "note/3", "note/4", "note0", "notd", "other/1"}) {
        ASSERT_TRUE(store->put(key, "{}", at));
    }
    auto keys = [&](const std::string& prefix) {
        std::vector<std::string> out;
        const auto docs = store->scan(prefix).value();
        for (const auto& [k, v] : docs)
            out.push_back(k);
        return out;
    };
    ASSERT_TRUE(store->trim("note/", 2));
    EXPECT_EQ(keys("note/"), (std::vector<std::string>{"note/3", "note/4"}));
    ASSERT_TRUE(store->trim("note/", 5));  // fewer than kept: nothing goes
    EXPECT_EQ(keys("note/").size(), 2u);
    ASSERT_TRUE(store->trim("note/", 0));
    EXPECT_TRUE(keys("note/").empty());
    // Keys just outside the prefix's range stay.
    EXPECT_EQ(keys("no"), (std::vector<std::string>{"notd", "note0"}));
    EXPECT_EQ(keys("other/").size(), 1u);
}

TYPED_TEST_P(StoreContract, BarsAndEquityComeBackInTimeOrder) {
    auto store = this->open();
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

TYPED_TEST_P(StoreContract, AFailedCallInsideATransactionFailsAlone) {
    // The order writer's group commit: a duplicate in a batch fails itself, not its neighbours.
    auto store = this->open();
    auto a = this->order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1");
    auto dup = this->order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-1");
    auto b = this->order(test::market("AAPL", Side::Buy, "1"), "o-3", "c-3");
    std::vector<core::Result<void>> results;
    ASSERT_TRUE(store->transaction([&]() -> core::Result<void> {
        results.push_back(store->insert(a, "s"));
        results.push_back(store->insert(dup, "s"));
        results.push_back(store->insert(b, "s"));
        return {};
    }));
    EXPECT_TRUE(results[0]);
    ASSERT_FALSE(results[1]);
    EXPECT_EQ(results[1].error().code, core::Errc::Duplicate);
    EXPECT_TRUE(results[2]);
    EXPECT_TRUE(store->find(test::oid("o-1")).value());
    EXPECT_FALSE(store->find(test::oid("o-2")).value());
    EXPECT_TRUE(store->find(test::oid("o-3")).value());
}

TYPED_TEST_P(StoreContract, WithoutSavepointsAFailedCallFailsTheWholeAndThenItRunsAgain) {
    // The order writer's first try at a batch: no savepoints; a failure rolls all back, and the
    // batch runs again with a savepoint per call.
    using Savepoints = store::OrderStore::Savepoints;
    auto store = this->open();
    auto a = this->order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1");
    auto dup = this->order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-1");
    auto b = this->order(test::market("AAPL", Side::Buy, "1"), "o-3", "c-3");
    core::Fill f = test::fill("AAPL", Side::Buy, "1", "187.25", "x-1", "0", "o-1");
    ASSERT_TRUE(a.apply_fill(f));
    auto batch = [&](Savepoints savepoints, bool with_dup) {
        return store->transaction(
            [&]() -> core::Result<void> {
                if (auto ok = store->transaction([&] { return store->insert(a, "s"); }); !ok) {
                    return ok;
                }
                if (auto kept = store->record_fill(f, a); !kept) return kept.error();
                if (with_dup) {
                    if (auto ok = store->insert(dup, "s"); !ok) return ok;
                }
                return store->insert(b, "s");
            },
            store::OrderStore::Commit::Durable, savepoints);
    };
    const auto failed = batch(Savepoints::None, true);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, core::Errc::Duplicate);
    EXPECT_FALSE(store->find(test::oid("o-1")).value());
    EXPECT_TRUE(store->fills().value().empty());
    // The store is usable at once (PostgreSQL: the aborted transaction is gone), and the same
    // calls run again.
    ASSERT_TRUE(batch(Savepoints::None, false));
    EXPECT_EQ(store->find(test::oid("o-1")).value()->order.status(), core::OrderStatus::Filled);
    EXPECT_EQ(store->fills().value().size(), 1u);
    EXPECT_TRUE(store->find(test::oid("o-3")).value());
}

TYPED_TEST_P(StoreContract, OpeningAgainKeepsEverythingAndTheSchema) {
    {
        auto first = this->open();
        ASSERT_TRUE(
            first->insert(this->order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1"), "s"));
    }
    auto second = this->open();
    EXPECT_EQ(second->schema_version(), 11);
    EXPECT_TRUE(second->find(test::oid("o-1")).value());
}

TYPED_TEST_P(StoreContract, OutboxEventsCommitWithTheirChangeAndLeaveWhenRemoved) {
    auto store = this->open();
    auto a = this->order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1");
    auto dup = this->order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-1");
    std::int64_t first_id = 0;
    ASSERT_TRUE(store->transaction([&]() -> core::Result<void> {
        if (auto ok = store->insert(a, "s"); !ok) return ok;
        auto id =
            store->enqueue_event("orders", "new", R"({"id":"o-1"})", core::Timestamp::from_ns(1));
        if (!id) return id.error();
        first_id = *id;
        return {};
    }));
    // A change that fails takes its event with it.
    EXPECT_FALSE(store->transaction([&]() -> core::Result<void> {
        if (auto ok = store->enqueue_event("orders", "new", R"({"id":"o-2"})",
                                           core::Timestamp::from_ns(2));
            !ok)
            return ok.error();
        return store->insert(dup, "s");
    }));
    const auto last_id =
        store->enqueue_event("fills", "fill", R"({"x":1})", core::Timestamp::from_ns(3));
    ASSERT_TRUE(last_id);
    auto events = store->events_after(0, 10).value();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].id, first_id);  // the id enqueue_event returned
    EXPECT_EQ(events[1].id, *last_id);
    EXPECT_EQ(events[0].topic, "orders");
    EXPECT_EQ(events[0].payload, R"({"id":"o-1"})");
    EXPECT_EQ(events[1].type, "fill");
    EXPECT_LT(events[0].id, events[1].id);
    EXPECT_EQ(store->events_after(events[0].id, 10).value().size(), 1u);
    ASSERT_TRUE(store->remove_events_through(events[0].id));
    auto left = this->open()->events_after(0, 10).value();  // kept across connections
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].id, events[1].id);
}

TYPED_TEST_P(StoreContract, ARelaxedTransactionCommitsAndLeavesLaterOnesDurable) {
    {
        auto store = this->open();
        auto a = this->order(test::market("AAPL", Side::Buy, "1"), "o-1", "c-1");
        auto b = this->order(test::market("AAPL", Side::Buy, "1"), "o-2", "c-2");
        ASSERT_TRUE(store->transaction([&]() { return store->insert(a, "s"); },
                                       store::OrderStore::Commit::Relaxed));
        ASSERT_TRUE(store->transaction([&]() { return store->insert(b, "s"); }));
    }
    auto store = this->open();
    EXPECT_TRUE(store->find(test::oid("o-1")).value());
    EXPECT_TRUE(store->find(test::oid("o-2")).value());
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreContract, ARelaxedTransactionCommitsAndLeavesLaterOnesDurable,
    OutboxEventsCommitWithTheirChangeAndLeaveWhenRemoved, OrdersComeBackAsTheyWentIn,
    AnAdvancedOrdersLinksComeBack, AClientOrderIdIsKeptOnce, FillsAreKeptOnceWithTheirOrder,
    RecentFillsAreTheNewestFirst, AHistoryOfAnyLengthReplaysWholeAndInOrder,
    FillsPageByTimeAndGoOnFromAFillOfTheSameTime, ListsOrdersByStatusSymbolAndTimeNewestFirst,
    ATransactionCommitsAllOrNothing, KeysAuditAndSettingsAreKept, BarsAndEquityComeBackInTimeOrder,
    TrimKeepsTheNewestDocumentsOfAPrefixOnly, AFailedCallInsideATransactionFailsAlone,
    WithoutSavepointsAFailedCallFailsTheWholeAndThenItRunsAgain,
    OpeningAgainKeepsEverythingAndTheSchema);

}  // namespace meridian::test
