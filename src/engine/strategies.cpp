// Built-in strategies, their sizing, and the registry that makes them from named parameters.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>
#include <unordered_map>

#include "engine/indicators.hpp"
#include "engine/strategy.hpp"

namespace meridian::engine {

bool Strategy::trades(const core::Symbol& symbol) const {
    return symbols_.empty() ||
           std::find(symbols_.begin(), symbols_.end(), symbol) != symbols_.end();
}

namespace {

/// Reads named parameters, remembering which were asked for so the rest can be reported unknown.
class ParamReader {
public:
    ParamReader(std::string strategy, const StrategyParams& params)
        : strategy_{std::move(strategy)}, params_{params} {}

    core::Result<std::size_t> period(const std::string& key, std::size_t fallback) {
        const std::string* text = find(key);
        if (text == nullptr) return fallback;
        char* end = nullptr;
        const long v = std::strtol(text->c_str(), &end, 10);
        if (text->empty() || *end != '\0' || v < 1 || v > 100'000) {
            return bad(key, *text, "a whole number from 1 to 100000");
        }
        return static_cast<std::size_t>(v);
    }
    core::Result<double> number(const std::string& key, double fallback, double min, double max) {
        const std::string* text = find(key);
        if (text == nullptr) return fallback;
        char* end = nullptr;
        const double v = std::strtod(text->c_str(), &end);
        if (text->empty() || *end != '\0' || !(v >= min && v <= max)) {
            return bad(
                key, *text,
                ("a number from " + std::to_string(min) + " to " + std::to_string(max)).c_str());
        }
        return v;
    }
    bool has(const std::string& key) const { return params_.contains(key); }
    const std::string* find(const std::string& key) {
        known_.push_back(key);
        auto it = params_.find(key);
        return it == params_.end() ? nullptr : &it->second;
    }
    core::Error bad(const std::string& key, const std::string& value, const char* expected) const {
        return core::invalid("strategy " + strategy_ + ": parameter " + key + "='" + value +
                             "' must be " + expected);
    }
    /// An error naming the first parameter no reader asked for, if any.
    core::Result<void> finish() const {
        for (const auto& [key, value] : params_) {
            if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
                std::string valid;
                for (const auto& k : known_) {
                    valid += (valid.empty() ? "" : ", ") + k;
                }
                std::string message = "unknown parameter '" + key;
                message.append("' for strategy ").append(strategy_);
                message.append(" (valid: ").append(valid).append(")");
                return core::invalid(message);
            }
        }
        return {};
    }
    const std::string& strategy() const { return strategy_; }

private:
    std::string strategy_;
    const StrategyParams& params_;
    std::vector<std::string> known_;
};

/// How big an entry is: a fixed quantity, a fixed notional, or a percent of equity; the last
/// two in whole shares at the bar's close, rounded down.
struct Sizing {
    enum class Kind { Qty, Notional, PercentEquity } kind = Kind::Qty;
    core::Quantity qty = core::Quantity::from_units(100);
    core::Money notional;
    double percent = 0;

    static core::Result<Sizing> read(ParamReader& p) {
        Sizing s;
        const std::string* qty = p.find("qty");
        const std::string* notional = p.find("notional");
        const std::string* percent = p.find("percent_equity");
        const int given = (qty ? 1 : 0) + (notional ? 1 : 0) + (percent ? 1 : 0);
        if (given > 1) {
            return core::invalid("strategy " + p.strategy() +
                                 ": give one of qty, notional and percent_equity");
        }
        if (qty) {
            auto q = core::Quantity::parse(*qty);
            if (!q || !q->is_positive()) return p.bad("qty", *qty, "a positive quantity");
            s.qty = *q;
        } else if (notional) {
            auto m = core::Money::parse(*notional);
            if (!m || !m->is_positive()) return p.bad("notional", *notional, "a positive amount");
            s.kind = Kind::Notional;
            s.notional = *m;
        } else if (percent) {
            char* end = nullptr;
            const double v = std::strtod(percent->c_str(), &end);
            if (percent->empty() || *end != '\0' || !(v > 0 && v <= 100)) {
                return p.bad("percent_equity", *percent, "a percent above 0, at most 100");
            }
            s.kind = Kind::PercentEquity;
            s.percent = v;
        }
        return s;
    }

    /// Shares to buy at `price` (zero when the size buys less than one share).
    core::Quantity shares(core::Price price, core::Money equity) const {
        if (kind == Kind::Qty) return qty;
        core::Money budget = notional;
        if (kind == Kind::PercentEquity) {
            // percent with 6 decimals, exactly: equity x round(percent x 1e6) / 1e8
            const auto micro = static_cast<std::int64_t>(std::llround(percent * 1e6));
            budget = core::Money::from_raw(
                core::decimal::div_round(core::decimal::mul(equity.raw(), core::Int128{micro}),
                                         core::Int128{100'000'000}, core::Rounding::Down));
        }
        if (!price.is_positive() || !budget.is_positive()) return {};
        const core::Price whole =
            core::average_price(budget, core::Quantity::from_units(1), core::Rounding::Down);
        const std::int64_t n = whole.raw() / price.raw();  // floor(budget / price)
        return core::Quantity::from_units(n);
    }
};

enum class Signal { None, Enter, Exit };

/// A long-only strategy from a per-symbol signal: enters with `sizing` when flat, exits the
/// whole position. S is the per-symbol indicator state; Decide maps (state, bar) to a signal.
template <typename S, typename Decide>
class SignalStrategy final : public Strategy {
public:
    SignalStrategy(std::string kind, Sizing sizing, std::function<S()> make_state, Decide decide)
        : Strategy{std::move(kind)},
          sizing_{sizing},
          make_state_{std::move(make_state)},
          decide_{std::move(decide)} {}
    SignalStrategy(const SignalStrategy&) = delete;  // last_ points into its own map
    SignalStrategy& operator=(const SignalStrategy&) = delete;

    void on_bar(const Bar& bar, StrategyContext& ctx) override {
        // The last symbol's state without a hash (pointers into the map stay valid).
        if (last_ == nullptr || last_->first != bar.symbol) {
            auto it = state_.find(bar.symbol);
            if (it == state_.end()) it = state_.emplace(bar.symbol, make_state_()).first;
            last_ = &*it;
        }
        const Signal signal = decide_(last_->second, bar);
        if (signal == Signal::None) return;
        if (!ctx.working(bar.symbol).is_zero()) return;  // its last order is not done yet
        const core::Quantity held = ctx.position(bar.symbol);
        core::OrderRequest r;
        r.symbol = bar.symbol;
        r.type = core::OrderType::Market;
        r.time_in_force = core::TimeInForce::Day;
        if (signal == Signal::Enter && held.is_zero()) {
            const core::Quantity qty = sizing_.shares(bar.close, ctx.equity());
            if (!qty.is_positive()) return;
            r.side = core::Side::Buy;
            r.qty = qty;
            (void)ctx.submit(r);
        } else if (signal == Signal::Exit && held.is_positive()) {
            r.side = core::Side::Sell;
            r.qty = held;
            (void)ctx.submit(r);
        }
    }

private:
    Sizing sizing_;
    std::function<S()> make_state_;
    Decide decide_;
    std::unordered_map<core::Symbol, S> state_;
    std::pair<const core::Symbol, S>* last_ = nullptr;
};

template <typename S, typename Decide>
std::unique_ptr<Strategy> make_signal(std::string kind, Sizing sizing,
                                      std::function<S()> make_state, Decide decide) {
    return std::make_unique<SignalStrategy<S, Decide>>(std::move(kind), sizing,
                                                       std::move(make_state), std::move(decide));
}

using Made = core::Result<std::unique_ptr<Strategy>>;

/// sma_crossover: enter on an up cross of SMA(fast) over SMA(slow), exit on a down cross.
Made make_sma_crossover(const StrategyParams& params) {
    ParamReader p{"sma_crossover", params};
    auto fast = p.period("fast", 10);
    if (!fast) return fast.error();
    auto slow = p.period("slow", 30);
    if (!slow) return slow.error();
    auto sizing = Sizing::read(p);
    if (!sizing) return sizing.error();
    if (auto done = p.finish(); !done) return done.error();
    if (*fast >= *slow) {
        return core::invalid("strategy sma_crossover: fast (" + std::to_string(*fast) +
                             ") must be shorter than slow (" + std::to_string(*slow) + ")");
    }
    struct State {
        Sma fast;
        Sma slow;
        Crossover cross;
    };
    const std::size_t f = *fast;
    const std::size_t s = *slow;
    return make_signal<State>(
        "sma_crossover", *sizing,
        [f, s] {
            return State{Sma{f}, Sma{s}, {}};
        },
        [](State& st, const Bar& bar) {
            const double close = bar.close.to_double();
            const auto a = st.fast.update(close);
            const auto b = st.slow.update(close);
            if (!a || !b) return Signal::None;
            const Cross c = st.cross.update(*a, *b);
            return c == Cross::Up ? Signal::Enter
                                  : (c == Cross::Down ? Signal::Exit : Signal::None);
        });
}

/// rsi_reversion: enter when RSI(period) falls below `lower`, exit when it rises above `upper`.
Made make_rsi_reversion(const StrategyParams& params) {
    ParamReader p{"rsi_reversion", params};
    auto period = p.period("period", 14);
    if (!period) return period.error();
    auto lower = p.number("lower", 30, 0, 100);
    if (!lower) return lower.error();
    auto upper = p.number("upper", 70, 0, 100);
    if (!upper) return upper.error();
    auto sizing = Sizing::read(p);
    if (!sizing) return sizing.error();
    if (auto done = p.finish(); !done) return done.error();
    if (*lower >= *upper) return core::invalid("strategy rsi_reversion: lower must be below upper");
    const std::size_t n = *period;
    const double lo = *lower;
    const double hi = *upper;
    return make_signal<Rsi>(
        "rsi_reversion", *sizing, [n] { return Rsi{n}; },
        [lo, hi](Rsi& rsi, const Bar& bar) {
            const auto v = rsi.update(bar.close.to_double());
            if (!v) return Signal::None;
            if (*v < lo) return Signal::Enter;
            if (*v > hi) return Signal::Exit;
            return Signal::None;
        });
}

/// macd_cross: enter when the MACD line crosses above its signal line, exit when below.
Made make_macd_cross(const StrategyParams& params) {
    ParamReader p{"macd_cross", params};
    auto fast = p.period("fast", 12);
    if (!fast) return fast.error();
    auto slow = p.period("slow", 26);
    if (!slow) return slow.error();
    auto signal = p.period("signal", 9);
    if (!signal) return signal.error();
    auto sizing = Sizing::read(p);
    if (!sizing) return sizing.error();
    if (auto done = p.finish(); !done) return done.error();
    if (*fast >= *slow) return core::invalid("strategy macd_cross: fast must be shorter than slow");
    struct State {
        Macd macd;
        Crossover cross;
    };
    const std::size_t f = *fast;
    const std::size_t s = *slow;
    const std::size_t g = *signal;
    return make_signal<State>(
        "macd_cross", *sizing,
        [f, s, g] {
            return State{Macd{f, s, g}, {}};
        },
        [](State& st, const Bar& bar) {
            const auto v = st.macd.update(bar.close.to_double());
            if (!v) return Signal::None;
            const Cross c = st.cross.update(v->macd, v->signal);
            return c == Cross::Up ? Signal::Enter
                                  : (c == Cross::Down ? Signal::Exit : Signal::None);
        });
}

/// bollinger_breakout: enter when the close breaks above the upper band, exit when it falls
/// below the middle band.
Made make_bollinger_breakout(const StrategyParams& params) {
    ParamReader p{"bollinger_breakout", params};
    auto period = p.period("period", 20);
    if (!period) return period.error();
    auto k = p.number("k", 2, 0.1, 10);
    if (!k) return k.error();
    auto sizing = Sizing::read(p);
    if (!sizing) return sizing.error();
    if (auto done = p.finish(); !done) return done.error();
    const std::size_t n = *period;
    const double kk = *k;
    return make_signal<BollingerBands>(
        "bollinger_breakout", *sizing,
        [n, kk] {
            return BollingerBands{n, kk, kk};
        },
        [](BollingerBands& bands, const Bar& bar) {
            const double close = bar.close.to_double();
            const auto v = bands.update(close);
            if (!v) return Signal::None;
            if (close > v->upper) return Signal::Enter;
            if (close < v->middle) return Signal::Exit;
            return Signal::None;
        });
}

/// momentum: enter when the rate of change over `lookback` bars exceeds `threshold` percent,
/// exit when it falls below minus `threshold`.
Made make_momentum(const StrategyParams& params) {
    ParamReader p{"momentum", params};
    auto lookback = p.period("lookback", 20);
    if (!lookback) return lookback.error();
    auto threshold = p.number("threshold", 0, 0, 1000);
    if (!threshold) return threshold.error();
    auto sizing = Sizing::read(p);
    if (!sizing) return sizing.error();
    if (auto done = p.finish(); !done) return done.error();
    const std::size_t n = *lookback;
    const double t = *threshold;
    return make_signal<Roc>(
        "momentum", *sizing, [n] { return Roc{n}; },
        [t](Roc& roc, const Bar& bar) {
            const auto v = roc.update(bar.close.to_double());
            if (!v) return Signal::None;
            if (*v > t) return Signal::Enter;
            if (*v < -t) return Signal::Exit;
            return Signal::None;
        });
}

struct Builtin {
    const char* name;
    Made (*make)(const StrategyParams&);
};

constexpr Builtin builtins[] = {
    {"sma_crossover", make_sma_crossover}, {"rsi_reversion", make_rsi_reversion},
    {"macd_cross", make_macd_cross},       {"bollinger_breakout", make_bollinger_breakout},
    {"momentum", make_momentum},
};

}  // namespace

std::vector<std::string> strategy_names() {
    std::vector<std::string> names;
    for (const auto& b : builtins) {
        names.emplace_back(b.name);
    }
    return names;
}

core::Result<std::unique_ptr<Strategy>> make_strategy(std::string_view name,
                                                      const StrategyParams& params) {
    for (const auto& b : builtins) {
        if (name == b.name) return b.make(params);
    }
    std::string valid;
    for (const auto& n : strategy_names()) {
        valid += (valid.empty() ? "" : ", ") + n;
    }
    return core::invalid("unknown strategy '" + std::string{name} + "' (valid: " + valid + ")");
}

}  // namespace meridian::engine
