// Parameter grids and objectives for `meridian optimize`: pure parts, no threads, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "engine/statistics.hpp"
#include "engine/strategy.hpp"

namespace meridian::engine {

/// One parameter's values: "fast=5:20:5" (start:stop:step, stop included) or "fast=5,8,13".
struct GridAxis {
    std::string key;
    std::vector<std::string> values;
};

/// Parses one --grid spec. Errors: no '=', a step of zero or below, start after stop, a bad
/// number, more than 10,000 values.
core::Result<GridAxis> parse_grid_axis(std::string_view spec);

/// Every combination of the axes over `base`, in order (the last axis varies fastest).
/// Errors: the same key twice, more than 100,000 combinations.
core::Result<std::vector<StrategyParams>> grid_combinations(const std::vector<GridAxis>& axes,
                                                            const StrategyParams& base);

/// What optimize ranks by: a Summary statistic; larger is better except max_drawdown.
struct Objective {
    std::string name;
    bool minimize = false;
};

/// sharpe, sortino, calmar, total_return, cagr, profit_factor, win_rate, expectancy,
/// max_drawdown, final_equity; anything else is an error that lists them.
core::Result<Objective> parse_objective(std::string_view name);

/// The statistic's value; undefined ones (a profit factor without losses) are empty.
std::optional<double> objective_value(const Objective& objective, const Summary& summary);

/// True if `a` ranks before `b` (empty values rank last).
bool better(const Objective& objective, std::optional<double> a, std::optional<double> b);

/// "train=N,test=M": N bars to choose parameters on, then M bars to test them, rolling by M.
struct WalkForward {
    std::size_t train = 0;
    std::size_t test = 0;
};
core::Result<WalkForward> parse_walk_forward(std::string_view spec);

/// [begin, end) index ranges of the rolling windows over `n` times: train then test.
struct WalkWindow {
    std::size_t train_begin, train_end, test_end;
};
std::vector<WalkWindow> walk_forward_windows(std::size_t n, const WalkForward& wf);

}  // namespace meridian::engine
