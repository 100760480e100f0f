// `meridian backtest`: parses options, loads CSV files, runs the engine, writes the outputs.
#include "app/backtest_command.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <sstream>

#include "app/config.hpp"
#include "app/files.hpp"
#include "engine/backtest.hpp"
#include "engine/bars_csv.hpp"

namespace meridian::app {

const char* const backtest_usage =
    "meridian backtest [--config FILE] --data FILE [--data FILE]... --strategy NAME...\n"
    "                  [--set KEY=VALUE]... [--symbol SYM] [--cash 100000]\n"
    "                  [--fill next_open|close] [--commission SPEC] [--slippage-bps N]\n"
    "                  [--volume-cap FRACTION] [--from DATE] [--to DATE] [--seed N] --out DIR\n"
    "\n"
    "  --config FILE     a TOML file with [backtest], [risk] and [[strategy]] sections (see\n"
    "                    config/backtest.example.toml); the other options override it\n"
    "  --data FILE       CSV bars (Yahoo daily or Alpaca-style); several files merge in time "
    "order\n"
    "  --symbol SYM      symbol for files without a symbol column (default: from the file name)\n"
    "  --strategy NAME   sma_crossover, rsi_reversion, macd_cross, bollinger_breakout, momentum\n"
    "  --set KEY=VALUE   a strategy parameter (--set fast=10), or NAME.KEY=VALUE for one "
    "strategy;\n"
    "                    sizing: qty=N, notional=AMOUNT or percent_equity=P\n"
    "  --cash AMOUNT     starting cash (default 100000)\n"
    "  --fill MODE       next_open (default): a market order fills at the next bar's open;\n"
    "                    close: at the close of the bar it was decided on\n"
    "  --commission SPEC per_share=0.005,min=1 | per_order=1 | bps=2 (combinable; default none)\n"
    "  --slippage-bps N  adverse slippage on market and stop fills (default 0)\n"
    "  --volume-cap F    fills on a bar take at most this fraction of its volume (default none)\n"
    "  --from, --to      first and last date or time included (YYYY-MM-DD or ISO-8601)\n"
    "  --seed N          seed of order ids (default 1)\n"
    "  --out DIR         writes fills.csv, orders.csv, equity.csv, risk.csv and summary.json";

namespace {

struct Options {
    std::vector<std::string> data;
    std::vector<StrategyConfig> strategies;
    engine::BacktestConfig config;
    engine::BarsCsvOptions csv;
    std::string out_dir;
};

/// `--set KEY=VALUE` for every strategy, or `--set NAME.KEY=VALUE` for the one so named.
core::Result<void> apply_set(const std::string& assignment,
                             std::vector<StrategyConfig>& strategies) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        return core::invalid("--set " + assignment + ": expected KEY=VALUE");
    std::string key = assignment.substr(0, eq);
    const std::string value = assignment.substr(eq + 1);
    std::string target;
    if (const auto dot = key.find('.'); dot != std::string::npos) {
        target = key.substr(0, dot);
        key = key.substr(dot + 1);
    }
    bool applied = false;
    for (auto& s : strategies) {
        const std::string& name = s.name.empty() ? s.kind : s.name;
        if (!target.empty() && target != name) continue;
        s.params[key] = value;
        applied = true;
    }
    if (!applied) {
        return core::invalid("--set " + assignment + ": no strategy " +
                             (target.empty() ? std::string{"to set it on"} : "named " + target));
    }
    return {};
}

core::Result<Options> parse_options(Args args) {
    Options o;
    // The config file first, wherever --config appears; the other flags override it.
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] != "--config") continue;
        auto c = load_backtest_config(std::string{args[i + 1]});
        if (!c) return c.error();
        o.data = std::move(c->data);
        o.strategies = std::move(c->strategies);
        o.config = c->backtest;
        o.csv.symbol = c->symbol;
    }
    bool cli_data = false;
    std::vector<std::string> sets;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        auto value = [&]() -> core::Result<std::string> {
            if (i + 1 >= args.size()) return core::invalid(std::string{flag} + " needs a value");
            return std::string{args[++i]};
        };
        auto v = value();
        if (!v) return v.error();
        if (flag == "--config") {
            continue;  // read above
        } else if (flag == "--data") {
            if (!cli_data) o.data.clear();  // the command line's files replace the config's
            cli_data = true;
            o.data.push_back(*v);
        } else if (flag == "--strategy") {
            o.strategies.push_back(StrategyConfig{*v, {}, {}, {}});
        } else if (flag == "--set") {
            sets.push_back(*v);
        } else if (flag == "--symbol") {
            auto s = core::Symbol::parse(*v);
            if (!s) return core::invalid("--symbol: " + s.error().message);
            o.csv.symbol = *s;
        } else if (flag == "--cash") {
            auto m = core::Money::parse(*v);
            if (!m || !m->is_positive())
                return core::invalid("--cash " + *v + ": expected a positive amount");
            o.config.cash = *m;
        } else if (flag == "--fill") {
            if (*v == "next_open")
                o.config.broker.fill_at = engine::FillAt::NextOpen;
            else if (*v == "close")
                o.config.broker.fill_at = engine::FillAt::Close;
            else
                return core::invalid("--fill " + *v + ": expected next_open or close");
        } else if (flag == "--commission") {
            auto c = engine::Commission::parse(*v);
            if (!c) return core::invalid("--commission: " + c.error().message);
            o.config.broker.commission = *c;
        } else if (flag == "--slippage-bps") {
            auto bps = core::Price::parse(*v);
            if (!bps || bps->is_negative()) {
                return core::invalid("--slippage-bps " + *v + ": expected a number >= 0");
            }
            o.config.broker.slippage_bps = *bps;
        } else if (flag == "--volume-cap") {
            char* end = nullptr;
            const double cap = std::strtod(v->c_str(), &end);
            if (v->empty() || *end != '\0' || !(cap > 0) || cap > 1) {
                return core::invalid("--volume-cap " + *v +
                                     ": expected a fraction of bar volume in (0, 1]");
            }
            o.config.broker.volume_participation = cap;
        } else if (flag == "--from" || flag == "--to") {
            auto t = core::Timestamp::parse(*v);
            if (!t) return core::invalid(std::string{flag} + ": " + t.error().message);
            const bool date_only = v->size() == 10;
            if (flag == "--from") o.config.from = *t;
            // A date alone includes that whole day.
            else
                o.config.to = date_only ? *t + core::Duration::days(1) - core::Duration{1} : *t;
        } else if (flag == "--seed") {
            char* end = nullptr;
            const auto seed = std::strtoull(v->c_str(), &end, 10);
            if (v->empty() || *end != '\0')
                return core::invalid("--seed " + *v + ": expected a number");
            o.config.seed = seed;
        } else if (flag == "--out") {
            o.out_dir = *v;
        } else {
            return core::invalid("unknown option " + std::string{flag});
        }
    }
    for (const auto& assignment : sets) {
        if (auto ok = apply_set(assignment, o.strategies); !ok) return ok.error();
    }
    if (o.data.empty()) return core::invalid("--data FILE is required (or data in the config)");
    if (o.strategies.empty())
        return core::invalid("--strategy NAME is required (or [[strategy]] in the config)");
    if (o.out_dir.empty()) return core::invalid("--out DIR is required");
    if (o.config.from && o.config.to && *o.config.to < *o.config.from) {
        return core::invalid("--to comes before --from");
    }
    return o;
}

}  // namespace

int run_backtest_command(Args args, std::ostream& out, std::ostream& err) {
    auto options = parse_options(args);
    if (!options) {
        err << "meridian backtest: " << options.error().message
            << "\n(see `meridian backtest --help`)\n";
        return 2;
    }
    const Options& o = *options;

    std::vector<std::unique_ptr<engine::Strategy>> strategies;
    for (const auto& c : o.strategies) {
        auto s = engine::make_strategy(c.kind, c.params);
        if (!s) {
            err << "meridian backtest: " << s.error().message << '\n';
            return 2;
        }
        if (!c.name.empty()) (*s)->rename(c.name);
        (*s)->restrict_to(c.symbols);
        for (const auto& other : strategies) {
            if (other->name() == (*s)->name()) {
                err << "meridian backtest: two strategies are named " << other->name()
                    << "; give each its own name\n";
                return 2;
            }
        }
        strategies.push_back(std::move(*s));
    }

    auto loaded = load_bars(o.data, o.csv);
    if (!loaded) {
        err << "meridian backtest: " << loaded.error().message << '\n';
        return 1;
    }
    const std::vector<engine::Bar>& bars = *loaded;

    auto result = engine::run_backtest(bars, strategies, o.config);
    if (!result) {
        err << "meridian backtest: " << result.error().message << '\n';
        return 1;
    }

    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) {
        err << "meridian backtest: cannot create " << o.out_dir << ": " << ec.message() << '\n';
        return 1;
    }
    const std::filesystem::path dir{o.out_dir};
    const std::pair<const char*, std::string> files[] = {
        {"fills.csv", engine::fills_csv(*result)},
        {"orders.csv", engine::orders_csv(*result)},
        {"equity.csv", engine::equity_csv(*result)},
        {"risk.csv", engine::risk_csv(*result)},
        {"summary.json", engine::summary_json(result->summary)},
    };
    for (const auto& [name, text] : files) {
        if (auto ok = write_file(dir / name, text); !ok) {
            err << "meridian backtest: " << ok.error().message << '\n';
            return 1;
        }
    }

    const auto& s = result->summary;
    auto pct = [](double v) {
        std::ostringstream os;
        os.setf(std::ios::fixed);
        os.precision(2);
        os << v * 100 << " %";
        return os.str();
    };
    auto num = [](double v) {
        std::ostringstream os;
        os.setf(std::ios::fixed);
        os.precision(2);
        os << v;
        return os.str();
    };
    out << "backtest: " << bars.size() << " bars, " << o.strategies.size() << " strateg"
        << (o.strategies.size() == 1 ? "y" : "ies") << ", from "
        << result->equity.front().ts.to_iso8601() << " to " << result->equity.back().ts.to_iso8601()
        << "\n\n";
    const std::pair<const char*, std::string> rows[] = {
        {"starting cash", s.starting_cash.to_string(2, core::Rounding::HalfEven)},
        {"final equity", s.final_equity.to_string(2, core::Rounding::HalfEven)},
        {"total return", pct(s.total_return)},
        {"CAGR", pct(s.cagr)},
        {"volatility", pct(s.volatility)},
        {"Sharpe", num(s.sharpe)},
        {"Sortino", num(s.sortino)},
        {"max drawdown", pct(s.max_drawdown)},
        {"max drawdown days", num(s.max_drawdown_duration)},
        {"fills", std::to_string(s.num_fills)},
        {"round trips", std::to_string(s.num_round_trips)},
        {"win rate", pct(s.win_rate)},
        {"profit factor", s.profit_factor ? num(*s.profit_factor) : "n/a"},
        {"exposure", pct(s.exposure)},
    };
    for (const auto& [label, value] : rows) {
        out << "  " << label << std::string(20 - std::strlen(label), ' ') << value << '\n';
    }
    if (s.by_strategy.size() > 1 || s.by_symbol.size() > 1) {
        out << "\n  " << std::string(22, ' ') << "fills   trips   win rate   total P&L\n";
        auto row = [&](const std::string& label, const engine::Breakdown& b) {
            char line[160];
            std::snprintf(line, sizeof line, "  %-20.20s %7llu %7llu %9.2f %% %12s\n",
                          label.c_str(), static_cast<unsigned long long>(b.num_fills),
                          static_cast<unsigned long long>(b.num_round_trips),
                          b.trips.win_rate * 100,
                          b.total_pnl.to_string(2, core::Rounding::HalfEven).c_str());
            out << line;
        };
        for (const auto& [name, b] : s.by_strategy)
            row("strategy " + name, b);
        for (const auto& [name, b] : s.by_symbol)
            row("symbol " + name, b);
    }
    if (!result->risk_events.empty()) {
        out << "\nrisk: " << result->risk_events.size()
            << " denials or halts, first: " << result->risk_events.front().message << '\n';
    }
    out << "\nwrote " << (dir / "fills.csv").string()
        << ", orders.csv, equity.csv, risk.csv, summary.json\n";
    return 0;
}

}  // namespace meridian::app
