// Tests of the simulated broker's market-order fills and rejections.
#include "engine/sim_broker.hpp"

#include <gtest/gtest.h>

#include "tests/support/engine_builders.hpp"

namespace meridian::engine {
namespace {

TEST(SimBroker, MarketOrderFillsAtTheNextBarsOpen) {
    core::Account account = core::Account::create(test::usd("10000")).value();
    SimBroker broker{1, FillAt::NextOpen};
    auto id =
        broker.submit(test::market("AAPL", core::Side::Buy, "10"), "s1", test::ts("2024-01-01"));
    ASSERT_TRUE(id);
    EXPECT_EQ(broker.orders().front().order.status(), core::OrderStatus::New);
    EXPECT_TRUE(broker.on_bar(test::bar("MSFT", 1, "400"), false, account).empty());
    EXPECT_TRUE(broker.on_bar(test::bar("AAPL", 1, "101", "100"), true, account).empty());
    auto fills = broker.on_bar(test::bar("AAPL", 1, "101", "100"), false, account);
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].fill.price, test::px("100"));
    EXPECT_EQ(fills[0].strategy, "s1");
    EXPECT_EQ(broker.orders().front().order.status(), core::OrderStatus::Filled);
    EXPECT_EQ(account.cash(), test::usd("9000"));
    EXPECT_TRUE(broker.on_bar(test::bar("AAPL", 2, "101", "100"), false, account).empty());
}

TEST(SimBroker, CloseModeFillsAtTheDecisionBarsClose) {
    core::Account account = core::Account::create(test::usd("10000")).value();
    SimBroker broker{1, FillAt::Close};
    ASSERT_TRUE(
        broker.submit(test::market("AAPL", core::Side::Buy, "10"), "s1", test::ts("2024-01-01")));
    EXPECT_TRUE(broker.on_bar(test::bar("AAPL", 0, "101", "100"), false, account).empty());
    auto fills = broker.on_bar(test::bar("AAPL", 0, "101", "100"), true, account);
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].fill.price, test::px("101"));
}

TEST(SimBroker, UnaffordableOrdersAreRejectedAndMoveNoCash) {
    core::Account account = core::Account::create(test::usd("500")).value();
    SimBroker broker{1, FillAt::NextOpen};
    ASSERT_TRUE(
        broker.submit(test::market("AAPL", core::Side::Buy, "10"), "s1", test::ts("2024-01-01")));
    ASSERT_TRUE(
        broker.submit(test::market("AAPL", core::Side::Sell, "1"), "s1", test::ts("2024-01-01")));
    EXPECT_TRUE(broker.on_bar(test::bar("AAPL", 1, "100"), false, account).empty());
    EXPECT_EQ(broker.orders()[0].order.status(), core::OrderStatus::Rejected);
    EXPECT_EQ(broker.orders()[1].order.status(), core::OrderStatus::Rejected);  // nothing to sell
    EXPECT_EQ(account.cash(), test::usd("500"));
}

TEST(SimBroker, RefusesWhatItCannotWorkYet) {
    SimBroker broker{1, FillAt::NextOpen};
    EXPECT_FALSE(broker.submit(test::limit("AAPL", core::Side::Buy, "1", "100"), "s", {}));
    EXPECT_FALSE(broker.submit(test::market("AAPL", core::Side::Buy, "0"), "s", {}));
}

}  // namespace
}  // namespace meridian::engine
