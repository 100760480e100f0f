// Tests of Account: cash, equity and buying power for cash and margin accounts.
#include "core/account.hpp"

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::core {
namespace {

using test::fill;
using test::px;
using test::usd;

TEST(Account, CashAccountBuysWithCashAndCannotShort) {
    Account a = Account::create(usd("10000")).value();
    EXPECT_EQ(a.buying_power(), usd("10000"));
    ASSERT_TRUE(*a.apply_fill(fill("AAPL", Side::Buy, "10", "187.25", "e1", "0.35")));
    EXPECT_EQ(a.cash(), usd("8127.15"));
    EXPECT_EQ(a.equity(), usd("9999.65"));
    EXPECT_EQ(a.buying_power(), usd("8127.15"));
    a.mark(test::sym("AAPL"), px("190"));
    EXPECT_EQ(a.equity(), usd("10027.15"));
    EXPECT_EQ(a.unrealized_pnl(), usd("27.5"));

    auto short_sale = a.apply_fill(fill("AAPL", Side::Sell, "11", "190", "e2"));
    ASSERT_FALSE(short_sale);
    EXPECT_NE(short_sale.error().message.find("cannot sell short"), std::string::npos);
    EXPECT_EQ(a.cash(), usd("8127.15"));

    ASSERT_TRUE(*a.apply_fill(fill("AAPL", Side::Sell, "10", "190", "e3", "0.35")));
    EXPECT_EQ(a.cash(), usd("10026.8"));
    EXPECT_EQ(a.realized_pnl(), usd("27.5"));
    EXPECT_EQ(a.commissions(), usd("0.7"));
}

TEST(Account, MarginAccountBuyingPowerFollowsRegT) {
    Account a = Account::create(usd("100000"), 2).value();
    EXPECT_EQ(a.buying_power(), usd("200000"));
    ASSERT_TRUE(*a.apply_fill(fill("SPY", Side::Buy, "200", "500", "e1")));
    EXPECT_EQ(a.cash(), usd("0"));
    EXPECT_EQ(a.buying_power(), usd("100000"));
    ASSERT_TRUE(*a.apply_fill(fill("SPY", Side::Buy, "100", "500", "e2")));
    EXPECT_EQ(a.cash(), usd("-50000"));  // borrowed
    EXPECT_EQ(a.equity(), usd("100000"));
    EXPECT_EQ(a.buying_power(), usd("50000"));
}

TEST(Account, MarginAccountShortsAddCash) {
    Account a = Account::create(usd("100000"), 2).value();
    ASSERT_TRUE(*a.apply_fill(fill("TSLA", Side::Sell, "400", "250", "e1")));
    EXPECT_EQ(a.cash(), usd("200000"));
    EXPECT_EQ(a.short_market_value(), usd("-100000"));
    EXPECT_EQ(a.equity(), usd("100000"));
    EXPECT_EQ(a.buying_power(), usd("100000"));
    a.mark(test::sym("TSLA"), px("300"));
    EXPECT_EQ(a.equity(), usd("80000"));
}

TEST(Account, DayTradingMultiplierAndNoNegativeBuyingPower) {
    Account a = Account::create(usd("30000"), 4).value();
    EXPECT_EQ(a.buying_power(), usd("120000"));
    ASSERT_TRUE(*a.apply_fill(fill("SPY", Side::Buy, "100", "500", "e1")));
    a.mark(test::sym("SPY"), px("250"));  // lose $25,000
    EXPECT_EQ(a.equity(), usd("5000"));
    EXPECT_EQ(a.buying_power(), usd("0"));
    EXPECT_FALSE(Account::create(usd("1"), 3));
}

TEST(Account, DuplicateFillMovesNoCash) {
    Account a = Account::create(usd("1000")).value();
    const Fill f = fill("AAPL", Side::Buy, "1", "100", "e1", "1");
    ASSERT_TRUE(*a.apply_fill(f));
    EXPECT_FALSE(*a.apply_fill(f));
    EXPECT_EQ(a.cash(), usd("899"));
    const Fill sell = fill("AAPL", Side::Sell, "1", "100", "e2");
    ASSERT_TRUE(*a.apply_fill(sell));
    EXPECT_FALSE(*a.apply_fill(sell));  // a duplicate, not a short sale
    EXPECT_EQ(a.cash(), usd("999"));
}

}  // namespace
}  // namespace meridian::core
