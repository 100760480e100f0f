// `meridian generate`: seeded geometric Brownian motion bars for any symbols, as CSV.
#include "app/generate_command.hpp"

#include <cstdlib>
#include <ostream>

#include "app/files.hpp"
#include "engine/aggregate.hpp"
#include "engine/bars_csv.hpp"
#include "engine/synthetic.hpp"

namespace meridian::app {

const char* const generate_usage =
    "usage: meridian generate --symbols AAPL,MSFT [--bars 100000] [--timeframe 1m] [--seed 1]\n"
    "                         [--start 2024-01-02] [--hours regular|all] [--price 100]\n"
    "                         [--volatility 0.25] [--drift 0.05] [--out FILE]\n"
    "\n"
    "Writes bars of a seeded random market (geometric Brownian motion) in the Alpaca format\n"
    "that `backtest` and `indicators` read: the same seed, the same file. --hours regular keeps\n"
    "to NYSE sessions (default); all trades around the clock. Without --out, to standard output.";

int run_generate_command(Args args, std::ostream& out, std::ostream& err) {
    engine::SyntheticConfig config;
    config.start = core::Timestamp::parse("2024-01-02").value();
    std::size_t count = 100'000;
    std::string out_path;
    auto usage_error = [&](const std::string& message) {
        err << "meridian generate: " << message << "\n(see `meridian generate --help`)\n";
        return 2;
    };
    auto number = [](const std::string& v, double lo, double hi) -> std::optional<double> {
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !(d >= lo && d <= hi)) return std::nullopt;
        return d;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        if (i + 1 >= args.size()) return usage_error(std::string{flag} + " needs a value");
        const std::string v{args[++i]};
        if (flag == "--symbols") {
            auto symbols = core::parse_symbols(v);
            if (!symbols) return usage_error("--symbols: " + symbols.error().message);
            config.symbols.insert(config.symbols.end(), symbols->begin(), symbols->end());
        } else if (flag == "--bars") {
            const auto n = number(v, 1, 100'000'000);
            if (!n || *n != std::floor(*n)) {
                return usage_error("--bars " + v + ": expected a count from 1 to 100000000");
            }
            count = static_cast<std::size_t>(*n);
        } else if (flag == "--timeframe") {
            auto t = engine::Timeframe::parse(v);
            if (!t) return usage_error(t.error().message);
            if (t->daily) {
                return usage_error("--timeframe 1d: generate intraday bars and aggregate them");
            }
            config.interval = t->interval;
        } else if (flag == "--seed") {
            const auto n = number(v, 0, 9e15);
            if (!n) return usage_error("--seed " + v + ": expected a number");
            config.seed = static_cast<std::uint64_t>(*n);
        } else if (flag == "--start") {
            auto t = core::Timestamp::parse(v);
            if (!t) return usage_error("--start: " + t.error().message);
            config.start = *t;
        } else if (flag == "--hours") {
            if (v != "regular" && v != "all") return usage_error("--hours takes regular or all");
            config.regular_hours = v == "regular";
        } else if (flag == "--price") {
            auto p = core::Price::parse(v);
            if (!p || !p->is_positive()) {
                return usage_error("--price " + v + ": expected a positive price");
            }
            config.start_price = *p;
        } else if (flag == "--volatility") {
            const auto d = number(v, 0, 10);
            if (!d) {
                return usage_error("--volatility " + v + ": expected an annual fraction, 0 to 10");
            }
            config.volatility = *d;
        } else if (flag == "--drift") {
            const auto d = number(v, -10, 10);
            if (!d) return usage_error("--drift " + v + ": expected an annual fraction");
            config.drift = *d;
        } else if (flag == "--out") {
            out_path = v;
        } else {
            return usage_error("unknown option " + std::string{flag});
        }
    }
    if (config.symbols.empty()) return usage_error("--symbols is required");
    const std::string csv = engine::bars_to_csv(engine::synthetic_bars(config, count));
    if (out_path.empty()) {
        out << csv;
        return 0;
    }
    if (auto ok = write_file(out_path, csv); !ok) {
        err << "meridian generate: " << ok.error().message << '\n';
        return 1;
    }
    return 0;
}

}  // namespace meridian::app
