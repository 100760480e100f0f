// Parsing the options shared by backtest and optimize, and making their strategies.
#include "app/run_options.hpp"

#include <algorithm>
#include <cstdlib>

#include "app/files.hpp"

namespace meridian::app {

/// `--set KEY=VALUE` for every strategy, or `--set NAME.KEY=VALUE` for the one so named.
core::Result<void> apply_set(const std::string& assignment,
                             std::vector<StrategyConfig>& strategies) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
        return core::invalid("--set " + assignment + ": expected KEY=VALUE");
    }
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

core::Result<RunOptions> parse_run_options(Args args, const ExtraFlag& extra) {
    RunOptions o;
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
    auto pairs = flag_values(args);
    if (!pairs) return pairs.error();
    for (const auto& [flag, value] : *pairs) {
        const std::string* v = &value;
        if (flag == "--config") {
            continue;  // read above
        } else if (flag == "--data") {
            if (!cli_data) o.data.clear();  // the command line's files replace the config's
            cli_data = true;
            o.data.push_back(*v);
        } else if (flag == "--quotes") {
            o.quotes.push_back(*v);
        } else if (flag == "--strategy") {
            o.strategies.push_back(StrategyConfig{*v, {}, {}, {}});
        } else if (flag == "--set") {
            sets.push_back(*v);
        } else if (flag == "--symbol") {
            auto s = core::Symbol::parse(*v);
            if (!s) return core::invalid("--symbol: " + s.error().message);
            o.csv.symbol = *s;
        } else if (flag == "--risk-free") {
            char* end = nullptr;
            const double rate = std::strtod(v->c_str(), &end);
            if (v->empty() || *end != '\0' || !(rate >= -1 && rate <= 1)) {
                return core::invalid("--risk-free " + *v +
                                     ": expected an annual rate such as 0.04");
            }
            o.config.risk_free_rate = rate;
        } else if (flag == "--timeframe") {
            auto t = engine::Timeframe::parse(*v);
            if (!t) return core::invalid("--timeframe: " + t.error().message);
            o.timeframe = *t;
        } else if (flag == "--tz") {
            auto tz = engine::TimeZone::parse(*v);
            if (!tz) return core::invalid("--tz: " + tz.error().message);
            o.csv.time_zone = *tz;
        } else if (flag == "--adjust") {
            if (*v != "true" && *v != "false") return core::invalid("--adjust takes true or false");
            o.csv.adjust = *v == "true";
        } else if (flag == "--cash") {
            auto m = core::Money::parse(*v);
            if (!m || !m->is_positive()) {
                return core::invalid("--cash " + *v + ": expected a positive amount");
            }
            o.config.cash = *m;
        } else if (flag == "--fill") {
            if (*v == "next_open") {
                o.config.broker.fill_at = engine::FillAt::NextOpen;
            } else if (*v == "close") {
                o.config.broker.fill_at = engine::FillAt::Close;
            } else {
                return core::invalid("--fill " + *v + ": expected next_open or close");
            }
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
            if (flag == "--from") {
                o.config.from = *t;
                // A date alone includes that whole day.
            } else {
                o.config.to = date_only ? *t + core::Duration::days(1) - core::Duration{1} : *t;
            }
        } else if (flag == "--seed") {
            char* end = nullptr;
            const auto seed = std::strtoull(v->c_str(), &end, 10);
            if (v->empty() || *end != '\0') {
                return core::invalid("--seed " + *v + ": expected a number");
            }
            o.config.seed = seed;
        } else if (flag == "--out") {
            o.out_dir = *v;
        } else {
            auto taken = extra ? extra(flag, *v) : core::Result<bool>{false};
            if (!taken) return taken.error();
            if (!*taken) return core::invalid("unknown option " + std::string{flag});
        }
    }
    for (const auto& assignment : sets) {
        if (auto ok = apply_set(assignment, o.strategies); !ok) return ok.error();
    }
    if (o.data.empty() && o.quotes.empty()) {
        return core::invalid("--data FILE is required (or data in the config)");
    }
    if (o.strategies.empty()) {
        return core::invalid("--strategy NAME is required (or [[strategy]] in the config)");
    }
    if (o.config.from && o.config.to && *o.config.to < *o.config.from) {
        return core::invalid("--to comes before --from");
    }
    return o;
}

core::Result<std::vector<engine::Quote>> load_run_quotes(const RunOptions& options) {
    std::vector<engine::Quote> quotes;
    for (const auto& path : options.quotes) {
        auto text = read_file(path);
        if (!text) return text.error();
        auto parsed = engine::parse_quotes_csv(*text, path, options.csv);
        if (!parsed) return parsed.error();
        quotes.insert(quotes.end(), parsed->begin(), parsed->end());
    }
    if (options.quotes.size() > 1) {
        std::stable_sort(
            quotes.begin(), quotes.end(),
            [](const engine::Quote& a, const engine::Quote& b) { return a.ts < b.ts; });
    }
    return quotes;
}

core::Result<std::vector<engine::Bar>> load_run_bars(const RunOptions& options) {
    if (options.data.empty()) return std::vector<engine::Bar>{};
    auto bars = load_bars(options.data, options.csv);
    if (!bars || !options.timeframe) return bars;
    return engine::aggregate(*bars, *options.timeframe);
}

core::Result<std::vector<std::unique_ptr<engine::Strategy>>> make_strategies(
    const std::vector<StrategyConfig>& configs) {
    std::vector<std::unique_ptr<engine::Strategy>> strategies;
    for (const auto& c : configs) {
        auto s = engine::make_strategy(c.kind, c.params);
        if (!s) return s.error();
        if (!c.name.empty()) (*s)->rename(c.name);
        (*s)->restrict_to(c.symbols);
        for (const auto& other : strategies) {
            if (other->name() == (*s)->name()) {
                return core::invalid("two strategies are named " + other->name() +
                                     "; give each its own name");
            }
        }
        strategies.push_back(std::move(*s));
    }
    return strategies;
}

}  // namespace meridian::app
