// Tests of grids, objectives and walk-forward windows.
#include "engine/optimize.hpp"

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::engine {
namespace {

std::vector<std::string> values(std::string_view spec) {
    return parse_grid_axis(spec).value().values;
}

TEST(Grid, RangesIncludeTheStopAndListsKeepTheirOrder) {
    EXPECT_EQ(values("fast=5:20:5"), (std::vector<std::string>{"5", "10", "15", "20"}));
    EXPECT_EQ(values("fast=5:19:5"), (std::vector<std::string>{"5", "10", "15"}));
    EXPECT_EQ(values("k=0.1:0.3:0.1"), (std::vector<std::string>{"0.1", "0.2", "0.3"}));  // exact
    EXPECT_EQ(values("qty=10,20,50"), (std::vector<std::string>{"10", "20", "50"}));
    EXPECT_EQ(parse_grid_axis("fast=1:2:1")->key, "fast");
}

TEST(Grid, ImpossibleGridsAreErrors) {
    EXPECT_NE(parse_grid_axis("fast").error().message.find("expected KEY="), std::string::npos);
    EXPECT_NE(parse_grid_axis("fast=5:1:1").error().message.find("start is after the stop"),
              std::string::npos);
    EXPECT_NE(parse_grid_axis("fast=1:5:0").error().message.find("step must be above 0"),
              std::string::npos);
    EXPECT_NE(parse_grid_axis("fast=1:5").error().message.find("START:STOP:STEP"),
              std::string::npos);
    EXPECT_NE(parse_grid_axis("fast=a:5:1").error().message.find("price 'a'"), std::string::npos);
    EXPECT_NE(parse_grid_axis("fast=1:100000:1").error().message.find("more than 10,000"),
              std::string::npos);
    EXPECT_NE(parse_grid_axis("fast=1,,2").error().message.find("empty value"), std::string::npos);
}

TEST(Grid, CombinationsAreTheCartesianProductOverTheBase) {
    const auto combos =
        grid_combinations({*parse_grid_axis("fast=1,2"), *parse_grid_axis("slow=10,20,30")},
                          {{"qty", "5"}})
            .value();
    ASSERT_EQ(combos.size(), 6u);
    EXPECT_EQ(combos[0], (StrategyParams{{"fast", "1"}, {"slow", "10"}, {"qty", "5"}}));
    EXPECT_EQ(combos[5], (StrategyParams{{"fast", "2"}, {"slow", "30"}, {"qty", "5"}}));
    EXPECT_FALSE(grid_combinations({*parse_grid_axis("fast=1,2"), *parse_grid_axis("fast=3")}, {}));
}

TEST(Objective, RanksBiggerFirstExceptDrawdown) {
    const auto sharpe = parse_objective("sharpe").value();
    const auto dd = parse_objective("max_drawdown").value();
    EXPECT_TRUE(better(sharpe, 1.5, 1.0));
    EXPECT_TRUE(better(dd, 0.1, 0.2));
    EXPECT_TRUE(better(sharpe, 0.0, std::nullopt));
    EXPECT_FALSE(better(sharpe, std::nullopt, 0.0));
    EXPECT_NE(parse_objective("sharp").error().message.find("valid: sharpe, sortino"),
              std::string::npos);
    Summary s;
    s.final_equity = test::usd("123.5");
    EXPECT_EQ(objective_value(parse_objective("final_equity").value(), s), 123.5);
    EXPECT_FALSE(objective_value(parse_objective("profit_factor").value(), s));
}

TEST(WalkForward, WindowsRollByTheTestLength) {
    const auto wf = parse_walk_forward("train=100,test=50").value();
    const auto w = walk_forward_windows(320, wf);
    ASSERT_EQ(w.size(), 4u);  // tests end at 150, 200, 250, 300
    EXPECT_EQ(w[0].train_begin, 0u);
    EXPECT_EQ(w[0].train_end, 100u);
    EXPECT_EQ(w[0].test_end, 150u);
    EXPECT_EQ(w[3].train_begin, 150u);
    EXPECT_EQ(w[3].test_end, 300u);
    EXPECT_FALSE(parse_walk_forward("train=100"));
    EXPECT_FALSE(parse_walk_forward("train=0,test=5"));
    EXPECT_FALSE(parse_walk_forward("train=10,tset=5"));
}

}  // namespace
}  // namespace meridian::engine
