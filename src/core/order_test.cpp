// Tests of order validation and the order state machine.
#include "core/order.hpp"

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::core {
namespace {

using test::fill;
using test::px;
using test::qty;
using test::ts;

Order new_order(const OrderRequest& r, OrderStatus initial = OrderStatus::PendingNew) {
    return Order::create(r, test::oid("order-1"), test::coid("client-1"),
                         ts("2024-03-01T14:30:00Z"), initial)
        .value();
}

std::string error_of(const OrderRequest& r) {
    auto ok = validate(r);
    return ok ? std::string{} : ok.error().message;
}

TEST(Order, StartsPendingNewWithNothingFilled) {
    const Order o = new_order(test::limit("AAPL", Side::Buy, "100", "187.25"));
    EXPECT_EQ(o.status(), OrderStatus::PendingNew);
    EXPECT_EQ(o.filled_qty(), qty("0"));
    EXPECT_EQ(o.leaves_qty(), qty("100"));
    EXPECT_FALSE(o.filled_avg_price());
    EXPECT_EQ(o.request().client_order_id, test::coid("client-1"));
}

TEST(Order, FillsAccumulateToFilledWithExactAveragePrice) {
    Order o = new_order(test::limit("AAPL", Side::Buy, "3", "101"));
    ASSERT_TRUE(o.transition(OrderStatus::New, ts("2024-03-01T14:30:01Z")));
    EXPECT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "1", "100", "e1")));
    EXPECT_EQ(o.status(), OrderStatus::PartiallyFilled);
    EXPECT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "1", "100", "e2")));
    EXPECT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "1", "101", "e3")));
    EXPECT_EQ(o.status(), OrderStatus::Filled);
    EXPECT_EQ(o.filled_qty(), qty("3"));
    EXPECT_EQ(o.filled_notional(), test::usd("301"));
    EXPECT_EQ(o.filled_avg_price()->to_string(), "100.333333333");
    EXPECT_TRUE(o.filled_at().has_value());
    EXPECT_EQ(o.leaves_qty(), qty("0"));
}

TEST(Order, RepeatedExecutionIsIgnored) {
    Order o = new_order(test::market("AAPL", Side::Buy, "10"));
    EXPECT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "4", "100", "e1")));
    EXPECT_FALSE(*o.apply_fill(fill("AAPL", Side::Buy, "4", "100", "e1")));
    EXPECT_EQ(o.filled_qty(), qty("4"));
}

TEST(Order, OverfillIsRejectedAndChangesNothing) {
    Order o = new_order(test::market("AAPL", Side::Buy, "10"));
    ASSERT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "6", "100", "e1")));
    auto r = o.apply_fill(fill("AAPL", Side::Buy, "5", "100", "e2"));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("exceeds the order's remaining 4"), std::string::npos);
    EXPECT_EQ(o.filled_qty(), qty("6"));
    EXPECT_EQ(o.status(), OrderStatus::PartiallyFilled);
    // The rejected execution id was not remembered: the corrected fill applies.
    EXPECT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "4", "100", "e2")));
}

TEST(Order, FillForAnotherOrderSymbolOrSideIsAnError) {
    Order o = new_order(test::market("AAPL", Side::Buy, "10"));
    EXPECT_FALSE(o.apply_fill(fill("AAPL", Side::Buy, "1", "100", "e1", "0", "order-2")));
    EXPECT_FALSE(o.apply_fill(fill("MSFT", Side::Buy, "1", "100", "e1")));
    EXPECT_FALSE(o.apply_fill(fill("AAPL", Side::Sell, "1", "100", "e1")));
    EXPECT_EQ(o.filled_qty(), qty("0"));
}

TEST(Order, TerminalStatesAreAbsorbing) {
    Order o = new_order(test::market("AAPL", Side::Buy, "10"));
    ASSERT_TRUE(o.transition(OrderStatus::Canceled, ts("2024-03-01T14:31:00Z")));
    auto r = o.transition(OrderStatus::New, ts("2024-03-01T14:32:00Z"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::IllegalState);
    EXPECT_NE(r.error().message.find("canceled -> new is not a legal transition"),
              std::string::npos);
    EXPECT_FALSE(o.apply_fill(fill("AAPL", Side::Buy, "1", "100", "late")));
    EXPECT_EQ(o.status(), OrderStatus::Canceled);
    EXPECT_TRUE(o.canceled_at().has_value());
    // The same terminal status again is a repeated event, not an error.
    EXPECT_TRUE(o.transition(OrderStatus::Canceled, ts("2024-03-01T14:33:00Z")));
}

TEST(Order, FilledNeedsEveryShareForAQtyOrder) {
    Order o = new_order(test::market("AAPL", Side::Buy, "10"));
    EXPECT_FALSE(o.transition(OrderStatus::Filled, ts("2024-03-01T14:31:00Z")));
    EXPECT_FALSE(o.transition(OrderStatus::PartiallyFilled, ts("2024-03-01T14:31:00Z")));
    ASSERT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "5", "100", "e1")));
    EXPECT_FALSE(o.transition(OrderStatus::Filled, ts("2024-03-01T14:31:00Z")));
    EXPECT_FALSE(o.transition(OrderStatus::Rejected, ts("2024-03-01T14:31:00Z")));
    EXPECT_FALSE(o.transition(OrderStatus::New, ts("2024-03-01T14:31:00Z")));
    EXPECT_EQ(o.status(), OrderStatus::PartiallyFilled);
}

TEST(Order, NotionalOrderIsFilledWhenTheBrokerSaysSo) {
    OrderRequest r = test::market("AAPL", Side::Buy, "1");
    r.qty.reset();
    r.notional = test::usd("500");
    Order o = new_order(r);
    EXPECT_FALSE(o.leaves_qty());
    ASSERT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "2.670295", "187.245", "e1")));
    EXPECT_EQ(o.status(), OrderStatus::PartiallyFilled);
    ASSERT_TRUE(o.transition(OrderStatus::Filled, ts("2024-03-01T14:31:00Z")));
    EXPECT_EQ(o.filled_qty(), qty("2.670295"));
}

TEST(Order, CancelRaceWithFillKeepsCancelPendingUntilFilled) {
    Order o = new_order(test::market("AAPL", Side::Buy, "10"));
    ASSERT_TRUE(o.transition(OrderStatus::New, ts("2024-03-01T14:30:01Z")));
    ASSERT_TRUE(o.transition(OrderStatus::PendingCancel, ts("2024-03-01T14:30:02Z")));
    ASSERT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "4", "100", "e1")));
    EXPECT_EQ(o.status(), OrderStatus::PendingCancel);
    // Cancel refused: back to working with fills.
    ASSERT_TRUE(o.transition(OrderStatus::PartiallyFilled, ts("2024-03-01T14:30:03Z")));
    ASSERT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "6", "100", "e2")));
    EXPECT_EQ(o.status(), OrderStatus::Filled);
}

TEST(Order, ReplaceRecordsTheNewOrder) {
    Order o = new_order(test::limit("AAPL", Side::Buy, "10", "100"));
    ASSERT_TRUE(o.transition(OrderStatus::New, ts("2024-03-01T14:30:01Z")));
    ASSERT_TRUE(o.transition(OrderStatus::PendingReplace, ts("2024-03-01T14:30:02Z")));
    ASSERT_TRUE(o.replace_with(test::oid("order-2"), ts("2024-03-01T14:30:03Z")));
    EXPECT_EQ(o.status(), OrderStatus::Replaced);
    EXPECT_EQ(o.replaced_by(), test::oid("order-2"));
    EXPECT_FALSE(o.replace_with(test::oid("order-3"), ts("2024-03-01T14:30:04Z")));
    EXPECT_EQ(o.replaced_by(), test::oid("order-2"));
    EXPECT_FALSE(o.replaces());
    // The replacement names the order it replaced, and keeps it through a snapshot.
    auto n = Order::create_replacing(o.id(), test::limit("AAPL", Side::Buy, "10", "101"),
                                     test::oid("order-2"), test::coid("c-2"),
                                     ts("2024-03-01T14:30:03Z"));
    ASSERT_TRUE(n);
    EXPECT_EQ(n->replaces(), o.id());
    EXPECT_EQ(n->status(), OrderStatus::PendingNew);
    EXPECT_EQ(Order::restore(n->snapshot()).value().replaces(), o.id());
}

TEST(Order, HeldBracketLegWaitsThenWorks) {
    OrderRequest r = test::limit("SPY", Side::Sell, "100", "301");
    Order leg = new_order(r, OrderStatus::Held);
    EXPECT_EQ(leg.status(), OrderStatus::Held);
    EXPECT_TRUE(leg.transition(OrderStatus::New, ts("2024-03-01T14:31:00Z")));
    EXPECT_FALSE(
        Order::create(r, test::oid("x"), test::coid("y"), ts("2024-03-01"), OrderStatus::Filled));
}

TEST(Order, SnapshotRestoresTheSameOrder) {
    Order o = new_order(test::limit("AAPL", Side::Buy, "10", "100"));
    ASSERT_TRUE(o.transition(OrderStatus::New, ts("2024-03-01T14:30:01Z")));
    ASSERT_TRUE(*o.apply_fill(fill("AAPL", Side::Buy, "4", "99.5", "e1", "0.1")));
    const Order back = Order::restore(o.snapshot()).value();
    EXPECT_EQ(back.snapshot().filled_notional, o.filled_notional());
    EXPECT_EQ(back.status(), OrderStatus::PartiallyFilled);
    EXPECT_EQ(back.submitted_at(), o.submitted_at());
    Order again = back;
    EXPECT_FALSE(*again.apply_fill(fill("AAPL", Side::Buy, "4", "99.5", "e1")));  // still known
    EXPECT_TRUE(*again.apply_fill(fill("AAPL", Side::Buy, "6", "99.5", "e2")));
    EXPECT_EQ(again.status(), OrderStatus::Filled);
}

TEST(Order, RestoreRefusesSnapshotsThatBreakInvariants) {
    Order o = new_order(test::market("AAPL", Side::Buy, "10"));
    auto s = o.snapshot();
    s.filled_qty = qty("11");
    EXPECT_FALSE(Order::restore(s));
    s = o.snapshot();
    s.status = OrderStatus::Filled;
    EXPECT_FALSE(Order::restore(s));
    s = o.snapshot();
    s.filled_qty = qty("1");
    s.status = OrderStatus::New;
    EXPECT_FALSE(Order::restore(s));
    s = o.snapshot();
    s.request.qty.reset();
    EXPECT_FALSE(Order::restore(s));
}

TEST(OrderRequest, ValidatesLikeAlpaca) {
    EXPECT_EQ(error_of(test::market("AAPL", Side::Buy, "10")), "");
    EXPECT_EQ(error_of(test::limit("AAPL", Side::Buy, "10", "187.25")), "");

    OrderRequest r = test::market("AAPL", Side::Buy, "0");
    EXPECT_EQ(error_of(r), "qty must be positive");
    r.qty.reset();
    EXPECT_EQ(error_of(r), "exactly one of qty and notional is required");
    r = test::market("AAPL", Side::Buy, "10");
    r.notional = test::usd("100");
    EXPECT_EQ(error_of(r), "exactly one of qty and notional is required");

    r = test::limit("AAPL", Side::Buy, "10", "187.25");
    r.limit_price.reset();
    EXPECT_EQ(error_of(r), "limit_price is required for limit orders");
    r = test::market("AAPL", Side::Buy, "10");
    r.limit_price = px("1");
    EXPECT_EQ(error_of(r), "limit_price is not allowed for market orders");
    r = test::limit("AAPL", Side::Buy, "10", "187.255");
    EXPECT_NE(error_of(r).find("sub-penny"), std::string::npos);
    EXPECT_EQ(error_of(test::limit("PENNY", Side::Buy, "10", "0.1234")), "");
    r = test::limit("AAPL", Side::Buy, "1.5", "100");
    EXPECT_NE(error_of(r).find("fractional qty"), std::string::npos);
    r = test::market("AAPL", Side::Buy, "1.5");
    EXPECT_EQ(error_of(r), "");
    r = test::limit("AAPL", Side::Buy, "1", "-5");
    EXPECT_EQ(error_of(r), "limit_price must be positive");
}

TEST(OrderRequest, ValidatesStopsTrailsAndExtendedHours) {
    OrderRequest r = test::market("SPY", Side::Sell, "100");
    r.type = OrderType::TrailingStop;
    EXPECT_NE(error_of(r).find("exactly one of trail_price and trail_percent"), std::string::npos);
    r.trail_price = px("6.15");
    EXPECT_EQ(error_of(r), "");
    r.time_in_force = TimeInForce::Ioc;
    EXPECT_NE(error_of(r).find("day or gtc"), std::string::npos);

    r = test::market("SPY", Side::Sell, "100");
    r.type = OrderType::StopLimit;
    r.stop_price = px("299");
    EXPECT_EQ(error_of(r), "limit_price is required for stop_limit orders");
    r.limit_price = px("298.5");
    EXPECT_EQ(error_of(r), "");
    r.extended_hours = true;
    EXPECT_NE(error_of(r).find("extended_hours"), std::string::npos);
}

TEST(OrderRequest, ValidatesAdvancedClasses) {
    OrderRequest r = test::market("SPY", Side::Buy, "100");
    r.time_in_force = TimeInForce::Gtc;
    r.order_class = OrderClass::Bracket;
    r.take_profit = TakeProfit{px("301")};
    EXPECT_NE(error_of(r).find("bracket orders need"), std::string::npos);
    r.stop_loss = StopLoss{px("299"), px("298.5")};
    EXPECT_EQ(error_of(r), "");
    r.take_profit = TakeProfit{px("298")};
    EXPECT_EQ(error_of(r), "take_profit.limit_price must be above stop_loss.stop_price");
    r.side = Side::Sell;
    EXPECT_EQ(error_of(r), "");

    r = test::limit("SPY", Side::Sell, "100", "301");
    r.order_class = OrderClass::Oco;
    r.take_profit = TakeProfit{px("301")};
    r.stop_loss = StopLoss{px("299"), std::nullopt};
    EXPECT_EQ(error_of(r), "");
    r.type = OrderType::Market;
    r.limit_price.reset();
    EXPECT_EQ(error_of(r), "oco orders must be of type limit");

    r = test::market("SPY", Side::Buy, "100");
    r.order_class = OrderClass::Oto;
    r.stop_loss = StopLoss{px("299"), std::nullopt};
    EXPECT_EQ(error_of(r), "");
    r.take_profit = TakeProfit{px("301")};
    EXPECT_EQ(error_of(r), "oto orders need exactly one of take_profit and stop_loss");

    r = test::market("SPY", Side::Buy, "100");
    r.take_profit = TakeProfit{px("301")};
    EXPECT_NE(error_of(r).find("need order_class"), std::string::npos);
}

}  // namespace
}  // namespace meridian::core
