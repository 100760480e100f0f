// `meridian backtest`: parses options, loads CSV files, runs the engine, writes the outputs.
#include "app/backtest_command.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <sstream>

#include <unistd.h>

#include "app/files.hpp"
#include "app/run_options.hpp"
#include "core/assert.hpp"
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

/// The backtest with bars read as it goes from every --data file (mapped, not copied), merged
/// in time order (file order breaks ties): no bar is held. Empty when a file's rows turn out
/// not to be in time order across its symbols (allowed: the caller then loads and sorts).
std::optional<core::Result<engine::BacktestResult>> stream_backtest(
    const RunOptions& o, std::vector<std::unique_ptr<engine::Strategy>>& strategies,
    const engine::BacktestConfig& config,
    const std::function<void(std::size_t, std::size_t)>& progress, std::size_t& bars_read) {
    using Out = core::Result<engine::BacktestResult>;
    std::vector<MappedFile> files;
    std::vector<engine::BarsCsvReader> readers;
    std::size_t total_bytes = 0;
    for (const auto& path : o.data) {
        auto file = MappedFile::open(path);
        if (!file) return Out{file.error()};
        total_bytes += file->text().size();
        files.push_back(std::move(*file));
    }
    const std::size_t n = files.size();
    std::vector<engine::Bar> heads(n);
    std::vector<bool> has(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto reader = engine::BarsCsvReader::open(files[i].text(), o.data[i], o.csv);
        if (!reader) return Out{reader.error()};
        auto more = reader->next(heads[i]);
        if (!more) return Out{more.error()};
        if (!*more) return Out{reader->error("no bars: the file has a header but no rows")};
        has[i] = true;
        readers.push_back(std::move(*reader));
    }
    engine::Backtest backtest{strategies, config};
    // Room for the equity curve at once (growing it would touch twice the memory): as many
    // points as rows, estimated from the first rows' length.
    std::size_t first_rows_bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        first_rows_bytes += readers[i].offset();
    }
    backtest.reserve(total_bytes / std::max<std::size_t>(first_rows_bytes / (2 * n), 16) + 1024);
    const bool show = progress && total_bytes >= (std::size_t{16} << 20);
    std::size_t until_progress = 4096;
    bars_read = 0;
    for (;;) {
        std::size_t best = n;
        for (std::size_t i = 0; i < n; ++i) {
            if (has[i] && (best == n || heads[i].ts < heads[best].ts)) best = i;
        }
        if (best == n) break;
        backtest.on_bar(heads[best]);
        ++bars_read;
        auto more = readers[best].next(heads[best]);
        if (!more) return Out{more.error()};
        if (!readers[best].in_time_order()) return std::nullopt;
        has[best] = *more;
        if (show && --until_progress == 0) {
            until_progress = 4096;
            std::size_t done = 0;
            for (const auto& r : readers) {
                done += r.offset();
            }
            progress(done, total_bytes);
        }
    }
    if (show) progress(total_bytes, total_bytes);
    return backtest.finish();
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
    auto strategies = std::move(*made);
    prefer_huge_pages(std::size_t{1} << 30);

    auto fail = [&err](const core::Error& e) {
        err << "meridian backtest: " << e.message << '\n';
        return 1;
    };
    // The outputs appear only when the run succeeds: equity.csv is written as the run goes
    // into a temporary file, renamed at the end; a directory made for a failed run is removed.
    std::error_code ec;
    const std::filesystem::path dir{o.out_dir};
    const bool dir_existed = std::filesystem::exists(dir, ec);
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        err << "meridian backtest: cannot create " << o.out_dir << ": " << ec.message() << '\n';
        return 1;
    }
    const std::filesystem::path equity_tmp = dir / ".equity.csv.partial";
    auto cleanup = [&] {
        std::error_code ignored;
        std::filesystem::remove(equity_tmp, ignored);
        if (!dir_existed) std::filesystem::remove(dir, ignored);
    };
    auto created = OutputFile::create(equity_tmp);
    if (!created) {
        cleanup();
        return fail(created.error());
    }
    OutputFile equity_file = std::move(*created);

    engine::BacktestConfig config = o.config;
    config.keep_equity_points = false;  // written out as they come
    engine::EquityCsvWriter equity_writer;
    config.on_equity = [&equity_file, &equity_writer](const engine::EquityPoint& p) {
        equity_writer.append(equity_file.buffer(), p);
        equity_file.flush(1 << 20);
    };
    // A progress bar on a terminal, for runs long enough to wait for.
    const bool tty = isatty(STDERR_FILENO) != 0;
    std::size_t shown_percent = 101;
    const std::function<void(std::size_t, std::size_t)> progress_bar =
        [&err, &shown_percent](std::size_t done, std::size_t total) {
            // Redrawn when the percentage moves, not at every call.
            const std::size_t percent = total ? done * 100 / total : 100;
            if (percent == shown_percent) return;
            shown_percent = percent;
            const std::size_t width = 40;
            const std::size_t filled = total ? done * width / total : width;
            err << "\rbacktest [" << std::string(filled, '#') << std::string(width - filled, '.')
                << "] " << (total ? done * 100 / total : 100) << " %" << (done == total ? "\n" : "")
                << std::flush;
        };

    std::size_t bar_count = 0;
    std::size_t quote_count = 0;
    std::optional<core::Result<engine::BacktestResult>> result;
    if (o.quotes.empty() && !o.timeframe) {
        equity_file.buffer() = engine::equity_csv_header;
        auto streamed = stream_backtest(
            o, strategies, config,
            tty ? progress_bar : std::function<void(std::size_t, std::size_t)>{}, bar_count);
        if (streamed) {
            result.emplace(std::move(*streamed));
        } else {
            // A file whose symbols are not interleaved in time order: load and sort it, with
            // fresh strategies and a fresh equity file.
            auto again = make_strategies(o.strategies);
            MERIDIAN_ASSERT(again.has_value(), "strategies made once make again");
            strategies = std::move(*again);
            auto fresh = OutputFile::create(equity_tmp);
            if (!fresh) {
                cleanup();
                return fail(fresh.error());
            }
            equity_file = std::move(*fresh);
            equity_writer = engine::EquityCsvWriter{};
        }
    }
    if (!result) {
        equity_file.buffer() = engine::equity_csv_header;
        auto loaded = load_run_bars(o);
        if (!loaded) {
            cleanup();
            return fail(loaded.error());
        }
        auto quotes = load_run_quotes(o);
        if (!quotes) {
            cleanup();
            return fail(quotes.error());
        }
        bar_count = loaded->size();
        quote_count = quotes->size();
        if (tty && bar_count + quote_count >= 200'000) config.progress = progress_bar;
        result.emplace(engine::run_backtest(*loaded, *quotes, strategies, config));
    }
    if (!*result) {
        cleanup();
        return fail(result->error());
    }
    engine::BacktestResult& run = **result;

    const std::pair<const char*, std::string> files[] = {
        {"fills.csv", engine::fills_csv(run)},
        {"orders.csv", engine::orders_csv(run)},
        {"risk.csv", engine::risk_csv(run)},
        {"summary.json", engine::summary_json(run.summary)},
        {"report.html", engine::report_html(run, "Backtest: " + strategy_list(strategies))},
    };
    for (const auto& [name, text] : files) {
        if (auto ok = write_file(dir / name, text); !ok) {
            cleanup();
            return fail(ok.error());
        }
    }
    if (auto ok = equity_file.close(); !ok) {
        cleanup();
        return fail(ok.error());
    }
    std::filesystem::rename(equity_tmp, dir / "equity.csv", ec);
    if (ec) {
        cleanup();
        err << "meridian backtest: cannot write " << (dir / "equity.csv").string() << ": "
            << ec.message() << '\n';
        return 1;
    }
    const auto& s = run.summary;
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
    out << "backtest: " << bar_count << " bars, "
        << (quote_count == 0 ? std::string{} : std::to_string(quote_count) + " quotes, ")
        << o.strategies.size() << " strateg" << (o.strategies.size() == 1 ? "y" : "ies")
        << ", from " << run.curve.front().ts.to_iso8601() << " to "
        << run.curve.back().ts.to_iso8601() << "\n\n";
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
    if (!run.risk_events.empty()) {
        out << "\nrisk: " << run.risk_events.size()
            << " denials or halts, first: " << run.risk_events.front().message << '\n';
    }
    out << "\nwrote " << (dir / "fills.csv").string()
        << ", orders.csv, equity.csv, risk.csv, summary.json, report.html\n";
    return 0;
}

}  // namespace meridian::app
