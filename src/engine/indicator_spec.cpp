// The indicator registry: parses specs and adapts each streaming indicator to whole bars.
#include "engine/indicator_spec.hpp"

#include <charconv>
#include <functional>

#include "engine/indicators.hpp"

namespace meridian::engine {
namespace {

constexpr std::int64_t ns_per_day = 86'400'000'000'000;

double close_of(const Bar& b) {
    return b.close.to_double();
}

/// An indicator of the close with one output.
template <typename I>
class CloseIndicator final : public BarIndicator {
public:
    CloseIndicator(std::string name, I indicator) : indicator_{std::move(indicator)} {
        names_ = {std::move(name)};
    }
    void update(const Bar& bar, std::span<std::optional<double>> out) override {
        out[0] = indicator_.update(close_of(bar));
    }

private:
    I indicator_;
};

/// Any other shape: a callable that fills the outputs.
class FunctionIndicator final : public BarIndicator {
public:
    using Fn = std::function<void(const Bar&, std::span<std::optional<double>>)>;
    FunctionIndicator(std::vector<std::string> names, Fn fn) : fn_{std::move(fn)} {
        names_ = std::move(names);
    }
    void update(const Bar& bar, std::span<std::optional<double>> out) override { fn_(bar, out); }

private:
    Fn fn_;
};

struct Parsed {
    std::string name;
    std::vector<std::string> args;
};

Parsed split_spec(std::string_view spec) {
    Parsed p;
    const auto colon = spec.find(':');
    p.name = std::string{spec.substr(0, colon)};
    if (colon == std::string_view::npos) return p;
    std::string_view rest = spec.substr(colon + 1);
    for (;;) {
        const auto comma = rest.find(',');
        p.args.emplace_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return p;
}

std::string column_base(std::string_view spec) {
    std::string s{spec};
    for (char& c : s) {
        if (c == ':' || c == ',') c = '_';
    }
    return s;
}

core::Error spec_error(std::string_view spec, const std::string& why) {
    return core::invalid("indicator '" + std::string{spec} + "': " + why);
}

core::Result<std::size_t> period_arg(std::string_view spec, const std::string& text,
                                     const char* what) {
    std::size_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < 1 || v > 100'000) {
        return spec_error(
            spec, std::string{what} + " '" + text + "' must be a whole number from 1 to 100000");
    }
    return v;
}

core::Result<double> factor_arg(std::string_view spec, const std::string& text, const char* what) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !(v > 0) || v > 100) {
        return spec_error(spec, std::string{what} + " '" + text + "' must be a number above 0");
    }
    return v;
}

struct Kind {
    const char* name;
    const char* params;  // for messages
    std::size_t min_args;
    std::size_t max_args;
};

constexpr Kind kinds[] = {
    {"sma", "N", 1, 1},
    {"ema", "N", 1, 1},
    {"wma", "N", 1, 1},
    {"rsi", "N", 1, 1},
    {"stddev", "N[,K]", 1, 2},
    {"roc", "N", 1, 1},
    {"mom", "N", 1, 1},
    {"atr", "N", 1, 1},
    {"macd", "FAST,SLOW,SIGNAL", 3, 3},
    {"bbands", "N[,K_UP[,K_DOWN]]", 1, 3},
    {"stoch", "FASTK,SLOWK,SLOWD", 3, 3},
    {"vwap", "", 0, 0},
};

std::string kinds_list() {
    std::string out;
    for (const auto& k : kinds) {
        if (!out.empty()) out += ", ";
        out += k.name;
        if (*k.params) out += std::string{":"} + k.params;
    }
    return out;
}

}  // namespace

core::Result<std::unique_ptr<BarIndicator>> make_indicator(std::string_view spec) {
    const Parsed p = split_spec(spec);
    const Kind* kind = nullptr;
    for (const auto& k : kinds) {
        if (p.name == k.name) kind = &k;
    }
    if (kind == nullptr) {
        return spec_error(spec, "unknown indicator (valid: " + kinds_list() + ")");
    }
    if (p.args.size() < kind->min_args || p.args.size() > kind->max_args) {
        return spec_error(spec, std::string{"expected "} + kind->name +
                                    (*kind->params ? std::string{":"} + kind->params : ""));
    }
    const std::string base = column_base(spec);
    using Ptr = std::unique_ptr<BarIndicator>;

    auto period = [&](std::size_t i, const char* what) -> core::Result<std::size_t> {
        return period_arg(spec, p.args[i], what);
    };
    const std::string& name = p.name;
    if (name == "sma" || name == "ema" || name == "wma" || name == "rsi" || name == "roc" ||
        name == "mom") {
        auto n = period(0, "period");
        if (!n) return n.error();
        if (name == "sma") return Ptr{std::make_unique<CloseIndicator<Sma>>(base, Sma{*n})};
        if (name == "ema") return Ptr{std::make_unique<CloseIndicator<Ema>>(base, Ema{*n})};
        if (name == "wma") return Ptr{std::make_unique<CloseIndicator<Wma>>(base, Wma{*n})};
        if (name == "rsi") return Ptr{std::make_unique<CloseIndicator<Rsi>>(base, Rsi{*n})};
        if (name == "roc") return Ptr{std::make_unique<CloseIndicator<Roc>>(base, Roc{*n})};
        return Ptr{std::make_unique<CloseIndicator<Momentum>>(base, Momentum{*n})};
    }
    if (name == "stddev") {
        auto n = period(0, "period");
        if (!n) return n.error();
        double k = 1;
        if (p.args.size() > 1) {
            auto f = factor_arg(spec, p.args[1], "deviations");
            if (!f) return f.error();
            k = *f;
        }
        auto sd = std::make_shared<StdDev>(*n);
        return Ptr{std::make_unique<FunctionIndicator>(
            std::vector<std::string>{base}, [sd, k](const Bar& b, auto out) {
                const auto v = sd->update(close_of(b));
                out[0] = v ? std::optional<double>{*v * k} : std::nullopt;
            })};
    }
    if (name == "atr") {
        auto n = period(0, "period");
        if (!n) return n.error();
        auto atr = std::make_shared<Atr>(*n);
        return Ptr{std::make_unique<FunctionIndicator>(
            std::vector<std::string>{base}, [atr](const Bar& b, auto out) {
                out[0] = atr->update(b.high.to_double(), b.low.to_double(), close_of(b));
            })};
    }
    if (name == "macd") {
        auto fast = period(0, "fast period");
        if (!fast) return fast.error();
        auto slow = period(1, "slow period");
        if (!slow) return slow.error();
        auto signal = period(2, "signal period");
        if (!signal) return signal.error();
        if (*fast >= *slow) return spec_error(spec, "the fast period must be below the slow one");
        auto macd = std::make_shared<Macd>(*fast, *slow, *signal);
        return Ptr{std::make_unique<FunctionIndicator>(
            std::vector<std::string>{base, base + "_signal", base + "_hist"},
            [macd](const Bar& b, auto out) {
                const auto v = macd->update(close_of(b));
                out[0] = v ? std::optional<double>{v->macd} : std::nullopt;
                out[1] = v ? std::optional<double>{v->signal} : std::nullopt;
                out[2] = v ? std::optional<double>{v->histogram} : std::nullopt;
            })};
    }
    if (name == "bbands") {
        auto n = period(0, "period");
        if (!n) return n.error();
        double up = 2;
        if (p.args.size() > 1) {
            auto f = factor_arg(spec, p.args[1], "upper deviations");
            if (!f) return f.error();
            up = *f;
        }
        double down = up;
        if (p.args.size() > 2) {
            auto f = factor_arg(spec, p.args[2], "lower deviations");
            if (!f) return f.error();
            down = *f;
        }
        auto bands = std::make_shared<BollingerBands>(*n, up, down);
        return Ptr{std::make_unique<FunctionIndicator>(
            std::vector<std::string>{base + "_upper", base + "_middle", base + "_lower"},
            [bands](const Bar& b, auto out) {
                const auto v = bands->update(close_of(b));
                out[0] = v ? std::optional<double>{v->upper} : std::nullopt;
                out[1] = v ? std::optional<double>{v->middle} : std::nullopt;
                out[2] = v ? std::optional<double>{v->lower} : std::nullopt;
            })};
    }
    if (name == "stoch") {
        auto fk = period(0, "fast %K period");
        if (!fk) return fk.error();
        auto sk = period(1, "slow %K period");
        if (!sk) return sk.error();
        auto sd = period(2, "slow %D period");
        if (!sd) return sd.error();
        auto stoch = std::make_shared<Stochastic>(*fk, *sk, *sd);
        return Ptr{std::make_unique<FunctionIndicator>(
            std::vector<std::string>{base + "_k", base + "_d"}, [stoch](const Bar& b, auto out) {
                const auto v = stoch->update(b.high.to_double(), b.low.to_double(), close_of(b));
                out[0] = v ? std::optional<double>{v->k} : std::nullopt;
                out[1] = v ? std::optional<double>{v->d} : std::nullopt;
            })};
    }
    // vwap
    auto vwap = std::make_shared<Vwap>();
    return Ptr{std::make_unique<FunctionIndicator>(
        std::vector<std::string>{base}, [vwap](const Bar& b, auto out) {
            const std::int64_t ns = b.ts.ns();
            const std::int64_t day = ns >= 0 ? ns / ns_per_day : (ns - ns_per_day + 1) / ns_per_day;
            out[0] = vwap->update(day, b.high.to_double(), b.low.to_double(), close_of(b),
                                  b.volume.to_double());
        })};
}

}  // namespace meridian::engine
