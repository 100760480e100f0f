// Grid parsing, objectives and walk-forward windows.
#include "engine/optimize.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include "core/decimal.hpp"

namespace meridian::engine {

core::Result<GridAxis> parse_grid_axis(std::string_view spec) {
    auto fail = [&](const std::string& why) {
        return core::invalid("--grid " + std::string{spec} + ": " + why);
    };
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size()) {
        return fail("expected KEY=START:STOP:STEP or KEY=A,B,C");
    }
    GridAxis axis;
    axis.key = std::string{spec.substr(0, eq)};
    const std::string_view values = spec.substr(eq + 1);
    if (values.find(':') == std::string_view::npos) {
        std::string_view rest = values;
        for (;;) {
            const auto comma = rest.find(',');
            const std::string_view item = rest.substr(0, comma);
            if (item.empty()) return fail("an empty value");
            axis.values.emplace_back(item);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        return axis;
    }
    // start:stop:step as exact decimals, so 0.1 steps land on 0.3 exactly.
    std::vector<core::Price> parts;
    std::string_view rest = values;
    for (;;) {
        const auto colon = rest.find(':');
        auto p = core::Price::parse(rest.substr(0, colon));
        if (!p) return fail(p.error().message);
        parts.push_back(*p);
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    if (parts.size() != 3) return fail("expected START:STOP:STEP");
    const core::Price start = parts[0];
    const core::Price stop = parts[1];
    const core::Price step = parts[2];
    if (!step.is_positive()) return fail("the step must be above 0");
    if (start > stop) return fail("the start is after the stop");
    for (core::Price v = start; v <= stop; v += step) {
        axis.values.push_back(v.to_string());
        if (axis.values.size() > 10'000) return fail("more than 10,000 values");
    }
    return axis;
}

core::Result<std::vector<StrategyParams>> grid_combinations(const std::vector<GridAxis>& axes,
                                                            const StrategyParams& base) {
    std::set<std::string> keys;
    std::size_t total = 1;
    for (const auto& a : axes) {
        if (!keys.insert(a.key).second) return core::invalid("--grid " + a.key + " is given twice");
        total *= a.values.size();
        if (total > 100'000) return core::invalid("the grid has more than 100,000 combinations");
    }
    std::vector<StrategyParams> out;
    out.reserve(total);
    std::vector<std::size_t> index(axes.size(), 0);
    for (std::size_t n = 0; n < total; ++n) {
        StrategyParams p = base;
        for (std::size_t a = 0; a < axes.size(); ++a) {
            p[axes[a].key] = axes[a].values[index[a]];
        }
        out.push_back(std::move(p));
        for (std::size_t a = axes.size(); a-- > 0;) {
            if (++index[a] < axes[a].values.size()) break;
            index[a] = 0;
        }
    }
    return out;
}

namespace {
constexpr const char* objectives[] = {"sharpe",       "sortino",       "calmar",   "total_return",
                                      "cagr",         "profit_factor", "win_rate", "expectancy",
                                      "max_drawdown", "final_equity"};
}

core::Result<Objective> parse_objective(std::string_view name) {
    for (const char* o : objectives) {
        if (name == o) return Objective{std::string{name}, name == "max_drawdown"};
    }
    std::string valid;
    for (const char* o : objectives) {
        valid += (valid.empty() ? "" : ", ") + std::string{o};
    }
    return core::invalid("unknown objective '" + std::string{name} + "' (valid: " + valid + ")");
}

std::optional<double> objective_value(const Objective& o, const Summary& s) {
    if (o.name == "sharpe") return s.sharpe;
    if (o.name == "sortino") return s.sortino;
    if (o.name == "calmar") return s.calmar;
    if (o.name == "total_return") return s.total_return;
    if (o.name == "cagr") return s.cagr;
    if (o.name == "profit_factor") return s.profit_factor;
    if (o.name == "win_rate") return s.win_rate;
    if (o.name == "expectancy") return s.expectancy;
    if (o.name == "max_drawdown") return s.max_drawdown;
    if (o.name == "final_equity") return s.final_equity.to_double();
    return std::nullopt;
}

bool better(const Objective& o, std::optional<double> a, std::optional<double> b) {
    if (!a || !std::isfinite(*a)) return false;
    if (!b || !std::isfinite(*b)) return true;
    return o.minimize ? *a < *b : *a > *b;
}

core::Result<WalkForward> parse_walk_forward(std::string_view spec) {
    WalkForward wf;
    std::string_view rest = spec;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto eq = item.find('=');
        std::size_t v = 0;
        const std::string_view key = item.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (eq == std::string_view::npos || ec != std::errc{} ||
            end != value.data() + value.size() || v == 0) {
            return core::invalid("--walk-forward " + std::string{spec} +
                                 ": expected train=N,test=M (bars, above 0)");
        }
        if (key == "train") {
            wf.train = v;
        } else if (key == "test") {
            wf.test = v;
        } else {
            return core::invalid("--walk-forward: unknown key '" + std::string{key} +
                                 "' (valid: train, test)");
        }
    }
    if (wf.train == 0 || wf.test == 0) {
        return core::invalid("--walk-forward needs both train=N and test=M");
    }
    return wf;
}

std::vector<WalkWindow> walk_forward_windows(std::size_t n, const WalkForward& wf) {
    std::vector<WalkWindow> out;
    for (std::size_t begin = 0; begin + wf.train + wf.test <= n; begin += wf.test) {
        out.push_back(WalkWindow{begin, begin + wf.train, begin + wf.train + wf.test});
    }
    return out;
}

}  // namespace meridian::engine
