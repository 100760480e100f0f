// Tests of Symbol and the enums' wire names.
#include "core/types.hpp"

#include <gtest/gtest.h>

namespace meridian::core {
namespace {

TEST(Types, WireNamesRoundTrip) {
    for (auto s : {"buy", "sell"})
        EXPECT_EQ(to_string(parse_side(s).value()), s);
    for (auto s : {"market", "limit", "stop", "stop_limit", "trailing_stop"}) {
        EXPECT_EQ(to_string(parse_order_type(s).value()), s);
    }
    for (auto s : {"day", "gtc", "opg", "cls", "ioc", "fok"}) {
        EXPECT_EQ(to_string(parse_time_in_force(s).value()), s);
    }
    for (auto s : {"simple", "bracket", "oco", "oto"}) {
        EXPECT_EQ(to_string(parse_order_class(s).value()), s);
    }
}

TEST(Types, EveryAlpacaStatusParses) {
    const char* statuses[] = {"pending_new",
                              "accepted",
                              "new",
                              "partially_filled",
                              "filled",
                              "done_for_day",
                              "canceled",
                              "expired",
                              "replaced",
                              "pending_cancel",
                              "pending_replace",
                              "rejected",
                              "suspended",
                              "stopped",
                              "calculated",
                              "held",
                              "accepted_for_bidding",
                              "pending_review"};
    EXPECT_EQ(std::size(statuses), static_cast<std::size_t>(order_status_count));
    for (auto s : statuses)
        EXPECT_EQ(to_string(parse_order_status(s).value()), s);
}

TEST(Types, UnknownNamesAreErrorsNotCrashes) {
    auto r = parse_order_status("partially-filled");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("unknown order status 'partially-filled'"), std::string::npos);
    EXPECT_FALSE(parse_side("BUY"));
    EXPECT_FALSE(parse_order_type("Market"));
    EXPECT_FALSE(parse_time_in_force(""));
    EXPECT_FALSE(parse_order_class("mleg"));
}

TEST(Types, EmptyOrderClassIsSimpleAsAlpacaSendsIt) {
    EXPECT_EQ(parse_order_class("").value(), OrderClass::Simple);
}

TEST(Types, TerminalStatusesAreTheFiveFinalOnes) {
    int terminal = 0;
    for (int i = 0; i < order_status_count; ++i)
        terminal += is_terminal(static_cast<OrderStatus>(i));
    EXPECT_EQ(terminal, 5);
    EXPECT_TRUE(is_terminal(OrderStatus::Replaced));
    EXPECT_FALSE(is_terminal(OrderStatus::DoneForDay));
}

TEST(Symbol, AcceptsTickersAsAlpacaWritesThem) {
    for (auto s : {"AAPL", "BRK.B", "BTC/USD", "A", "SPY"})
        EXPECT_EQ(Symbol::parse(s)->str(), s);
}

TEST(Symbol, RejectsWhatIsNotATicker) {
    EXPECT_FALSE(Symbol::parse(""));
    EXPECT_FALSE(Symbol::parse("aapl"));
    EXPECT_FALSE(Symbol::parse("AAPL "));
    EXPECT_FALSE(Symbol::parse("1ABC"));
    EXPECT_FALSE(Symbol::parse("ABCDEFGHIJKLMNOPQRSTU"));
}

}  // namespace
}  // namespace meridian::core
