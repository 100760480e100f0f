// Tests of the strategy registry and the built-in sma_crossover.
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
    EXPECT_EQ(error_of("sma_cross", {}), "unknown strategy 'sma_cross' (valid: sma_crossover)");
    EXPECT_EQ(error_of("sma_crossover", {{"fats", "5"}}),
              "unknown parameter 'fats' for strategy sma_crossover (valid: fast, slow, qty)");
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

}  // namespace
}  // namespace meridian::engine
