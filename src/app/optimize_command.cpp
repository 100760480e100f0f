// `meridian optimize`: runs every grid combination (in parallel), ranks them, writes results.csv;
// with --walk-forward, chooses on rolling training windows and scores out of sample.
#include "app/optimize_command.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <thread>

#include "app/files.hpp"
#include "app/run_options.hpp"
#include "engine/optimize.hpp"

namespace meridian::app {

const char* const optimize_usage =
    "usage: meridian optimize [--config FILE] --data FILE... --strategy NAME [--set KEY=VALUE]...\n"
    "                         --grid KEY=START:STOP:STEP|KEY=A,B,C [--grid ...]... [--objective "
    "sharpe]\n"
    "                         [--jobs N] [--walk-forward train=N,test=M] [--top 10] [--out DIR]\n"
    "                         [and the cost options of `meridian backtest`]\n"
    "\n"
    "  --grid SPEC        a parameter's values: fast=5:20:5 (stop included) or fast=5,8,13\n"
    "  --objective NAME   sharpe (default), sortino, calmar, total_return, cagr, profit_factor,\n"
    "                     win_rate, expectancy, max_drawdown (smallest wins), final_equity\n"
    "  --jobs N           backtests run at once (default: every core)\n"
    "  --walk-forward S   train=N,test=M: choose on N bars, score the choice on the next M,\n"
    "                     rolling by M; reports in-sample against out-of-sample\n"
    "  --top N            rows of the ranked table to print (default 10)\n"
    "  --out DIR          writes results.csv (and walk_forward.csv)";

namespace {

struct Run {
    std::optional<engine::Summary> summary;
    std::string error;
};

/// Backtests one parameter set over `bars`.
Run run_one(const StrategyConfig& base, const engine::StrategyParams& params,
            const std::vector<engine::Bar>& bars, const engine::BacktestConfig& config) {
    StrategyConfig c = base;
    c.params = params;
    auto strategies = make_strategies({c});
    if (!strategies) return Run{std::nullopt, strategies.error().message};
    engine::BacktestConfig lean = config;
    lean.keep_equity_points = false;  // only the statistics are wanted
    auto result = engine::run_backtest(bars, *strategies, lean);
    if (!result) return Run{std::nullopt, result.error().message};
    return Run{std::move(result->summary), {}};
}

/// Runs `count` jobs on `threads` threads; job(i) writes only its own slot.
template <typename Job>
void parallel_for(std::size_t count, unsigned threads, Job job) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++) {
            job(i);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t < count; ++t) {
        pool.emplace_back(worker);
    }
    worker();
    for (auto& t : pool) {
        t.join();
    }
}

std::string params_text(const engine::StrategyParams& p,
                        const std::vector<engine::GridAxis>& axes) {
    std::string out;
    for (const auto& a : axes) {
        out += (out.empty() ? "" : " ") + a.key + "=" + p.at(a.key);
    }
    return out;
}

std::string number(std::optional<double> v) {
    return v ? engine::format_double(*v) : "";
}

}  // namespace

int run_optimize_command(Args args, std::ostream& out, std::ostream& err) {
    std::vector<engine::GridAxis> axes;
    std::optional<engine::Objective> objective;
    std::optional<engine::WalkForward> walk;
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    std::size_t top = 10;
    auto extra = [&](std::string_view flag, const std::string& value) -> core::Result<bool> {
        if (flag == "--grid") {
            auto a = engine::parse_grid_axis(value);
            if (!a) return a.error();
            axes.push_back(std::move(*a));
        } else if (flag == "--objective") {
            auto o = engine::parse_objective(value);
            if (!o) return o.error();
            objective = *o;
        } else if (flag == "--walk-forward") {
            auto w = engine::parse_walk_forward(value);
            if (!w) return w.error();
            walk = *w;
        } else if (flag == "--jobs" || flag == "--top") {
            char* end = nullptr;
            const long n = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || n < 1 || n > 1024) {
                return core::invalid(std::string{flag} + " " + value +
                                     ": expected a number from 1 to 1024");
            }
            if (flag == "--jobs") {
                jobs = static_cast<unsigned>(n);
            } else {
                top = static_cast<std::size_t>(n);
            }
        } else {
            return false;
        }
        return true;
    };
    auto usage_error = [&](const std::string& message) {
        err << "meridian optimize: " << message << "\n(see `meridian optimize --help`)\n";
        return 2;
    };
    auto options = parse_run_options(args, extra);
    if (!options) return usage_error(options.error().message);
    const RunOptions& o = *options;
    if (o.strategies.size() != 1) return usage_error("optimize takes exactly one strategy");
    if (axes.empty()) return usage_error("--grid KEY=... is required");
    if (!objective) objective = engine::parse_objective("sharpe").value();
    auto combos = engine::grid_combinations(axes, o.strategies[0].params);
    if (!combos) return usage_error(combos.error().message);

    auto loaded = load_run_bars(o);
    if (!loaded) {
        err << "meridian optimize: " << loaded.error().message << '\n';
        return 1;
    }
    std::vector<engine::Bar> bars = std::move(*loaded);
    if (o.config.from || o.config.to) {
        std::erase_if(bars, [&](const engine::Bar& b) {
            return (o.config.from && b.ts < *o.config.from) || (o.config.to && b.ts > *o.config.to);
        });
    }

    const auto started = std::chrono::steady_clock::now();
    const std::size_t n = combos->size();
    std::vector<Run> full(n);
    // Walk-forward: per window, every combination in and out of sample.
    std::vector<engine::WalkWindow> windows;
    std::vector<std::vector<Run>> in_sample;
    std::vector<std::vector<Run>> out_of_sample;
    if (walk) {
        std::vector<core::Timestamp> times;
        for (const auto& b : bars) {
            if (times.empty() || times.back() != b.ts) times.push_back(b.ts);
        }
        windows = engine::walk_forward_windows(times.size(), *walk);
        if (windows.empty()) {
            return usage_error("--walk-forward needs at least train + test = " +
                               std::to_string(walk->train + walk->test) +
                               " bar times; the data has " + std::to_string(times.size()));
        }
        in_sample.assign(windows.size(), std::vector<Run>(n));
        out_of_sample.assign(windows.size(), std::vector<Run>(n));
        auto slice = [&](std::size_t from, std::size_t to) {
            std::vector<engine::Bar> part;
            for (const auto& b : bars) {
                if (b.ts >= times[from] && b.ts <= times[to - 1]) part.push_back(b);
            }
            return part;
        };
        for (std::size_t w = 0; w < windows.size(); ++w) {
            const auto train = slice(windows[w].train_begin, windows[w].train_end);
            const auto test = slice(windows[w].train_end, windows[w].test_end);
            parallel_for(n, jobs, [&](std::size_t i) {
                in_sample[w][i] = run_one(o.strategies[0], (*combos)[i], train, o.config);
                out_of_sample[w][i] = run_one(o.strategies[0], (*combos)[i], test, o.config);
            });
        }
    }
    parallel_for(n, jobs, [&](std::size_t i) {
        full[i] = run_one(o.strategies[0], (*combos)[i], bars, o.config);
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    auto value_of = [&](const Run& r) {
        return r.summary ? engine::objective_value(*objective, *r.summary) : std::nullopt;
    };
    std::vector<std::size_t> rank(n);
    for (std::size_t i = 0; i < n; ++i) {
        rank[i] = i;
    }
    std::stable_sort(rank.begin(), rank.end(), [&](std::size_t a, std::size_t b) {
        return engine::better(*objective, value_of(full[a]), value_of(full[b]));
    });
    std::size_t failed = 0;
    for (const auto& r : full) {
        failed += r.summary ? 0u : 1u;
    }
    if (failed == n) {
        err << "meridian optimize: no combination could run; the first said: " << full[0].error
            << '\n';
        return 1;
    }

    // Mean in- and out-of-sample objective of each combination over the windows.
    auto mean_over = [&](const std::vector<std::vector<Run>>& runs,
                         std::size_t i) -> std::optional<double> {
        double sum = 0;
        std::size_t k = 0;
        for (const auto& w : runs) {
            if (auto v = value_of(w[i]); v && std::isfinite(*v)) {
                sum += *v;
                ++k;
            }
        }
        return k ? std::optional<double>{sum / static_cast<double>(k)} : std::nullopt;
    };

    out << "optimize: " << o.strategies[0].kind << ", " << n << " combinations";
    if (failed) out << " (" << failed << " could not run: " << full[rank.back()].error << ")";
    out << ", " << bars.size() << " bars, objective " << objective->name << "; " << std::fixed;
    out.precision(2);
    out << seconds << " s on " << std::min<std::size_t>(jobs, n) << " thread"
        << (jobs > 1 ? "s" : "") << "\n\n";
    out << "  rank  " << objective->name
        << std::string(14 - std::min<std::size_t>(13, objective->name.size()), ' ')
        << "return    max dd   trips  params\n";
    for (std::size_t k = 0; k < std::min(top, n); ++k) {
        const Run& r = full[rank[k]];
        if (!r.summary) break;
        char line[256];
        std::snprintf(line, sizeof line, "  %4zu  %12s  %7.2f %%  %6.2f %%  %5llu  %s\n", k + 1,
                      number(value_of(r)).substr(0, 12).c_str(), r.summary->total_return * 100,
                      r.summary->max_drawdown * 100,
                      static_cast<unsigned long long>(r.summary->num_round_trips),
                      params_text((*combos)[rank[k]], axes).c_str());
        out << line;
    }

    std::string walk_csv;
    if (walk) {
        walk_csv = "window,train_from,train_to,test_to,best_params,in_sample,out_of_sample\n";
        double is_sum = 0;
        double oos_sum = 0;
        std::size_t counted = 0;
        std::vector<core::Timestamp> times;
        for (const auto& b : bars) {
            if (times.empty() || times.back() != b.ts) times.push_back(b.ts);
        }
        for (std::size_t w = 0; w < windows.size(); ++w) {
            std::size_t best = 0;
            for (std::size_t i = 1; i < n; ++i) {
                if (engine::better(*objective, value_of(in_sample[w][i]),
                                   value_of(in_sample[w][best]))) {
                    best = i;
                }
            }
            const auto is = value_of(in_sample[w][best]);
            const auto oos = value_of(out_of_sample[w][best]);
            if (is && oos && std::isfinite(*is) && std::isfinite(*oos)) {
                is_sum += *is;
                oos_sum += *oos;
                ++counted;
            }
            walk_csv += std::to_string(w + 1) + "," + times[windows[w].train_begin].to_iso8601() +
                        "," + times[windows[w].train_end - 1].to_iso8601() + "," +
                        times[windows[w].test_end - 1].to_iso8601() + "," +
                        params_text((*combos)[best], axes) + "," + number(is) + "," + number(oos) +
                        "\n";
        }
        out << "\nwalk-forward: " << windows.size() << " windows of " << walk->train << " + "
            << walk->test << " bars; the in-sample choice scored " << objective->name << " ";
        if (counted) {
            out << is_sum / static_cast<double>(counted) << " in sample and "
                << oos_sum / static_cast<double>(counted) << " out of sample (means over "
                << counted << " windows)\n";
        } else {
            out << "nothing comparable\n";
        }
    }

    if (!o.out_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.out_dir, ec);
        if (ec) {
            err << "meridian optimize: cannot create " << o.out_dir << ": " << ec.message() << '\n';
            return 1;
        }
        std::string csv = "rank";
        for (const auto& a : axes) {
            csv += "," + a.key;
        }
        csv +=
            ",objective,total_return,cagr,sharpe,sortino,max_drawdown,num_fills,num_round_trips,"
            "final_equity";
        if (walk) csv += ",in_sample_mean,out_of_sample_mean";
        csv += ",error\n";
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = rank[k];
            const Run& r = full[i];
            csv += std::to_string(k + 1);
            for (const auto& a : axes) {
                csv += "," + (*combos)[i].at(a.key);
            }
            if (r.summary) {
                const auto& s = *r.summary;
                csv += "," + number(value_of(r)) + "," + engine::format_double(s.total_return) +
                       "," + engine::format_double(s.cagr) + "," + engine::format_double(s.sharpe) +
                       "," + engine::format_double(s.sortino) + "," +
                       engine::format_double(s.max_drawdown) + "," + std::to_string(s.num_fills) +
                       "," + std::to_string(s.num_round_trips) + "," + s.final_equity.to_string();
            } else {
                csv += ",,,,,,,,,";
            }
            if (walk) {
                csv += "," + number(mean_over(in_sample, i)) + "," +
                       number(mean_over(out_of_sample, i));
            }
            std::string error = r.error;
            std::replace(error.begin(), error.end(), ',', ';');
            csv += "," + error + "\n";
        }
        const std::filesystem::path dir{o.out_dir};
        if (auto ok = write_file(dir / "results.csv", csv); !ok) {
            err << "meridian optimize: " << ok.error().message << '\n';
            return 1;
        }
        if (walk) {
            if (auto ok = write_file(dir / "walk_forward.csv", walk_csv); !ok) {
                err << "meridian optimize: " << ok.error().message << '\n';
                return 1;
            }
        }
        out << "\nwrote " << (dir / "results.csv").string() << (walk ? " and walk_forward.csv" : "")
            << '\n';
    }
    return 0;
}

}  // namespace meridian::app
