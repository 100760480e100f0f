// Built-in strategies and the registry that makes them from named parameters.
#include <cstdlib>
#include <functional>
#include <optional>
#include <unordered_map>

#include "engine/indicators.hpp"
#include "engine/strategy.hpp"

namespace meridian::engine {
namespace {

/// Reads named parameters, remembering which were used so the rest can be reported unknown.
class ParamReader {
public:
    ParamReader(std::string strategy, const StrategyParams& params)
        : strategy_{std::move(strategy)}, params_{params} {}

    core::Result<std::size_t> period(const std::string& key, std::size_t fallback) {
        known_.push_back(key);
        auto it = params_.find(key);
        if (it == params_.end()) return fallback;
        char* end = nullptr;
        const long v = std::strtol(it->second.c_str(), &end, 10);
        if (it->second.empty() || *end != '\0' || v < 1 || v > 100'000) {
            return bad(key, it->second, "a whole number from 1 to 100000");
        }
        return static_cast<std::size_t>(v);
    }
    core::Result<core::Quantity> quantity(const std::string& key, core::Quantity fallback) {
        known_.push_back(key);
        auto it = params_.find(key);
        if (it == params_.end()) return fallback;
        auto q = core::Quantity::parse(it->second);
        if (!q || !q->is_positive()) return bad(key, it->second, "a positive quantity");
        return *q;
    }
    /// An error naming the first parameter no reader asked for, if any.
    core::Result<void> finish() const {
        for (const auto& [key, value] : params_) {
            if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
                return core::invalid("unknown parameter '" + key + "' for strategy " + strategy_ +
                                     " (valid: " + known_list() + ")");
            }
        }
        return {};
    }

private:
    core::Error bad(const std::string& key, const std::string& value, const char* expected) const {
        return core::invalid("strategy " + strategy_ + ": parameter " + key + "='" + value +
                             "' must be " + expected);
    }
    std::string known_list() const {
        std::string out;
        for (const auto& k : known_)
            out += (out.empty() ? "" : ", ") + k;
        return out;
    }

    std::string strategy_;
    const StrategyParams& params_;
    std::vector<std::string> known_;
};

/// Long-only moving-average crossover: buys `qty` when flat on an up cross of the fast SMA over
/// the slow one, sells the whole position on a down cross; decided on each bar's close.
class SmaCrossover final : public Strategy {
public:
    SmaCrossover(std::size_t fast, std::size_t slow, core::Quantity qty)
        : fast_{fast}, slow_{slow}, qty_{qty} {}

    std::string_view name() const override { return "sma_crossover"; }

    void on_bar(const Bar& bar, StrategyContext& ctx) override {
        auto [it, inserted] = state_.try_emplace(bar.symbol, fast_, slow_);
        State& s = it->second;
        const double close = bar.close.to_double();
        const auto fast = s.fast.update(close);
        const auto slow = s.slow.update(close);
        if (!fast || !slow) return;
        const Cross cross = s.cross.update(*fast, *slow);
        const core::Quantity held = ctx.position(bar.symbol);
        core::OrderRequest r;
        r.symbol = bar.symbol;
        r.type = core::OrderType::Market;
        r.time_in_force = core::TimeInForce::Day;
        if (cross == Cross::Up && held.is_zero()) {
            r.side = core::Side::Buy;
            r.qty = qty_;
            (void)ctx.submit(r);
        } else if (cross == Cross::Down && held.is_positive()) {
            r.side = core::Side::Sell;
            r.qty = held;
            (void)ctx.submit(r);
        }
    }

private:
    struct State {
        State(std::size_t fast_period, std::size_t slow_period)
            : fast{fast_period}, slow{slow_period} {}
        Sma fast;
        Sma slow;
        Crossover cross;
    };
    std::size_t fast_;
    std::size_t slow_;
    core::Quantity qty_;
    std::unordered_map<core::Symbol, State> state_;
};

core::Result<std::unique_ptr<Strategy>> make_sma_crossover(const StrategyParams& params) {
    ParamReader p{"sma_crossover", params};
    auto fast = p.period("fast", 10);
    if (!fast) return fast.error();
    auto slow = p.period("slow", 30);
    if (!slow) return slow.error();
    auto qty = p.quantity("qty", core::Quantity::from_units(100));
    if (!qty) return qty.error();
    if (auto done = p.finish(); !done) return done.error();
    if (*fast >= *slow) {
        return core::invalid("strategy sma_crossover: fast (" + std::to_string(*fast) +
                             ") must be shorter than slow (" + std::to_string(*slow) + ")");
    }
    return std::unique_ptr<Strategy>{std::make_unique<SmaCrossover>(*fast, *slow, *qty)};
}

struct Builtin {
    const char* name;
    core::Result<std::unique_ptr<Strategy>> (*make)(const StrategyParams&);
};

constexpr Builtin builtins[] = {
    {"sma_crossover", make_sma_crossover},
};

}  // namespace

std::vector<std::string> strategy_names() {
    std::vector<std::string> names;
    for (const auto& b : builtins)
        names.emplace_back(b.name);
    return names;
}

core::Result<std::unique_ptr<Strategy>> make_strategy(std::string_view name,
                                                      const StrategyParams& params) {
    for (const auto& b : builtins) {
        if (name == b.name) return b.make(params);
    }
    std::string valid;
    for (const auto& n : strategy_names())
        valid += (valid.empty() ? "" : ", ") + n;
    return core::invalid("unknown strategy '" + std::string{name} + "' (valid: " + valid + ")");
}

}  // namespace meridian::engine
