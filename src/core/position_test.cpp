// Tests of FIFO position accounting: long, short, flips, fractions, commissions, duplicates.
#include "core/position.hpp"

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::core {
namespace {

using test::fill;
using test::px;
using test::qty;
using test::usd;

TEST(Position, LongRoundTripRealizesExactPnl) {
    Position p{test::sym("AAPL")};
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Buy, "100", "187.25", "e1", "1")));
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Buy, "50", "190", "e2", "1")));
    EXPECT_EQ(p.qty(), qty("150"));
    EXPECT_EQ(p.cost_basis(), usd("28225"));
    EXPECT_EQ(p.avg_entry_price()->to_string(), "188.166666667");
    EXPECT_EQ(p.unrealized_pnl(px("200")), usd("1775"));

    // FIFO: the 100 at 187.25 close first.
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Sell, "120", "195.5", "e3", "1")));
    EXPECT_EQ(p.qty(), qty("30"));
    EXPECT_EQ(p.realized_pnl(), usd("935"));  // 100 x 8.25 + 20 x 5.5
    EXPECT_EQ(p.cost_basis(), usd("5700"));
    EXPECT_EQ(p.avg_entry_price(), px("190"));
    EXPECT_EQ(p.commissions(), usd("3"));
}

TEST(Position, ShortPositionProfitsWhenPriceFalls) {
    Position p{test::sym("TSLA")};
    ASSERT_TRUE(*p.apply(fill("TSLA", Side::Sell, "10", "250", "e1")));
    EXPECT_TRUE(p.is_short());
    EXPECT_EQ(p.qty(), qty("-10"));
    EXPECT_EQ(p.cost_basis(), usd("-2500"));
    EXPECT_EQ(p.market_value(px("240")), usd("-2400"));
    EXPECT_EQ(p.unrealized_pnl(px("240")), usd("100"));
    ASSERT_TRUE(*p.apply(fill("TSLA", Side::Buy, "10", "240", "e2")));
    EXPECT_TRUE(p.is_flat());
    EXPECT_EQ(p.realized_pnl(), usd("100"));
    EXPECT_EQ(p.cost_basis(), usd("0"));
    EXPECT_FALSE(p.avg_entry_price());
}

TEST(Position, FlipsThroughZeroInOneFill) {
    Position p{test::sym("AAPL")};
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Buy, "10", "100", "e1")));
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Sell, "25", "110", "e2")));
    EXPECT_EQ(p.qty(), qty("-15"));
    EXPECT_EQ(p.realized_pnl(), usd("100"));
    EXPECT_EQ(p.cost_basis(), usd("-1650"));
    EXPECT_EQ(p.avg_entry_price(), px("110"));
    ASSERT_EQ(p.lots().size(), 1u);
    EXPECT_EQ(p.lots().front().qty, qty("-15"));
}

TEST(Position, FractionalSharesStayExact) {
    Position p{test::sym("AAPL")};
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Buy, "0.333333333", "187.13", "e1")));
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Buy, "0.666666667", "187.17", "e2")));
    EXPECT_EQ(p.qty(), qty("1"));
    ASSERT_TRUE(*p.apply(fill("AAPL", Side::Sell, "1", "188", "e3")));
    // 0.333333333 x 0.87 + 0.666666667 x 0.83 = 0.28999999971 + 0.55333333361
    EXPECT_EQ(p.realized_pnl(), usd("0.84333333332"));
    EXPECT_TRUE(p.is_flat());
}

TEST(Position, SameExecutionTwiceIsIgnored) {
    Position p{test::sym("AAPL")};
    const Fill f = fill("AAPL", Side::Buy, "10", "100", "e1", "1");
    EXPECT_TRUE(*p.apply(f));
    EXPECT_FALSE(*p.apply(f));
    EXPECT_EQ(p.qty(), qty("10"));
    EXPECT_EQ(p.commissions(), usd("1"));
}

TEST(Position, BadFillChangesNothing) {
    Position p{test::sym("AAPL")};
    EXPECT_FALSE(p.apply(fill("MSFT", Side::Buy, "10", "100", "e1")));
    Fill zero = fill("AAPL", Side::Buy, "1", "100", "e2");
    zero.qty = Quantity{};
    EXPECT_FALSE(p.apply(zero));
    Fill no_id = fill("AAPL", Side::Buy, "1", "100", "");
    EXPECT_FALSE(p.apply(no_id));
    EXPECT_TRUE(p.is_flat());
    EXPECT_EQ(p.fill_count(), 0u);
}

TEST(Position, RefusesRepeatsAmongItsNewestFillsWithBoundedMemory) {
    Position p{test::sym("AAPL")};
    const std::size_t n = Position::kRememberedFills + 500;
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(*p.apply(fill("AAPL", Side::Buy, "1", "100", "e" + std::to_string(i))));
    }
    EXPECT_EQ(p.fill_count(), n);
    EXPECT_EQ(p.qty(), test::qty(std::to_string(n)));
    // A repeat of any recent fill changes nothing.
    EXPECT_FALSE(*p.apply(fill("AAPL", Side::Buy, "1", "100", "e" + std::to_string(n - 1))));
    EXPECT_FALSE(*p.apply(fill("AAPL", Side::Buy, "1", "100", "e500")));
    EXPECT_EQ(p.qty(), test::qty(std::to_string(n)));
    // The oldest ids are no longer kept: a long-lived position does not grow without bound.
    EXPECT_FALSE(p.has_applied("e0"));
    EXPECT_TRUE(p.has_applied("e500"));
}

TEST(Position, OneThatDoesNotRefuseRepeatsAppliesEveryFill) {
    Position p{test::sym("AAPL"), false};
    EXPECT_TRUE(*p.apply(fill("AAPL", Side::Buy, "1", "100", "e1")));
    EXPECT_TRUE(*p.apply(fill("AAPL", Side::Buy, "1", "100", "e1")));
    EXPECT_EQ(p.qty(), test::qty("2"));
    EXPECT_FALSE(p.has_applied("e1"));
}

}  // namespace
}  // namespace meridian::core
