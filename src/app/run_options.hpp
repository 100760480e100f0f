// Options shared by the commands that run backtests (backtest, optimize): data, costs, strategies.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "engine/aggregate.hpp"
#include "engine/backtest.hpp"
#include "engine/bars_csv.hpp"

namespace meridian::app {

struct RunOptions {
    std::vector<std::string> data;
    std::vector<std::string> quotes;  // quote files: fills then come from quotes
    std::vector<StrategyConfig> strategies;
    engine::BacktestConfig config;
    engine::BarsCsvOptions csv;
    std::optional<engine::Timeframe> timeframe;  // aggregate the loaded bars to this
    std::string out_dir;
};

/// The bars of the options' data files, aggregated to their timeframe if one was asked for.
core::Result<std::vector<engine::Bar>> load_run_bars(const RunOptions& options);
/// The quotes of the options' quote files, merged in time order (empty without --quotes).
core::Result<std::vector<engine::Quote>> load_run_quotes(const RunOptions& options);

/// A command's own flags: returns true if it took `flag` (with `value`), false if unknown.
using ExtraFlag =
    std::function<core::Result<bool>(std::string_view flag, const std::string& value)>;

/// Parses --config, --data, --symbol, --strategy, --set, --cash, --fill, --commission,
/// --slippage-bps, --volume-cap, --from, --to, --seed and --out (the config file first, the
/// flags over it); other flags go to `extra`. Every flag takes a value.
core::Result<RunOptions> parse_run_options(Args args, const ExtraFlag& extra);

/// Applies `--set KEY=VALUE` (every strategy) or `--set NAME.KEY=VALUE` (the one so named).
core::Result<void> apply_set(const std::string& assignment,
                             std::vector<StrategyConfig>& strategies);

/// Makes the strategies, renamed and limited to their symbols; names must differ.
core::Result<std::vector<std::unique_ptr<engine::Strategy>>> make_strategies(
    const std::vector<StrategyConfig>& configs);

}  // namespace meridian::app
