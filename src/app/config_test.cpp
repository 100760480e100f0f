// Tests of the backtest config file: every section, exact decimals, and file:line errors.
#include "app/config.hpp"

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::app {
namespace {

std::string error_of(std::string_view text) {
    auto c = parse_backtest_config(text, "cfg/bt.toml");
    return c ? std::string{} : c.error().message;
}

TEST(BacktestConfigFile, ReadsEverySection) {
    const auto c = parse_backtest_config(R"(
[backtest]
data = ["orcl.csv", "/abs/nvda.csv"]
cash = 25000.50
fill = "close"
commission = "per_share=0.005,min=1"
slippage_bps = 2.5
volume_cap = 0.1
from = "2000-01-03"
to = "2000-12-29"
seed = 7

[risk]
max_order_qty = 500
max_order_notional = "20000"
max_drawdown = 0.25
price_collar_percent = 5
allow_short = false

[[strategy]]
kind = "sma_crossover"
name = "sma-fast"
symbols = ["ORCL"]
fast = 5
slow = 20
qty = 10

[[strategy]]
kind = "rsi_reversion"
lower = 25.5
)",
                                         "cfg/bt.toml")
                       .value();
    EXPECT_EQ(c.data, (std::vector<std::string>{"cfg/orcl.csv", "/abs/nvda.csv"}));
    EXPECT_EQ(c.backtest.cash, test::usd("25000.5"));
    EXPECT_EQ(c.backtest.broker.fill_at, engine::FillAt::Close);
    EXPECT_EQ(c.backtest.broker.commission.per_share, test::usd("0.005"));
    EXPECT_EQ(c.backtest.broker.slippage_bps, test::px("2.5"));
    EXPECT_EQ(c.backtest.broker.volume_participation, 0.1);
    EXPECT_EQ(c.backtest.from, test::ts("2000-01-03"));
    EXPECT_EQ(c.backtest.to, test::ts("2000-12-30") - core::Duration{1});
    EXPECT_EQ(c.backtest.seed, 7u);
    EXPECT_EQ(c.backtest.risk.max_order_qty, test::qty("500"));
    EXPECT_EQ(c.backtest.risk.max_order_notional, test::usd("20000"));
    EXPECT_EQ(c.backtest.risk.max_drawdown, 0.25);
    EXPECT_EQ(c.backtest.risk.price_collar_percent, test::px("5"));
    EXPECT_FALSE(c.backtest.risk.allow_short);
    ASSERT_EQ(c.strategies.size(), 2u);
    EXPECT_EQ(c.strategies[0].name, "sma-fast");
    EXPECT_EQ(c.strategies[0].symbols, std::vector<core::Symbol>{test::sym("ORCL")});
    EXPECT_EQ(c.strategies[0].params,
              (engine::StrategyParams{{"fast", "5"}, {"slow", "20"}, {"qty", "10"}}));
    EXPECT_EQ(c.strategies[1].params.at("lower"), "25.5");
}

TEST(BacktestConfigFile, ErrorsNameTheFileAndLine) {
    EXPECT_EQ(error_of("[backtest]\ncash = \"lots\"\n"),
              "cfg/bt.toml:2: cash: money 'lots': unexpected character 'l' at position 1");
    EXPECT_EQ(error_of("[backtest]\nfill = \"open\"\n"),
              "cfg/bt.toml:2: fill must be \"next_open\" or \"close\"");
    EXPECT_NE(
        error_of("[backtest]\ncahs = 5\n").find("cfg/bt.toml:2: unknown key 'cahs' in [backtest]"),
        std::string::npos);
    EXPECT_NE(
        error_of("[risk]\nmax_drawdown = 2\n").find("cfg/bt.toml:2: max_drawdown must be a number"),
        std::string::npos);
    EXPECT_NE(error_of("[riks]\n").find("cfg/bt.toml:1: unknown section 'riks'"),
              std::string::npos);
    EXPECT_NE(error_of("\n[[strategy]]\nkind = \"sma_crossover\"\nfats = 3\n")
                  .find("cfg/bt.toml:2: unknown parameter 'fats' for strategy sma_crossover"),
              std::string::npos);
    EXPECT_EQ(error_of("[[strategy]]\nfast = 3\n"),
              "cfg/bt.toml:1: [[strategy]] needs kind = \"...\"");
    EXPECT_NE(error_of("[backtest\n").find("cfg/bt.toml:1: "), std::string::npos);
    EXPECT_NE(error_of("[risk]\nmax_order_qty = -5\n")
                  .find("cfg/bt.toml:2: max_order_qty must be positive"),
              std::string::npos);
}

TEST(BacktestConfigFile, RiskStateStartsTheSwitch) {
    const auto c = parse_backtest_config("[risk]\nstate = \"reduce_only\"\n", "x.toml").value();
    EXPECT_EQ(c.backtest.risk.initial_state, engine::TradingState::ReduceOnly);
    EXPECT_NE(error_of("[risk]\nstate = \"paused\"\n").find("cfg/bt.toml:2: state must be"),
              std::string::npos);
}

TEST(BacktestConfigFile, MissingFileIsAClearError) {
    auto c = load_backtest_config("/nonexistent/meridian.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("cannot read /nonexistent/meridian.toml"), std::string::npos);
}

}  // namespace
}  // namespace meridian::app
