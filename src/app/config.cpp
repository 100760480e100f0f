// TOML config loading with toml++ (kept to this one file: it is slow to compile).
#include "app/config.hpp"

#include <charconv>
#include <filesystem>

#include <toml++/toml.h>

#include "app/files.hpp"

namespace meridian::app {
namespace {

/// Errors that name the file and the line of the node they are about.
class Reader {
public:
    explicit Reader(std::string path) : path_{std::move(path)} {}

    core::Error at(const toml::node& node, const std::string& what) const {
        return core::invalid(path_ + ":" + std::to_string(node.source().begin.line) + ": " + what);
    }
    core::Error at_line(std::size_t line, const std::string& what) const {
        return core::invalid(path_ + ":" + std::to_string(line) + ": " + what);
    }

    /// A scalar as the text it stands for: strings as they are, integers and booleans in
    /// decimal, floats in their shortest form (0.005 stays "0.005").
    core::Result<std::string> text(const toml::node& node, const std::string& key) const {
        if (auto s = node.value<std::string>()) return *s;
        if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
        if (node.is_boolean()) return std::string{*node.value<bool>() ? "true" : "false"};
        if (node.is_floating_point()) {
            const double v = *node.value<double>();
            char buf[32];
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
            return std::string(buf, end);
        }
        return at(node, key + " must be a string, number or boolean");
    }
    template <typename T, typename Parse>
    core::Result<T> parsed(const toml::node& node, const std::string& key, Parse parse) const {
        auto t = text(node, key);
        if (!t) return t.error();
        auto v = parse(*t);
        if (!v) return at(node, key + ": " + v.error().message);
        return *v;
    }
    core::Result<bool> boolean(const toml::node& node, const std::string& key) const {
        if (auto b = node.value<bool>()) return *b;
        return at(node, key + " must be true or false");
    }
    core::Result<double> number(const toml::node& node, const std::string& key, double min,
                                double max) const {
        auto v = node.value<double>();
        if (!v || !(*v >= min && *v <= max)) {
            return at(node, key + " must be a number from " + std::to_string(min) + " to " +
                                std::to_string(max));
        }
        return *v;
    }
    core::Result<std::int64_t> integer(const toml::node& node, const std::string& key,
                                       std::int64_t min, std::int64_t max) const {
        auto v = node.value<std::int64_t>();
        if (!node.is_integer() || *v < min || *v > max) {
            return at(node, key + " must be a whole number from " + std::to_string(min) + " to " +
                                std::to_string(max));
        }
        return *v;
    }
    core::Result<std::vector<std::string>> strings(const toml::node& node,
                                                   const std::string& key) const {
        std::vector<std::string> out;
        if (auto s = node.value<std::string>()) {
            out.push_back(*s);
            return out;
        }
        const auto* array = node.as_array();
        if (array == nullptr) return at(node, key + " must be a string or a list of strings");
        for (const auto& item : *array) {
            auto s = item.value<std::string>();
            if (!s) return at(item, key + " must hold strings");
            out.push_back(*s);
        }
        return out;
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

core::Result<core::Money> money(const std::string& t) {
    return core::Money::parse(t);
}
core::Result<core::Quantity> quantity(const std::string& t) {
    return core::Quantity::parse(t);
}
core::Result<core::Price> decimal(const std::string& t) {
    return core::Price::parse(t);
}

core::Result<void> read_backtest(const Reader& r, const toml::table& t, BacktestFileConfig& c) {
    const auto base = std::filesystem::path{r.path()}.parent_path();
    for (const auto& [key_node, node] : t) {
        const std::string key{key_node.str()};
        if (key == "data") {
            auto files = r.strings(node, key);
            if (!files) return files.error();
            for (const auto& f : *files) {
                const std::filesystem::path p{f};
                c.data.push_back(p.is_absolute() || base.empty() ? f : (base / p).string());
            }
        } else if (key == "symbol") {
            auto s = r.parsed<core::Symbol>(
                node, key, [](const std::string& x) { return core::Symbol::parse(x); });
            if (!s) return s.error();
            c.symbol = *s;
        } else if (key == "cash") {
            auto m = r.parsed<core::Money>(node, key, money);
            if (!m) return m.error();
            if (!m->is_positive()) return r.at(node, "cash must be positive");
            c.backtest.cash = *m;
        } else if (key == "fill") {
            auto f = node.value<std::string>();
            if (!f || (*f != "next_open" && *f != "close")) {
                return r.at(node, "fill must be \"next_open\" or \"close\"");
            }
            c.backtest.broker.fill_at =
                *f == "close" ? engine::FillAt::Close : engine::FillAt::NextOpen;
        } else if (key == "commission") {
            auto s = node.value<std::string>();
            if (!s) {
                return r.at(node, "commission must be a string such as \"per_share=0.005,min=1\"");
            }
            auto cm = engine::Commission::parse(*s);
            if (!cm) return r.at(node, cm.error().message);
            c.backtest.broker.commission = *cm;
        } else if (key == "slippage_bps") {
            auto v = r.parsed<core::Price>(node, key, decimal);
            if (!v) return v.error();
            if (v->is_negative()) return r.at(node, "slippage_bps must not be negative");
            c.backtest.broker.slippage_bps = *v;
        } else if (key == "volume_cap") {
            auto v = r.number(node, key, 1e-9, 1);
            if (!v) return v.error();
            c.backtest.broker.volume_participation = *v;
        } else if (key == "from" || key == "to") {
            auto ts = r.parsed<core::Timestamp>(
                node, key, [](const std::string& x) { return core::Timestamp::parse(x); });
            if (!ts) return ts.error();
            const bool date_only = node.value<std::string>()->size() == 10;
            if (key == "from") {
                c.backtest.from = *ts;
            } else {
                c.backtest.to = date_only ? *ts + core::Duration::days(1) - core::Duration{1} : *ts;
            }
        } else if (key == "seed") {
            auto v = r.integer(node, key, 0, INT64_MAX);
            if (!v) return v.error();
            c.backtest.seed = static_cast<std::uint64_t>(*v);
        } else {
            return r.at(
                node,
                "unknown key '" + key +
                    "' in [backtest] (valid: data, symbol, cash, fill, commission, slippage_bps, "
                    "volume_cap, from, to, seed)");
        }
    }
    return {};
}

core::Result<void> read_run(const Reader& r, const toml::table& t, RunSettings& run) {
    for (const auto& [key_node, node] : t) {
        const std::string key{key_node.str()};
        if (key == "symbols") {
            auto list = r.strings(node, key);
            if (!list) return list.error();
            for (const auto& s : *list) {
                auto sym = core::Symbol::parse(s);
                if (!sym) return r.at(node, "symbols: " + sym.error().message);
                run.symbols.push_back(*sym);
            }
        } else if (key == "speed") {
            auto v = r.number(node, key, 0.001, 1e9);
            if (!v) return v.error();
            run.speed = *v;
        } else if (key == "port") {
            auto v = r.integer(node, key, 0, 65535);
            if (!v) return v.error();
            run.port = static_cast<std::uint16_t>(*v);
        } else if (key == "bind") {
            auto v = node.value<std::string>();
            if (!v) return r.at(node, "bind must be an address such as \"127.0.0.1\"");
            run.bind = *v;
        } else if (key == "cash") {
            auto m = r.parsed<core::Money>(node, key, money);
            if (!m) return m.error();
            if (!m->is_positive()) return r.at(node, "cash must be positive");
            run.cash = *m;
        } else if (key == "seed") {
            auto v = r.integer(node, key, 0, INT64_MAX);
            if (!v) return v.error();
            run.seed = static_cast<std::uint64_t>(*v);
        } else if (key == "volatility") {
            auto v = r.number(node, key, 0, 10);
            if (!v) return v.error();
            run.volatility = *v;
        } else if (key == "quotes_per_minute") {
            auto v = r.integer(node, key, 1, 6000);
            if (!v) return v.error();
            run.quotes_per_minute = static_cast<int>(*v);
        } else if (key == "rate_limit_per_minute") {
            auto v = r.integer(node, key, 1, 100'000'000);
            if (!v) return v.error();
            run.rate_limit_per_minute = static_cast<std::uint32_t>(*v);
        } else if (key == "max_connections") {
            auto v = r.integer(node, key, 1, 1'000'000);
            if (!v) return v.error();
            run.max_connections = static_cast<std::uint32_t>(*v);
        } else if (key == "stale_after_seconds") {
            auto v = r.integer(node, key, 1, 86'400);
            if (!v) return v.error();
            run.stale_after_seconds = static_cast<int>(*v);
        } else if (key == "metrics_public" || key == "regular_hours") {
            auto v = r.boolean(node, key);
            if (!v) return v.error();
            (key == "metrics_public" ? run.metrics_public : run.regular_hours) = *v;
        } else {
            return r.at(node, "unknown key '" + key +
                                  "' in [run] (valid: symbols, speed, port, bind, cash, seed, "
                                  "volatility, quotes_per_minute, rate_limit_per_minute, "
                                  "max_connections, stale_after_seconds, metrics_public, "
                                  "regular_hours)");
        }
    }
    return {};
}

core::Result<void> read_alpaca(const Reader& r, const toml::table& t,
                               std::map<std::string, std::string>& out) {
    static const std::map<std::string, std::string> names{
        {"key_id", "APCA_API_KEY_ID"},
        {"secret_key", "APCA_API_SECRET_KEY"},
        {"base_url", "APCA_API_BASE_URL"},
        {"data_url", "APCA_API_DATA_URL"},
        {"stream_url", "APCA_API_STREAM_URL"},
        {"data_stream_url", "APCA_API_DATA_STREAM_URL"},
        {"feed", "APCA_DATA_FEED"},
        {"live", "MERIDIAN_ALPACA_LIVE"},
        {"rate_limit_per_minute", "MERIDIAN_ALPACA_RATE_LIMIT"},
        {"ca_file", "MERIDIAN_ALPACA_CA_FILE"}};
    for (const auto& [key_node, entry] : t) {
        const std::string key{key_node.str()};
        const toml::node& node = entry;
        auto name = names.find(key);
        if (name == names.end()) {
            return r.at(node, "unknown key '" + key +
                                  "' in [alpaca] (valid: key_id, secret_key, base_url, data_url, "
                                  "stream_url, data_stream_url, feed, live, rate_limit_per_minute, "
                                  "ca_file)");
        }
        if (key == "live") {
            auto v = r.boolean(node, key);
            if (!v) return v.error();
            out[name->second] = *v ? "true" : "false";
        } else if (key == "rate_limit_per_minute") {
            auto v = r.integer(node, key, 1, 100'000);
            if (!v) return v.error();
            out[name->second] = std::to_string(*v);
        } else {
            auto v = node.value<std::string>();
            if (!v) return r.at(node, key + " must be a string");
            out[name->second] = *v;
        }
    }
    return {};
}

core::Result<void> read_risk(const Reader& r, const toml::table& t, engine::RiskLimits& limits) {
    for (const auto& [key_node, entry] : t) {
        const std::string key{key_node.str()};
        const toml::node& node = entry;  // lambdas cannot capture structured bindings (clang 14)
        auto money_limit = [&](std::optional<core::Money>& out) -> core::Result<void> {
            auto m = r.parsed<core::Money>(node, key, money);
            if (!m) return m.error();
            if (!m->is_positive()) return r.at(node, key + " must be positive");
            out = *m;
            return {};
        };
        auto qty_limit = [&](std::optional<core::Quantity>& out) -> core::Result<void> {
            auto q = r.parsed<core::Quantity>(node, key, quantity);
            if (!q) return q.error();
            if (!q->is_positive()) return r.at(node, key + " must be positive");
            out = *q;
            return {};
        };
        core::Result<void> ok;
        if (key == "max_order_qty") {
            ok = qty_limit(limits.max_order_qty);
        } else if (key == "max_order_notional") {
            ok = money_limit(limits.max_order_notional);
        } else if (key == "max_position_qty") {
            ok = qty_limit(limits.max_position_qty);
        } else if (key == "max_position_notional") {
            ok = money_limit(limits.max_position_notional);
        } else if (key == "max_gross_exposure") {
            ok = money_limit(limits.max_gross_exposure);
        } else if (key == "max_daily_loss") {
            ok = money_limit(limits.max_daily_loss);
        } else if (key == "max_open_orders") {
            auto v = r.integer(node, key, 1, 1'000'000);
            if (!v) return v.error();
            limits.max_open_orders = static_cast<std::size_t>(*v);
        } else if (key == "max_orders_per_second") {
            auto v = r.integer(node, key, 1, 1'000'000);
            if (!v) return v.error();
            limits.max_orders_per_second = static_cast<std::uint32_t>(*v);
        } else if (key == "price_collar_percent") {
            auto v = r.parsed<core::Price>(node, key, decimal);
            if (!v) return v.error();
            if (!v->is_positive()) return r.at(node, key + " must be positive");
            limits.price_collar_percent = *v;
        } else if (key == "max_drawdown") {
            auto v = r.number(node, key, 1e-9, 1);
            if (!v) return v.error();
            limits.max_drawdown = *v;
        } else if (key == "state") {
            auto v = node.value<std::string>();
            if (!v || (*v != "active" && *v != "reduce_only" && *v != "halted")) {
                return r.at(node, "state must be \"active\", \"reduce_only\" or \"halted\"");
            }
            limits.initial_state = *v == "halted"        ? engine::TradingState::Halted
                                   : *v == "reduce_only" ? engine::TradingState::ReduceOnly
                                                         : engine::TradingState::Active;
        } else if (key == "allow_short") {
            auto b = r.boolean(node, key);
            if (!b) return b.error();
            limits.allow_short = *b;
        } else if (key == "check_buying_power") {
            auto b = r.boolean(node, key);
            if (!b) return b.error();
            limits.check_buying_power = *b;
        } else {
            return r.at(
                node,
                "unknown key '" + key +
                    "' in [risk] (valid: max_order_qty, max_order_notional, max_position_qty, "
                    "max_position_notional, max_gross_exposure, max_open_orders, "
                    "max_orders_per_second, price_collar_percent, max_daily_loss, max_drawdown, "
                    "allow_short, check_buying_power)");
        }
        if (!ok) return ok;
    }
    return {};
}

core::Result<StrategyConfig> read_strategy(const Reader& r, const toml::table& t) {
    StrategyConfig s;
    for (const auto& [key_node, node] : t) {
        const std::string key{key_node.str()};
        if (key == "kind") {
            auto k = node.value<std::string>();
            if (!k) return r.at(node, "kind must be a string such as \"sma_crossover\"");
            s.kind = *k;
        } else if (key == "name") {
            auto n = node.value<std::string>();
            if (!n || n->empty()) return r.at(node, "name must be a non-empty string");
            s.name = *n;
        } else if (key == "symbols") {
            auto list = r.strings(node, key);
            if (!list) return list.error();
            for (const auto& x : *list) {
                auto sym = core::Symbol::parse(x);
                if (!sym) return r.at(node, sym.error().message);
                s.symbols.push_back(*sym);
            }
        } else {
            auto v = r.text(node, key);
            if (!v) return v.error();
            s.params[key] = *v;
        }
    }
    if (s.kind.empty()) {
        return r.at_line(t.source().begin.line, "[[strategy]] needs kind = \"...\"");
    }
    if (auto made = engine::make_strategy(s.kind, s.params); !made) {
        return r.at_line(t.source().begin.line, made.error().message);
    }
    return s;
}

}  // namespace

core::Result<BacktestFileConfig> parse_backtest_config(std::string_view text,
                                                       const std::string& path) {
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        return core::invalid(path + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string{e.description()});
    }
    const Reader r{path};
    BacktestFileConfig c;
    for (const auto& [key_node, node] : root) {
        const std::string key{key_node.str()};
        if (key == "backtest" && node.is_table()) {
            if (auto ok = read_backtest(r, *node.as_table(), c); !ok) return ok.error();
        } else if (key == "run" && node.is_table()) {
            if (auto ok = read_run(r, *node.as_table(), c.run); !ok) return ok.error();
        } else if (key == "alpaca" && node.is_table()) {
            if (auto ok = read_alpaca(r, *node.as_table(), c.alpaca); !ok) return ok.error();
        } else if (key == "risk" && node.is_table()) {
            if (auto ok = read_risk(r, *node.as_table(), c.backtest.risk); !ok) return ok.error();
        } else if (key == "strategy" && node.is_array_of_tables()) {
            for (const auto& item : *node.as_array()) {
                auto s = read_strategy(r, *item.as_table());
                if (!s) return s.error();
                c.strategies.push_back(std::move(*s));
            }
        } else {
            return r.at(node, "unknown section '" + key +
                                  "' (valid: [backtest], [run], [risk], [alpaca], [[strategy]])");
        }
    }
    return c;
}

core::Result<BacktestFileConfig> load_backtest_config(const std::string& path) {
    auto text = read_file(path);
    if (!text) return text.error();
    return parse_backtest_config(*text, path);
}

}  // namespace meridian::app
