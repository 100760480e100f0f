// `meridian run`: every service in one process over InProcBus, state in SQLite; `meridian keys`.
#include "app/run_command.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <memory>
#include <ostream>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <pthread.h>

#include "adapters/sqlite/sqlite_store.hpp"
#include "app/config.hpp"
#include "app/default_config.hpp"
#include "app/files.hpp"
#include "bus/inproc_bus.hpp"
#include "core/clock.hpp"
#include "services/analytics/analytics_service.hpp"
#include "services/config/config_service.hpp"
#include "services/discovery/discovery_service.hpp"
#include "services/execution/execution_service.hpp"
#include "services/gateway/auth.hpp"
#include "services/gateway/gateway_service.hpp"
#include "services/history/history_service.hpp"
#include "services/marketdata/marketdata_service.hpp"
#include "services/notifications/notifications_service.hpp"
#include "services/positions/positions_service.hpp"
#include "services/risk/risk_service.hpp"
#include "services/signals/signals_service.hpp"

namespace meridian::app {

namespace {

using adapters::sqlite::SqliteStore;

struct RunArgs {
    std::optional<std::string> config;
    std::string data_dir = "var";
    std::optional<std::uint16_t> port;
    std::optional<std::string> bind;
    std::vector<core::Symbol> symbols;
    std::optional<double> speed;
    std::string broker = "paper";
    std::string feed = "simulated";
    std::vector<std::string> replay;  // files for --feed replay
};

core::Result<RunArgs> parse_run_args(Args args) {
    RunArgs r;
    auto pairs = flag_values(args);
    if (!pairs) return pairs.error();
    for (const auto& [flag, value] : *pairs) {
        const std::string* v = &value;
        if (flag == "--config") {
            r.config = *v;
        } else if (flag == "--data-dir") {
            r.data_dir = *v;
        } else if (flag == "--port") {
            unsigned p = 0;
            auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), p);
            if (ec != std::errc{} || end != v->data() + v->size() || p > 65535)
                return core::invalid("--port must be a number from 0 to 65535");
            r.port = static_cast<std::uint16_t>(p);
        } else if (flag == "--bind") {
            r.bind = *v;
        } else if (flag == "--symbols") {
            auto symbols = core::parse_symbols(*v);
            if (!symbols) return core::invalid("--symbols: " + symbols.error().message);
            r.symbols = std::move(*symbols);
        } else if (flag == "--speed") {
            double s = 0;
            auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), s);
            if (ec != std::errc{} || end != v->data() + v->size() || !(s > 0 && s <= 1e9))
                return core::invalid("--speed must be a number above 0 (1 is real time)");
            r.speed = s;
        } else if (flag == "--broker") {
            if (*v != "paper")
                return core::invalid(
                    "--broker: only 'paper' is available in this build "
                    "(the Alpaca adapter is not built yet)");
            r.broker = *v;
        } else if (flag == "--feed") {
            if (*v != "simulated" && *v != "replay")
                return core::invalid(
                    "--feed: 'simulated' or 'replay' (the Alpaca adapter is not built yet)");
            r.feed = *v;
        } else if (flag == "--replay") {
            r.replay.push_back(*v);
            r.feed = "replay";
        } else {
            return core::invalid("unknown option " + std::string{flag});
        }
    }
    if (r.feed == "replay" && r.replay.empty())
        return core::invalid("--feed replay needs the files to replay: --replay FILE (repeatable)");
    return r;
}

/// The data directory holds three SQLite files, so that their writers never wait for each other
/// (SQLite lets one writer at a time into a file): orders.db (orders and fills: the order
/// path's group commits), state.db (keys, audit, settings, strategies, limits, notifications)
/// and history.db (bars, the equity curve).
core::Result<std::unique_ptr<SqliteStore>> open_store(const std::string& dir,
                                                      std::string_view file) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return core::Error{core::Errc::Unavailable, "cannot create " + dir + ": " + ec.message()};
    return SqliteStore::open((std::filesystem::path{dir} / (std::string{file} + ".db")).string());
}

}  // namespace

int run_run_command(Args args, std::ostream& out, std::ostream& err) {
    auto opts = parse_run_args(args);
    if (!opts) {
        err << "meridian run: " << opts.error().message << "\n" << run_usage << "\n";
        return 2;
    }
    auto file = opts->config ? load_backtest_config(*opts->config)
                             : parse_backtest_config(kDefaultConfig, "config/meridian.toml");
    if (!file) {
        err << "meridian run: " << file.error().message << "\n";
        return 1;
    }
    const RunSettings& rs = file->run;
    std::vector<core::Symbol> symbols = !opts->symbols.empty() ? opts->symbols : rs.symbols;
    if (symbols.empty()) symbols = {core::Symbol::parse("AAPL").value()};
    std::vector<engine::Bar> replay;
    std::string replay_timeframe = "1Min";
    std::optional<double> replay_speed;
    if (opts->feed == "replay") {
        auto bars = load_bars(opts->replay, engine::BarsCsvOptions{});
        if (!bars) {
            err << "meridian run: " << bars.error().message << "\n";
            return 1;
        }
        replay = std::move(*bars);
        std::set<core::Symbol> seen;
        symbols.clear();
        for (const auto& b : replay)
            if (seen.insert(b.symbol).second) symbols.push_back(b.symbol);
        // Daily files (a day between a symbol's first two bars): a bar a second unless --speed.
        bool daily = false;
        for (std::size_t i = 1; i < replay.size(); ++i) {
            if (replay[i].symbol != replay[0].symbol) continue;
            daily = (replay[i].ts - replay[0].ts).ns >= core::Duration::hours(20).ns;
            break;
        }
        replay_timeframe = daily ? "1Day" : "1Min";
        replay_speed = daily ? 86'400.0 : 60.0;
    }

    // Every connection opened before any thread starts, so that a bad data directory is
    // reported at once. Each service uses its own connection on its own thread.
    std::vector<std::unique_ptr<SqliteStore>> stores;
    auto connect = [&](std::string_view db) -> SqliteStore* {
        auto s = open_store(opts->data_dir, db);
        if (!s) {
            err << "meridian run: " << s.error().message << "\n";
            return nullptr;
        }
        stores.push_back(std::move(*s));
        return stores.back().get();
    };
    SqliteStore* conn[14];
    const char* files[14] = {"state", "state", "orders", "orders", "orders",  "history", "history",
                             "state", "state", "state",  "orders", "history", "state",   "state"};
    for (int i = 0; i < 14; ++i)
        if ((conn[i] = connect(files[i])) == nullptr) return 1;
    auto& keys_store = *conn[0];

    core::SystemClock clock;
    bus::InProcBus bus{clock};
    services::Metrics metrics;

    std::optional<std::string> first_key;
    if (auto all = keys_store.keys(); all && all->empty()) {
        const auto k = services::generate_key();
        if (auto ok = keys_store.add_key(
                {k.id, k.hash, "admin", "created on first start", clock.now(), std::nullopt});
            !ok) {
            err << "meridian run: " << ok.error().message << "\n";
            return 1;
        }
        first_key = k.secret;
    }

    const core::Money cash = rs.cash.value_or(core::Money::from_units(100'000));
    services::ExecutionConfig ec;
    ec.starting_cash = cash;
    ec.multiplier = 2;  // a Reg T margin account, as Alpaca's paper accounts are
    ec.symbols = symbols;
    services::PositionsConfig pc;
    pc.starting_cash = cash;
    pc.multiplier = ec.multiplier;
    services::RiskConfig rc;
    rc.limits = file->backtest.risk;
    if (rs.stale_after_seconds) rc.stale_after = std::chrono::seconds(*rs.stale_after_seconds);
    services::SignalsConfig sc;
    for (const auto& s : file->strategies) {
        services::StrategySpec spec;
        spec.kind = s.kind;
        spec.id = s.name.empty() ? s.kind : s.name;
        // The built-in config's strategies trade whatever the market has (its symbols name the
        // simulated market's); a config file's strategies trade what it says.
        spec.symbols = s.symbols.empty() || !opts->config ? symbols : s.symbols;
        spec.params = s.params;
        sc.strategies.push_back(std::move(spec));
    }
    services::MarketDataConfig mc;
    mc.symbols = symbols;
    mc.seed = rs.seed.value_or(7);
    mc.speed = opts->speed.value_or(replay_speed.value_or(rs.speed.value_or(1)));
    mc.replay = std::move(replay);
    mc.replay_timeframe = replay_timeframe;
    if (rs.volatility) mc.volatility = *rs.volatility;
    if (rs.quotes_per_minute) mc.quotes_per_minute = *rs.quotes_per_minute;
    if (rs.regular_hours) mc.regular_hours = *rs.regular_hours;
    services::GatewayConfig gc;
    gc.server.bind = opts->bind.value_or(rs.bind.value_or("127.0.0.1"));
    gc.server.port = opts->port.value_or(rs.port.value_or(8000));
    if (rs.max_connections) gc.server.max_connections = *rs.max_connections;
    if (rs.rate_limit_per_minute) gc.rate_limit_per_minute = *rs.rate_limit_per_minute;
    if (rs.metrics_public) gc.metrics_public = *rs.metrics_public;

    // Live changes saved through PATCH /config win over the file.
    const auto saved = services::ConfigService::saved_changes(*conn[9]);
    if (const auto* v = saved.if_contains("rate_limit_per_minute"))
        gc.rate_limit_per_minute = v->to_number<std::uint32_t>();
    if (const auto* v = saved.if_contains("stale_after_seconds"))
        rc.stale_after = std::chrono::seconds(v->to_number<std::int64_t>());
    boost::json::array symbol_list;
    for (const auto& s : symbols)
        symbol_list.push_back(boost::json::value(s.str()));
    const boost::json::object effective{
        {"symbols", std::move(symbol_list)},
        {"speed", mc.speed},
        {"cash", cash.to_string()},
        {"seed", mc.seed},
        {"bind", gc.server.bind},
        {"port", gc.server.port},
        {"data_dir", opts->data_dir},
        {"broker", opts->broker},
        {"feed", opts->feed},
        {"max_connections", gc.server.max_connections},
        {"rate_limit_per_minute", gc.rate_limit_per_minute},
        {"stale_after_seconds",
         std::chrono::duration_cast<std::chrono::seconds>(rc.stale_after).count()},
        {"metrics_public", gc.metrics_public}};

    const std::vector<std::string> names{"gateway",       "execution",  "positions", "risk",
                                         "signals",       "marketdata", "history",   "analytics",
                                         "notifications", "config",     "discovery"};
    services::DiscoveryService discovery{bus, clock, metrics, names};
    services::RiskService risk{bus, clock, metrics, *conn[1], rc};
    services::ExecutionService execution{bus, clock, metrics, *conn[2], *conn[3], ec};
    services::PositionsService positions{bus, clock, metrics, *conn[4], *conn[5], pc};
    services::HistoryService history{bus, clock, metrics, *conn[6]};
    services::SignalsService signals{bus, clock, metrics, *conn[12], *conn[6], sc};
    services::AnalyticsConfig ac;
    ac.starting_cash = cash;
    services::AnalyticsService analytics{bus, clock, metrics, *conn[10], *conn[11], *conn[11], ac};
    services::NotificationsService notifications{bus, clock, metrics, *conn[13]};
    services::ConfigService config{bus, clock, metrics, *conn[9], effective};
    services::MarketDataService marketdata{bus, clock, metrics, mc};
    std::vector<services::Service*> all{&discovery, &config,    &risk,      &execution,
                                        &positions, &history,   &analytics, &notifications,
                                        &signals,   &marketdata};
    net::Router router;
    services::GatewayService gateway{bus,
                                     clock,
                                     metrics,
                                     router,
                                     *conn[0],
                                     *conn[7],
                                     *conn[8],
                                     gc,
                                     [&all](std::string_view name) {
                                         for (auto* s : all)
                                             if ((name.empty() || s->name() == name) && !s->ready())
                                                 return false;
                                         return true;
                                     }};
    for (auto* s : all)
        s->add_routes(router);
    gateway.add_routes(router);

    // Signals are taken by sigwait below, never by a handler on some service's thread.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    // Consumers first, the market last, so that no event is published before its readers exist.
    for (auto* s : all)
        if (s != &marketdata) s->start();
    gateway.start();
    auto port = gateway.listen();
    if (!port) {
        err << "meridian run: " << port.error().message << "\n";
        gateway.stop();
        for (auto it = all.rbegin(); it != all.rend(); ++it)
            (*it)->stop();
        return 1;
    }
    marketdata.start();

    out << "meridian " << services::kServiceVersion << ": every service in one process; state in "
        << opts->data_dir << "/{orders,state,history}.db\n"
        << "market: " << symbols.size()
        << (opts->feed == "replay"
                ? " symbols replayed from " + std::to_string(opts->replay.size()) + " file(s)"
                : std::string{" simulated symbols, around the clock,"})
        << " at " << mc.speed << "x speed; broker: paper\n";
    if (first_key) {
        out << "admin API key (shown once; only its hash is kept):\n" << *first_key << "\n";
    }
    out << "listening on http://" << gc.server.bind << ":" << *port
        << " (API docs at /docs, health at /health)" << std::endl;

    int sig = 0;
    sigwait(&stop_signals, &sig);
    out << "stopping (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ")..." << std::endl;
    gateway.stop_listening();
    marketdata.stop();  // no more ticks: nothing new to work
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // requests in flight finish
    gateway.stop();
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        (*it)->stop();
    out << "stopped" << std::endl;
    return 0;
}

int run_keys_command(Args args, std::ostream& out, std::ostream& err) {
    if (args.empty()) {
        err << keys_usage << "\n";
        return 2;
    }
    const std::string_view verb = args[0];
    std::string data_dir = "var";
    std::string role;
    std::string label;
    std::string id;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        if (flag == "--data-dir" || flag == "--role" || flag == "--label") {
            if (i + 1 >= args.size()) {
                err << "meridian keys: " << flag << " needs a value\n";
                return 2;
            }
            const std::string v{args[++i]};
            (flag == "--data-dir" ? data_dir : flag == "--role" ? role : label) = v;
        } else if (verb == "revoke" && id.empty() && !flag.starts_with("--")) {
            id = std::string{flag};
        } else {
            err << "meridian keys: unknown option " << flag << "\n" << keys_usage << "\n";
            return 2;
        }
    }
    auto store = open_store(data_dir, "state");
    if (!store) {
        err << "meridian keys: " << store.error().message << "\n";
        return 1;
    }
    core::SystemClock clock;
    if (verb == "create") {
        if (!services::parse_role(role)) {
            err << "meridian keys create: --role must be viewer, trader or admin\n";
            return 2;
        }
        const auto k = services::generate_key();
        if (auto ok = (*store)->add_key({k.id, k.hash, role, label, clock.now(), std::nullopt});
            !ok) {
            err << "meridian keys: " << ok.error().message << "\n";
            return 1;
        }
        out << "created key " << k.id << " (role " << role << ") in " << data_dir
            << "/state.db; the key, shown once:\n"
            << k.secret << "\n";
        return 0;
    }
    if (verb == "list") {
        auto keys = (*store)->keys();
        if (!keys) {
            err << "meridian keys: " << keys.error().message << "\n";
            return 1;
        }
        for (const auto& k : *keys)
            out << k.id << "  " << k.role << "  " << k.created_at.to_iso8601()
                << (k.revoked_at ? "  revoked" : "") << (k.label.empty() ? "" : "  " + k.label)
                << "\n";
        return 0;
    }
    if (verb == "revoke") {
        if (id.empty()) {
            err << "meridian keys revoke: which key? (an id from `meridian keys list`)\n";
            return 2;
        }
        if (auto ok = (*store)->revoke_key(id, clock.now()); !ok) {
            err << "meridian keys: " << ok.error().message << "\n";
            return 1;
        }
        out << "revoked " << id << "\n";
        return 0;
    }
    err << "meridian keys: unknown action '" << verb << "'\n" << keys_usage << "\n";
    return 2;
}

}  // namespace meridian::app
