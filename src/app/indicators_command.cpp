// `meridian indicators`: loads bars, runs the requested indicators, writes one CSV row per bar.
#include "app/indicators_command.hpp"

#include <cstdio>
#include <ostream>
#include <set>

#include "app/files.hpp"
#include "engine/indicator_spec.hpp"

namespace meridian::app {

const char* const indicators_usage =
    "usage: meridian indicators --data FILE [--data FILE]... [--symbol SYM] --ind SPEC [--ind "
    "SPEC]...\n"
    "                           [--out FILE]\n"
    "\n"
    "  --data FILE   CSV bars (Yahoo daily or Alpaca-style)\n"
    "  --symbol SYM  the symbol to use (files without a symbol column) or to pick (files with\n"
    "                several symbols)\n"
    "  --tz ZONE     time zone of Date,Time files (default America/New_York)\n"
    "  --adjust true prices scaled by Adj Close / Close\n"
    "  --ind SPEC    sma:N ema:N wma:N rsi:N stddev:N[,K] roc:N mom:N atr:N macd:FAST,SLOW,SIGNAL\n"
    "                bbands:N[,K_UP[,K_DOWN]] stoch:FASTK,SLOWK,SLOWD vwap (TA-Lib's definitions)\n"
    "  --out FILE    write the CSV there instead of to standard output\n"
    "\n"
    "Writes time,close and one column per output, one row per bar; empty cells during warm-up.";

namespace {

std::string format_value(double v) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

int run_indicators_command(Args args, std::ostream& out, std::ostream& err) {
    std::vector<std::string> data;
    std::vector<std::unique_ptr<engine::BarIndicator>> indicators;
    engine::BarsCsvOptions csv;
    std::string out_path;
    auto usage_error = [&](const std::string& message) {
        err << "meridian indicators: " << message << "\n(see `meridian indicators --help`)\n";
        return 2;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        if (i + 1 >= args.size()) return usage_error(std::string{flag} + " needs a value");
        const std::string value{args[++i]};
        if (flag == "--data") {
            data.push_back(value);
        } else if (flag == "--ind") {
            auto ind = engine::make_indicator(value);
            if (!ind) return usage_error(ind.error().message);
            indicators.push_back(std::move(*ind));
        } else if (flag == "--symbol") {
            auto s = core::Symbol::parse(value);
            if (!s) return usage_error("--symbol: " + s.error().message);
            csv.symbol = *s;
        } else if (flag == "--tz") {
            auto tz = engine::TimeZone::parse(value);
            if (!tz) return usage_error("--tz: " + tz.error().message);
            csv.time_zone = *tz;
        } else if (flag == "--adjust") {
            if (value != "true" && value != "false") {
                return usage_error("--adjust takes true or false");
            }
            csv.adjust = value == "true";
        } else if (flag == "--out") {
            out_path = value;
        } else {
            return usage_error("unknown option " + std::string{flag});
        }
    }
    if (data.empty()) return usage_error("--data FILE is required");
    if (indicators.empty()) return usage_error("--ind SPEC is required (e.g. --ind sma:20)");

    auto loaded = load_bars(data, csv);
    if (!loaded) {
        err << "meridian indicators: " << loaded.error().message << '\n';
        return 1;
    }
    std::set<core::Symbol> symbols;
    for (const auto& b : *loaded) {
        symbols.insert(b.symbol);
    }
    std::optional<core::Symbol> pick;
    if (symbols.size() > 1) {
        if (!csv.symbol || !symbols.contains(*csv.symbol)) {
            std::string list;
            for (const auto& s : symbols) {
                list += (list.empty() ? "" : ", ") + s.str();
            }
            err << "meridian indicators: the data holds several symbols (" << list
                << "); pick one with --symbol\n";
            return 2;
        }
        pick = csv.symbol;
    }

    std::string text = "time,close";
    std::size_t columns = 0;
    for (const auto& ind : indicators) {
        for (const auto& name : ind->names()) {
            text += "," + name;
        }
        columns += ind->names().size();
    }
    text += '\n';
    std::vector<std::optional<double>> values(columns);
    for (const auto& bar : *loaded) {
        if (pick && bar.symbol != *pick) continue;
        text += bar.ts.to_iso8601();
        text += ',';
        text += bar.close.to_string();
        std::size_t at = 0;
        for (auto& ind : indicators) {
            const std::span<std::optional<double>> slot{values.data() + at, ind->names().size()};
            ind->update(bar, slot);
            at += slot.size();
        }
        for (const auto& v : values) {
            text += ',';
            if (v) text += format_value(*v);
        }
        text += '\n';
    }
    if (out_path.empty()) {
        out << text;
        return 0;
    }
    if (auto ok = write_file(out_path, text); !ok) {
        err << "meridian indicators: " << ok.error().message << '\n';
        return 1;
    }
    return 0;
}

}  // namespace meridian::app
