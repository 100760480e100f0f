// Tests of bar aggregation and the synthetic market.
#include <gtest/gtest.h>

#include "engine/aggregate.hpp"
#include "engine/calendar.hpp"
#include "engine/synthetic.hpp"
#include "tests/support/engine_builders.hpp"

namespace meridian::engine {
namespace {

Bar minute(std::string_view time, const char* o, const char* h, const char* l, const char* c,
           const char* v) {
    Bar b;
    b.symbol = test::sym("AAPL");
    b.ts = test::ts(time);
    b.open = test::px(o);
    b.high = test::px(h);
    b.low = test::px(l);
    b.close = test::px(c);
    b.volume = test::qty(v);
    b.vwap = b.close;
    b.trade_count = 2;
    return b;
}

TEST(Aggregate, MinuteBarsIntoFiveMinuteBars) {
    const std::vector<Bar> bars{
        minute("2024-03-01T14:30:00Z", "10", "11", "9.5", "10.5", "100"),
        minute("2024-03-01T14:31:00Z", "10.5", "12", "10", "11", "300"),
        minute("2024-03-01T14:34:00Z", "11", "11.5", "10.8", "11.2", "100"),
        minute("2024-03-01T14:35:00Z", "11.2", "11.3", "11", "11.1", "50"),
    };
    const auto five = aggregate(bars, Timeframe::parse("5m").value());
    ASSERT_EQ(five.size(), 2u);
    EXPECT_EQ(five[0].ts, test::ts("2024-03-01T14:30:00Z"));
    EXPECT_EQ(five[0].open, test::px("10"));
    EXPECT_EQ(five[0].high, test::px("12"));
    EXPECT_EQ(five[0].low, test::px("9.5"));
    EXPECT_EQ(five[0].close, test::px("11.2"));
    EXPECT_EQ(five[0].volume, test::qty("500"));
    EXPECT_EQ(five[0].trade_count, 6u);
    EXPECT_EQ(five[0].vwap, test::px("10.94"));  // (10.5x100 + 11x300 + 11.2x100) / 500
    EXPECT_EQ(five[1].ts, test::ts("2024-03-01T14:35:00Z"));
    EXPECT_EQ(five[1].close, test::px("11.1"));
}

TEST(Aggregate, DailyBarsFollowTheNewYorkDate) {
    const std::vector<Bar> bars{
        minute("2024-03-01T14:30:00Z", "10", "11", "9", "10", "1"),
        minute("2024-03-01T20:59:00Z", "10", "13", "10", "12", "1"),  // 15:59 New York
        minute("2024-03-04T14:30:00Z", "12", "12", "12", "12", "1"),
    };
    const auto daily = aggregate(bars, Timeframe::parse("1Day").value());
    ASSERT_EQ(daily.size(), 2u);
    EXPECT_EQ(daily[0].ts, test::ts("2024-03-01T05:00:00Z"));  // midnight in New York
    EXPECT_EQ(daily[0].high, test::px("13"));
    EXPECT_EQ(daily[1].ts, test::ts("2024-03-04T05:00:00Z"));
}

TEST(Aggregate, TradesIntoBars) {
    BarAggregator agg{Timeframe::parse("1m").value()};
    const auto s = test::sym("AAPL");
    EXPECT_FALSE(
        agg.add(Trade{s, test::ts("2024-03-01T14:30:01Z"), test::px("10"), test::qty("100")}));
    EXPECT_FALSE(
        agg.add(Trade{s, test::ts("2024-03-01T14:30:30Z"), test::px("11"), test::qty("300")}));
    const auto done =
        agg.add(Trade{s, test::ts("2024-03-01T14:31:00Z"), test::px("9"), test::qty("1")});
    ASSERT_TRUE(done);
    EXPECT_EQ(done->open, test::px("10"));
    EXPECT_EQ(done->close, test::px("11"));
    EXPECT_EQ(done->vwap, test::px("10.75"));
    EXPECT_EQ(done->trade_count, 2u);
    EXPECT_EQ(agg.flush().size(), 1u);
    EXPECT_FALSE(Timeframe::parse("7m"));
}

SyntheticConfig config(bool regular_hours) {
    SyntheticConfig c;
    c.symbols = {test::sym("AAPL"), test::sym("MSFT")};
    c.seed = 42;
    c.start = test::ts("2024-03-01T21:00:00Z");  // after Friday's close
    c.regular_hours = regular_hours;
    return c;
}

TEST(SyntheticMarket, SameSeedSameMarket) {
    const auto a = synthetic_bars(config(true), 500);
    const auto b = synthetic_bars(config(true), 500);
    ASSERT_EQ(a.size(), 1000u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].close, b[i].close);
        EXPECT_EQ(a[i].ts, b[i].ts);
    }
    auto other = config(true);
    other.seed = 43;
    EXPECT_NE(synthetic_bars(other, 10)[9].close, a[19].close);
}

TEST(SyntheticMarket, BarsAreConsistentAndTradeOnlyInSessions) {
    const auto bars = synthetic_bars(config(true), 1000);
    EXPECT_EQ(bars.front().ts, test::ts("2024-03-04T14:30:00Z"));  // Monday's open
    for (const auto& b : bars) {
        EXPECT_LE(b.low, std::min(b.open, b.close));
        EXPECT_GE(b.high, std::max(b.open, b.close));
        EXPECT_TRUE(b.low.is_positive());
        EXPECT_TRUE(nyse::is_open(b.ts)) << b.ts;
    }
    const auto around = synthetic_bars(config(false), 10);
    EXPECT_EQ(around.front().ts, test::ts("2024-03-01T21:00:00Z"));
}

TEST(SyntheticMarket, StepsCarryQuotesAndTrades) {
    SyntheticMarket m{config(false)};
    const auto step = m.step();
    EXPECT_EQ(step.bars.size(), 2u);
    EXPECT_EQ(step.trades.size(), 8u);
    EXPECT_EQ(step.quotes.size(), 8u);
    for (const auto& q : step.quotes)
        EXPECT_EQ(q.ask - q.bid, test::px("0.01"));
    EXPECT_EQ(m.now(), test::ts("2024-03-01T21:01:00Z"));
    // In time order, the symbols interleaved: a live market releases each one's quotes over
    // the whole bar, not one symbol's minute in a burst.
    for (std::size_t i = 1; i < step.quotes.size(); ++i) {
        EXPECT_LE(step.quotes[i - 1].ts, step.quotes[i].ts);
        EXPECT_NE(step.quotes[i - 1].symbol, step.quotes[i].symbol);
        EXPECT_EQ(step.trades[i].ts, step.quotes[i].ts);
        EXPECT_EQ(step.trades[i].symbol, step.quotes[i].symbol);
    }
}

}  // namespace
}  // namespace meridian::engine
