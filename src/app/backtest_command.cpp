// `meridian backtest`: parses options, loads CSV files, runs the engine, writes the outputs.
#include "app/backtest_command.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <sstream>

#include <unistd.h>

#include "app/files.hpp"
#include "app/run_options.hpp"
#include "engine/backtest.hpp"
#include "engine/bars_csv.hpp"
#include "engine/report.hpp"

namespace meridian::app {

const char* const backtest_usage =
    "usage: meridian backtest [--config FILE] --data FILE [--data FILE]... --strategy NAME...\n"
    "                         [--set KEY=VALUE]... [--symbol SYM] [--cash 100000]\n"
    "                         [--fill next_open|close] [--commission SPEC] [--slippage-bps N]\n"
    "                         [--volume-cap FRACTION] [--from DATE] [--to DATE] [--seed N] --out "
    "DIR\n"
    "\n"
    "  --config FILE     a TOML file with [backtest], [risk] and [[strategy]] sections (see\n"
    "                    config/backtest.example.toml); the other options override it\n"
    "  --data FILE       CSV bars (Yahoo daily or Alpaca-style); several files merge in time "
    "order\n"
    "  --quotes FILE     quotes (timestamp,bid,ask,bid_size,ask_size[,symbol]): orders then fill\n"
    "                    at the ask (buys) or the bid (sells) of the first quote after a bar's "
    "end\n"
    "  --symbol SYM      symbol for files without a symbol column (default: from the file name)\n"
    "  --timeframe TF    aggregate the bars first: 5m, 15m, 30m, 1h, 4h, 1d\n"
    "  --tz ZONE         time zone of Date,Time files: America/New_York (default), UTC, +01:00\n"
    "  --adjust true     trade prices scaled by Adj Close / Close (default false: as given)\n"
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
    "  --risk-free RATE  annual risk-free rate for Sharpe and Sortino (default 0)\n"
    "  --out DIR         writes fills.csv, orders.csv, equity.csv, risk.csv, summary.json and\n"
    "                    report.html (open it in a browser)";

namespace {

std::string strategy_list(const std::vector<std::unique_ptr<engine::Strategy>>& strategies) {
    std::string out;
    for (const auto& s : strategies) {
        out += (out.empty() ? "" : ", ") + s->name();
    }
    return out;
}

}  // namespace

int run_backtest_command(Args args, std::ostream& out, std::ostream& err) {
    auto options = parse_run_options(args, nullptr);
    if (!options) {
        err << "meridian backtest: " << options.error().message
            << "\n(see `meridian backtest --help`)\n";
        return 2;
    }
    const RunOptions& o = *options;
    if (o.out_dir.empty()) {
        err << "meridian backtest: --out DIR is required\n(see `meridian backtest --help`)\n";
        return 2;
    }
    auto made = make_strategies(o.strategies);
    if (!made) {
        err << "meridian backtest: " << made.error().message << '\n';
        return 2;
    }
    auto& strategies = *made;

    auto loaded = load_run_bars(o);
    if (!loaded) {
        err << "meridian backtest: " << loaded.error().message << '\n';
        return 1;
    }
    const std::vector<engine::Bar>& bars = *loaded;

    engine::BacktestConfig config = o.config;
    // A progress bar on a terminal, for runs long enough to wait for.
    const bool show_progress = bars.size() >= 200'000 && isatty(STDERR_FILENO) != 0;
    if (show_progress) {
        config.progress = [&err](std::size_t done, std::size_t total) {
            const std::size_t width = 40;
            const std::size_t filled = total ? done * width / total : width;
            err << "\rbacktest [" << std::string(filled, '#') << std::string(width - filled, '.')
                << "] " << (total ? done * 100 / total : 100) << " %" << (done == total ? "\n" : "")
                << std::flush;
        };
    }
    auto quotes = load_run_quotes(o);
    if (!quotes) {
        err << "meridian backtest: " << quotes.error().message << '\n';
        return 1;
    }
    auto result = engine::run_backtest(bars, *quotes, strategies, config);
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
        {"report.html", engine::report_html(*result, "Backtest: " + strategy_list(strategies))},
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
    out << "backtest: " << bars.size() << " bars, "
        << (quotes->empty() ? std::string{} : std::to_string(quotes->size()) + " quotes, ")
        << o.strategies.size() << " strateg" << (o.strategies.size() == 1 ? "y" : "ies")
        << ", from " << result->equity.front().ts.to_iso8601() << " to "
        << result->equity.back().ts.to_iso8601() << "\n\n";
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
        out << "\n  " << std::string(32, ' ') << "fills   trips   win rate   total P&L\n";
        auto row = [&](const std::string& label, const engine::Breakdown& b) {
            char line[160];
            std::snprintf(line, sizeof line, "  %-30.30s %7llu %7llu %9.2f %% %12s\n",
                          label.c_str(), static_cast<unsigned long long>(b.num_fills),
                          static_cast<unsigned long long>(b.num_round_trips),
                          b.trips.win_rate * 100,
                          b.total_pnl.to_string(2, core::Rounding::HalfEven).c_str());
            out << line;
        };
        for (const auto& [name, b] : s.by_strategy) {
            row("strategy " + name, b);
        }
        for (const auto& [name, b] : s.by_symbol) {
            row("symbol " + name, b);
        }
    }
    if (!result->risk_events.empty()) {
        out << "\nrisk: " << result->risk_events.size()
            << " denials or halts, first: " << result->risk_events.front().message << '\n';
    }
    out << "\nwrote " << (dir / "fills.csv").string()
        << ", orders.csv, equity.csv, risk.csv, summary.json, report.html\n";
    return 0;
}

}  // namespace meridian::app
