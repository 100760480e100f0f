// Tests of the strategy registry and the built-in sma_crossover.
#include <tuple>

#include <gtest/gtest.h>

#include "engine/strategy.hpp"
#include "tests/support/engine_builders.hpp"

namespace meridian::engine {
namespace {

std::string error_of(std::string_view name, const StrategyParams& params) {
    auto s = make_strategy(name, params);
    return s ? std::string{} : s.error().message;
}

TEST(StrategyRegistry, UnknownNamesAndParametersListTheValidOnes) {
    EXPECT_EQ(error_of("sma_cross", {}),
              "unknown strategy 'sma_cross' (valid: sma_crossover, rsi_reversion, macd_cross, "
              "bollinger_breakout, momentum)");
    EXPECT_EQ(
        error_of("sma_crossover", {{"fats", "5"}}),
        "unknown parameter 'fats' for strategy sma_crossover (valid: fast, slow, qty, notional, "
        "percent_equity)");
    EXPECT_EQ(error_of("sma_crossover", {{"fast", "five"}}),
              "strategy sma_crossover: parameter fast='five' must be a whole number from 1 to "
              "100000");
    EXPECT_EQ(error_of("sma_crossover", {{"fast", "30"}, {"slow", "30"}}),
              "strategy sma_crossover: fast (30) must be shorter than slow (30)");
    EXPECT_EQ(error_of("sma_crossover", {{"qty", "-1"}}),
              "strategy sma_crossover: parameter qty='-1' must be a positive quantity");
    EXPECT_EQ(error_of("sma_crossover", {{"fast", "2"}, {"slow", "3"}, {"qty", "10"}}), "");
}

TEST(SmaCrossover, BuysOnUpCrossWhenFlatAndSellsAllOnDownCross) {
    auto s = make_strategy("sma_crossover", {{"fast", "2"}, {"slow", "3"}, {"qty", "10"}}).value();
    test::RecordingContext ctx;
    // closes 5,4,3: fast below slow; 6: fast 4.5 > slow 4.33 -> up cross.
    for (const auto& b : test::bars("AAPL", {"5", "4", "3", "6"}))
        s->on_bar(b, ctx);
    ASSERT_EQ(ctx.submitted.size(), 1u);
    EXPECT_EQ(ctx.submitted[0].side, core::Side::Buy);
    EXPECT_EQ(ctx.submitted[0].qty, test::qty("10"));
    EXPECT_EQ(ctx.submitted[0].type, core::OrderType::Market);

    ctx.held = test::qty("10");
    s->on_bar(test::bar("AAPL", 4, "7"), ctx);  // still above: nothing
    EXPECT_EQ(ctx.submitted.size(), 1u);
    s->on_bar(test::bar("AAPL", 5, "2"), ctx);  // fast 4.5 < slow 5 -> down cross
    ASSERT_EQ(ctx.submitted.size(), 2u);
    EXPECT_EQ(ctx.submitted[1].side, core::Side::Sell);
    EXPECT_EQ(ctx.submitted[1].qty, test::qty("10"));
}

TEST(SmaCrossover, DoesNotBuyWhenAlreadyLongNorSellWhenFlat) {
    auto s = make_strategy("sma_crossover", {{"fast", "2"}, {"slow", "3"}}).value();
    test::RecordingContext ctx;
    ctx.held = test::qty("5");
    for (const auto& b : test::bars("AAPL", {"5", "4", "3", "6"}))
        s->on_bar(b, ctx);
    EXPECT_TRUE(ctx.submitted.empty());
    ctx.held = core::Quantity{};
    s->on_bar(test::bar("AAPL", 4, "1"), ctx);
    EXPECT_TRUE(ctx.submitted.empty());
}

/// Feeds closes to a strategy and returns (bar index, side, qty) of each order it submits,
/// with the context's position following its orders as if each filled at once.
std::vector<std::tuple<int, core::Side, std::string>> orders_from(
    const std::string& kind, const StrategyParams& params, const std::vector<std::string>& closes) {
    auto s = make_strategy(kind, params).value();
    test::RecordingContext ctx;
    std::vector<std::tuple<int, core::Side, std::string>> out;
    const auto bars = test::bars("AAPL", closes);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const std::size_t before = ctx.submitted.size();
        s->on_bar(bars[i], ctx);
        for (std::size_t k = before; k < ctx.submitted.size(); ++k) {
            const auto& r = ctx.submitted[k];
            out.emplace_back(static_cast<int>(i), r.side, r.qty->to_string());
            ctx.held = r.side == core::Side::Buy ? ctx.held + *r.qty : ctx.held - *r.qty;
        }
    }
    return out;
}

using core::Side;
using Orders = std::vector<std::tuple<int, Side, std::string>>;

TEST(RsiReversion, BuysOversoldAndSellsOverbought) {
    // RSI(2): falls to 0 after two drops, rises to 100 after two gains.
    const auto o = orders_from("rsi_reversion", {{"period", "2"}, {"qty", "5"}},
                               {"10", "9", "8", "9", "10", "11"});
    EXPECT_EQ(o, (Orders{{2, Side::Buy, "5"}, {4, Side::Sell, "5"}}));
}

TEST(MacdCross, TradesTheSignalLineCrosses) {
    const auto o =
        orders_from("macd_cross", {{"fast", "2"}, {"slow", "3"}, {"signal", "2"}, {"qty", "1"}},
                    {"5", "4", "3", "6", "7", "2", "1", "5", "8"});
    ASSERT_FALSE(o.empty());
    EXPECT_EQ(std::get<1>(o.front()), Side::Buy);
    for (std::size_t i = 1; i < o.size(); ++i)
        EXPECT_NE(std::get<1>(o[i]), std::get<1>(o[i - 1]));
}

TEST(BollingerBreakout, BuysAboveTheUpperBandAndSellsBelowTheMiddle) {
    const auto o = orders_from("bollinger_breakout", {{"period", "3"}, {"k", "1"}, {"qty", "2"}},
                               {"10", "10", "10", "13", "13", "9"});
    EXPECT_EQ(o, (Orders{{3, Side::Buy, "2"}, {5, Side::Sell, "2"}}));
}

TEST(Momentum, FollowsTheRateOfChange) {
    const auto o = orders_from("momentum", {{"lookback", "2"}, {"threshold", "5"}, {"qty", "3"}},
                               {"100", "101", "104", "106", "103", "99", "98"});
    // ROC(2): 4 %, 4.95 %, -0.96 %, -6.6 %: enter when above 5, exit when below -5.
    EXPECT_EQ(o, (Orders{}));
    const auto o2 = orders_from("momentum", {{"lookback", "2"}, {"threshold", "3"}, {"qty", "3"}},
                                {"100", "101", "104", "106", "103", "99", "98"});
    EXPECT_EQ(o2, (Orders{{2, Side::Buy, "3"}, {5, Side::Sell, "3"}}));
}

TEST(Sizing, NotionalAndPercentOfEquityBuyWholeShares) {
    // RecordingContext equity is 100,000; the entry bar closes at 6.
    auto o = orders_from("sma_crossover", {{"fast", "2"}, {"slow", "3"}, {"notional", "1000"}},
                         {"5", "4", "3", "6"});
    EXPECT_EQ(o, (Orders{{3, Side::Buy, "166"}}));
    o = orders_from("sma_crossover", {{"fast", "2"}, {"slow", "3"}, {"percent_equity", "2.5"}},
                    {"5", "4", "3", "6"});
    EXPECT_EQ(o, (Orders{{3, Side::Buy, "416"}}));  // 2,500 / 6
    EXPECT_NE(error_of("momentum", {{"qty", "1"}, {"notional", "5"}}).find("give one of"),
              std::string::npos);
    EXPECT_NE(error_of("momentum", {{"percent_equity", "0"}}).find("percent_equity='0'"),
              std::string::npos);
}

TEST(StrategyRegistry, EveryBuiltinMakesWithDefaults) {
    for (const auto& name : strategy_names()) {
        auto s = make_strategy(name, {});
        ASSERT_TRUE(s) << name << ": " << s.error().message;
        EXPECT_EQ((*s)->name(), name);
    }
    EXPECT_NE(error_of("rsi_reversion", {{"lower", "80"}}).find("lower must be below upper"),
              std::string::npos);
}

}  // namespace
}  // namespace meridian::engine
