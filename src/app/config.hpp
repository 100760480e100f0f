// The backtest config file (TOML): data, costs, risk limits and strategies in one place.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "engine/backtest.hpp"
#include "engine/strategy.hpp"

namespace meridian::app {

/// One [[strategy]] table: its kind, an optional instance name, symbols and parameters.
struct StrategyConfig {
    std::string kind;
    std::string name;  // empty: the kind
    std::vector<core::Symbol> symbols;
    engine::StrategyParams params;
};

/// The [run] table: how `meridian run` runs (command-line options win over it).
struct RunSettings {
    std::vector<core::Symbol> symbols;
    std::optional<double> speed;
    std::optional<std::uint16_t> port;
    std::optional<std::string> bind;
    std::optional<core::Money> cash;
    std::optional<std::uint64_t> seed;
    std::optional<double> volatility;
    std::optional<int> quotes_per_minute;
    std::optional<std::uint32_t> rate_limit_per_minute;
    std::optional<std::uint32_t> max_connections;
    std::optional<int> stale_after_seconds;
    std::optional<bool> metrics_public;
    std::optional<bool> regular_hours;
};

struct BacktestFileConfig {
    RunSettings run;
    /// The [alpaca] table, by the environment variable each key stands for (key_id ->
    /// APCA_API_KEY_ID, base_url -> APCA_API_BASE_URL, feed -> APCA_DATA_FEED, live ->
    /// MERIDIAN_ALPACA_LIVE, ...); the environment wins over it.
    std::map<std::string, std::string> alpaca;
    std::vector<std::string> data;  // resolved against the config file's folder
    std::optional<core::Symbol> symbol;
    engine::BacktestConfig backtest;
    std::vector<StrategyConfig> strategies;
};

/// Loads a config such as
///
///     [backtest]
///     data = ["orcl-1995-2014.csv"]      # relative to this file
///     cash = 100000
///     fill = "next_open"                 # or "close"
///     commission = "per_share=0.005,min=1"
///     slippage_bps = 5
///     [risk]
///     max_order_notional = 50000
///     max_drawdown = 0.25
///     allow_short = false
///     [run]                              # `meridian run`
///     symbols = ["AAPL", "MSFT"]
///     speed = 1
///     [[strategy]]
///     kind = "sma_crossover"
///     symbols = ["ORCL"]
///     fast = 20
///
/// Every error reads `file:line: what` (unknown keys and sections included); decimals written
/// as numbers are taken exactly as written.
core::Result<BacktestFileConfig> load_backtest_config(const std::string& path);

/// The same, from text (for tests); `path` names it in messages and anchors relative data paths.
core::Result<BacktestFileConfig> parse_backtest_config(std::string_view text,
                                                       const std::string& path);

}  // namespace meridian::app
