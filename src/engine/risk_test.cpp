// Tests of the risk engine: each check denies with its code and numbers; the switch halts.
#include "engine/risk.hpp"

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::engine {
namespace {

using core::Side;

class RiskTest : public ::testing::Test {
protected:
    core::Account account = core::Account::create(test::usd("100000"), 1).value();
    core::Timestamp now = test::ts("2024-03-01T14:30:00Z");

    std::optional<Denial> check(RiskEngine& risk, const core::OrderRequest& r,
                                const char* last = "100", std::size_t open_orders = 0) {
        const RiskInputs in{account, open_orders, core::Money{}, test::px(last)};
        return risk.check(r, in, now);
    }
    static std::string code(const std::optional<Denial>& d) {
        return d ? std::string{to_string(d->reason)} : std::string{"allowed"};
    }
};

TEST_F(RiskTest, NoLimitsAllowsWhatTheMoneyAllows) {
    RiskEngine risk{RiskLimits{}};
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "1000"))), "allowed");
    const auto d = check(risk, test::market("AAPL", Side::Buy, "1001"));
    EXPECT_EQ(code(d), "buying_power");
    EXPECT_EQ(d->message, "insufficient buying power: order 100100, available 100000");
}

TEST_F(RiskTest, OrderSizeLimits) {
    RiskLimits limits;
    limits.max_order_qty = test::qty("500");
    limits.max_order_notional = test::usd("20000");
    RiskEngine risk{limits};
    auto d = check(risk, test::market("AAPL", Side::Buy, "501"));
    EXPECT_EQ(code(d), "max_order_qty");
    EXPECT_EQ(d->message, "order qty 501 exceeds max_order_qty 500");
    d = check(risk, test::limit("AAPL", Side::Buy, "201", "100"));
    EXPECT_EQ(code(d), "max_order_notional");
    EXPECT_EQ(d->message, "order notional 20100 exceeds max_order_notional 20000");
    EXPECT_EQ(code(check(risk, test::limit("AAPL", Side::Buy, "200", "100"))), "allowed");
}

TEST_F(RiskTest, PositionAndExposureLimitsCountWhatIsHeld) {
    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "300", "100", "e1")));
    RiskLimits limits;
    limits.max_position_qty = test::qty("400");
    limits.max_position_notional = test::usd("45000");
    limits.max_gross_exposure = test::usd("50000");
    RiskEngine risk{limits};
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "101"))), "max_position_qty");
    EXPECT_EQ(code(check(risk, test::limit("AAPL", Side::Buy, "100", "160"))),
              "max_position_notional");
    EXPECT_EQ(code(check(risk, test::market("MSFT", Side::Buy, "201"))), "max_gross_exposure");
    EXPECT_EQ(code(check(risk, test::market("MSFT", Side::Buy, "200"))), "allowed");
    // Reducing is always allowed by the position limits.
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Sell, "300"))), "allowed");
}

TEST_F(RiskTest, FatFingerCollarAgainstTheLastPrice) {
    RiskLimits limits;
    limits.price_collar_percent = test::px("5");
    RiskEngine risk{limits};
    EXPECT_EQ(code(check(risk, test::limit("AAPL", Side::Buy, "1", "105"))), "allowed");
    const auto d = check(risk, test::limit("AAPL", Side::Buy, "1", "105.01"));
    EXPECT_EQ(code(d), "price_collar");
    EXPECT_EQ(d->message, "price 105.01 is more than 5 % from the last price 100");
    EXPECT_EQ(code(check(risk, test::limit("AAPL", Side::Sell, "1", "94.99"))), "price_collar");
}

TEST_F(RiskTest, ShortSellingSwitch) {
    RiskLimits limits;
    limits.allow_short = false;
    RiskEngine risk{limits};
    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "10", "100", "e1")));
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Sell, "10"))), "allowed");
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Sell, "11"))), "short_selling");
}

TEST_F(RiskTest, OpenOrdersAndOrderRate) {
    RiskLimits limits;
    limits.max_open_orders = 3;
    limits.max_orders_per_second = 2;
    RiskEngine risk{limits};
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "1"), "100", 3)), "max_open_orders");
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "1"))), "allowed");
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "1"))), "allowed");
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "1"))), "max_orders_per_second");
    now += core::Duration::milliseconds(1001);
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "1"))), "allowed");
}

TEST_F(RiskTest, NoPriceNoOrderWhenALimitNeedsOne) {
    RiskEngine risk{RiskLimits{}};
    const RiskInputs in{account, 0, core::Money{}, std::nullopt};
    EXPECT_EQ(code(risk.check(test::market("AAPL", Side::Buy, "1"), in, now)), "no_price");
    EXPECT_EQ(code(risk.check(test::limit("AAPL", Side::Buy, "1", "10"), in, now)), "allowed");
}

TEST_F(RiskTest, ReduceOnlyAndHaltedStates) {
    RiskEngine risk{RiskLimits{}};
    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "10", "100", "e1")));
    risk.set_state(TradingState::ReduceOnly);
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Sell, "5"))), "allowed");
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Sell, "11"))), "reduce_only");
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Buy, "1"))), "reduce_only");
    risk.set_state(TradingState::Halted);
    EXPECT_EQ(code(check(risk, test::market("AAPL", Side::Sell, "5"))), "halted");
}

TEST_F(RiskTest, DailyLossHaltsAndANewDayDoesNotResume) {
    RiskLimits limits;
    limits.max_daily_loss = test::usd("1000");
    RiskEngine risk{limits};
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-01T14:30:00Z"), test::usd("100000")));
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-01T15:30:00Z"), test::usd("99000.01")));
    const auto halted = risk.on_equity(test::ts("2024-03-01T16:30:00Z"), test::usd("99000"));
    ASSERT_TRUE(halted);
    EXPECT_EQ(*halted, "halted: lost 1000 today, max_daily_loss 1000");
    EXPECT_EQ(risk.state(), TradingState::Halted);
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-02T14:30:00Z"), test::usd("99000")));
    EXPECT_EQ(risk.state(), TradingState::Halted);
}

TEST_F(RiskTest, TheDaysFirstEquityAndThePeakAreKeptWithoutLimits) {
    RiskEngine risk{RiskLimits{}};
    EXPECT_FALSE(risk.day_start());
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-01T14:30:00Z"), test::usd("100000")));
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-01T15:30:00Z"), test::usd("100500.25")));
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-01T20:59:00Z"), test::usd("99000")));
    EXPECT_EQ(risk.day_start(), test::usd("100000"));
    EXPECT_EQ(risk.peak(), test::usd("100500.25"));
    // New York's next day starts at its midnight (04:00 or 05:00 UTC), not UTC's.
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-02T03:00:00Z"), test::usd("99100")));
    EXPECT_EQ(risk.day_start(), test::usd("100000"));
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-02T14:30:00Z"), test::usd("99200")));
    EXPECT_EQ(risk.day_start(), test::usd("99200"));
    EXPECT_EQ(risk.state(), TradingState::Active);
}

TEST_F(RiskTest, DrawdownFromThePeakHalts) {
    RiskLimits limits;
    limits.max_drawdown = 0.1;
    RiskEngine risk{limits};
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-01"), test::usd("100000")));
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-02"), test::usd("120000")));
    EXPECT_FALSE(risk.on_equity(test::ts("2024-03-03"), test::usd("108001")));
    EXPECT_TRUE(risk.on_equity(test::ts("2024-03-04"), test::usd("108000")));
    EXPECT_EQ(risk.state(), TradingState::Halted);
}

}  // namespace
}  // namespace meridian::engine
