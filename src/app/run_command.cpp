// `meridian run` (every service in one process over InProcBus, state in SQLite), `meridian serve`
// (one service per process over Redis Streams and PostgreSQL) and `meridian keys`.
#include "app/run_command.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <pthread.h>

#include "adapters/alpaca/alpaca_broker.hpp"
#include "adapters/alpaca/data.hpp"
#include "adapters/postgres/postgres_store.hpp"
#include "adapters/redis/redis_bus.hpp"
#include "adapters/sqlite/sqlite_store.hpp"
#include "app/config.hpp"
#include "app/default_config.hpp"
#include "app/files.hpp"
#include "bus/inproc_bus.hpp"
#include "core/clock.hpp"
#include "services/analytics/analytics_service.hpp"
#include "services/common/service_server.hpp"
#include "services/config/config_service.hpp"
#include "services/discovery/discovery_service.hpp"
#include "services/execution/execution_service.hpp"
#include "services/gateway/auth.hpp"
#include "services/gateway/gateway_service.hpp"
#include "services/gateway/remote.hpp"
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
    // `meridian serve` only
    std::optional<std::string> bus;    // redis://HOST:PORT
    std::optional<std::string> store;  // postgresql://...
    std::optional<std::string> advertise;
    std::string token;
    bool alone = false;
};

/// Parses the options `run` and `serve` share; `serve` also takes its own.
core::Result<RunArgs> parse_run_args(Args args, bool serve) {
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
            if (ec != std::errc{} || end != v->data() + v->size() || p > 65535) {
                return core::invalid("--port must be a number from 0 to 65535");
            }
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
            if (ec != std::errc{} || end != v->data() + v->size() || !(s > 0 && s <= 1e9)) {
                return core::invalid("--speed must be a number above 0 (1 is real time)");
            }
            r.speed = s;
        } else if (flag == "--broker") {
            if (*v != "paper" && *v != "alpaca") {
                return core::invalid("--broker: 'paper' (simulated fills) or 'alpaca' (got '" + *v +
                                     "')");
            }
            r.broker = *v;
        } else if (flag == "--feed") {
            if (*v != "simulated" && *v != "replay" && *v != "alpaca") {
                return core::invalid("--feed: 'simulated', 'replay' or 'alpaca' (got '" + *v +
                                     "')");
            }
            r.feed = *v;
        } else if (flag == "--replay") {
            r.replay.push_back(*v);
            r.feed = "replay";
        } else if (serve && flag == "--bus") {
            if (!v->starts_with("redis://")) {
                return core::invalid("--bus must be a redis:// URL (got '" + *v + "')");
            }
            r.bus = *v;
        } else if (serve && flag == "--store") {
            if (!v->starts_with("postgresql://") && !v->starts_with("postgres://")) {
                return core::invalid("--store must be a postgresql:// URL (got '" + *v + "')");
            }
            r.store = *v;
        } else if (serve && flag == "--advertise") {
            if (!v->starts_with("http://")) {
                return core::invalid("--advertise must be an http:// URL (got '" + *v + "')");
            }
            r.advertise = *v;
        } else if (serve && flag == "--internal-token") {
            r.token = *v;
        } else if (serve && flag == "--alone") {
            if (*v != "true" && *v != "false") return core::invalid("--alone takes true or false");
            r.alone = *v == "true";
        } else {
            return core::invalid("unknown option " + std::string{flag});
        }
    }
    if (r.feed == "replay" && r.replay.empty()) {
        return core::invalid("--feed replay needs the files to replay: --replay FILE (repeatable)");
    }
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
    if (ec) {
        return core::Error{core::Errc::Unavailable, "cannot create " + dir + ": " + ec.message()};
    }
    return SqliteStore::open((std::filesystem::path{dir} / (std::string{file} + ".db")).string());
}

/// The store a command line names: PostgreSQL when given a URL, else the SQLite file for
/// `purpose` in the data directory.
core::Result<std::unique_ptr<store::Store>> open_any_store(const std::string& store_url,
                                                           const std::string& data_dir,
                                                           std::string_view purpose) {
    if (!store_url.empty()) {
        auto pg = adapters::postgres::PostgresStore::open(store_url);
        if (!pg) return pg.error();
        return std::unique_ptr<store::Store>{std::move(*pg)};
    }
    auto lite = open_store(data_dir, purpose);
    if (!lite) return lite.error();
    return std::unique_ptr<store::Store>{std::move(*lite)};
}

/// Alpaca's settings: the environment over the config file's [alpaca] table.
core::Result<alpaca::Settings> load_alpaca_settings(
    const std::map<std::string, std::string>& table) {
    return alpaca::load_settings(alpaca::process_env(),
                                 [&table](const std::string& name) -> std::optional<std::string> {
                                     auto it = table.find(name);
                                     if (it == table.end()) return std::nullopt;
                                     return it->second;
                                 });
}

/// What Meridian's account starts from: cash, and positions held before its first order.
struct StartingBook {
    core::Money cash;
    std::vector<core::Fill> opening;  // each held position as a fill at its average entry price
};

/// The book as kept in the state store: [{"symbol", "qty" (signed), "avg_entry_price", "ts"}].
std::vector<core::Fill> opening_fills(std::string_view saved) {
    std::vector<core::Fill> out;
    boost::system::error_code ec;
    auto v = boost::json::parse(saved, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& item : v.as_array()) {
        const auto* o = item.if_object();
        if (!o) continue;
        auto text = [&](const char* k) {
            const auto* f = o->if_contains(k);
            return f && f->is_string() ? std::string{f->get_string()} : std::string{};
        };
        auto sym = core::Symbol::parse(text("symbol"));
        auto qty = core::Quantity::parse(text("qty"));
        auto avg = core::Price::parse(text("avg_entry_price"));
        auto ts = core::Timestamp::parse(text("ts"));
        if (!sym || !qty || !avg || !ts || qty->is_zero()) continue;
        core::Fill f;
        f.execution_id = "opening-" + sym->str();
        f.order_id = core::OrderId::parse("opening").value();
        f.symbol = *sym;
        f.side = qty->is_negative() ? core::Side::Sell : core::Side::Buy;
        f.qty = qty->abs();
        f.price = *avg;
        f.ts_event = *ts;
        f.ts_init = *ts;
        out.push_back(std::move(f));
    }
    return out;
}

/// The book Meridian's account starts from when it trades on Alpaca: the Alpaca account's cash
/// and positions when Meridian first ran against it (kept in the state store, so that the stored
/// fills replay onto the same base at every start). A position bought elsewhere is Meridian's to
/// manage from then on: booked at its average entry price, with the cash it cost added to the
/// starting cash (so that the account's cash is Alpaca's and its P&L counts from then). A data
/// directory that already holds fills keeps `fallback`; an Alpaca that cannot be reached now
/// leaves `fallback` for this run.
StartingBook alpaca_starting_book(const alpaca::Settings& settings, store::SettingsStore& state,
                                  store::OrderStore& orders, core::Money fallback) {
    constexpr const char* kCash = "alpaca.starting_cash";
    constexpr const char* kPositions = "alpaca.starting_positions";
    auto book_of = [](core::Money alpaca_cash, std::vector<core::Fill> opening) {
        StartingBook book{alpaca_cash, std::move(opening)};
        for (const auto& f : book.opening) {
            book.cash += f.side == core::Side::Buy ? f.notional() : -f.notional();
        }
        return book;
    };
    if (auto saved = state.get(kCash); saved && *saved) {
        if (auto m = core::Money::parse(**saved)) {
            auto positions = state.get(kPositions);
            return book_of(*m, positions && *positions ? opening_fills(**positions)
                                                       : std::vector<core::Fill>{});
        }
    }
    if (auto fills = orders.recent_fills(1); !fills || !fills->empty()) return {fallback, {}};
    boost::asio::io_context ioc;
    alpaca::TradingClient client{ioc.get_executor(), settings};
    std::optional<core::Result<alpaca::Account>> account;
    std::optional<core::Result<std::vector<alpaca::Position>>> positions;
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
            account = co_await client.account();
            positions = co_await client.positions();
        },
        boost::asio::detached);
    ioc.run_for(settings.timeout);
    if (!account || !*account || !positions || !*positions) {
        const std::string why = !account || !positions ? "no answer"
                                : !*account            ? (*account).error().message
                                                       : (*positions).error().message;
        std::fprintf(stderr,
                     "alpaca: the account's cash and positions could not be read (%s): starting "
                     "from %s in cash\n",
                     why.c_str(), fallback.to_string(2, core::Rounding::HalfEven).c_str());
        return {fallback, {}};
    }
    const core::Timestamp now = core::SystemClock{}.now();
    boost::json::array held;
    for (const auto& p : **positions) {
        if (p.qty.is_zero()) continue;
        held.push_back({{"symbol", p.symbol.str()},
                        {"qty", p.qty.to_string()},
                        {"avg_entry_price", p.avg_entry_price.to_string()},
                        {"ts", now.to_iso8601()}});
        std::fprintf(stderr,
                     "alpaca: %s %s held before Meridian, at %s: now Meridian's to manage\n",
                     p.qty.to_string().c_str(), p.symbol.str().c_str(),
                     p.avg_entry_price.to_string().c_str());
    }
    const std::string saved_positions = boost::json::serialize(held);
    // The positions first: the cash marks the book as taken.
    (void)state.put(kPositions, saved_positions, now);
    const core::Money cash = (*account)->cash;
    (void)state.put(kCash, cash.to_string(), now);
    return book_of(cash, opening_fills(saved_positions));
}

/// A URL without its password, for messages.
std::string redacted(std::string url) {
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) url.replace(colon + 1, at - colon - 1, "***");
    return url;
}

/// Each service's default port when it runs as its own process.
const std::map<std::string, std::uint16_t, std::less<>> kServicePorts{
    {"gateway", 8000},       {"positions", 8001},  {"execution", 8002}, {"signals", 8003},
    {"risk", 8004},          {"marketdata", 8005}, {"history", 8006},   {"analytics", 8007},
    {"notifications", 8008}, {"config", 8009},     {"discovery", 8010}};

/// Where services keep state: a new connection for a purpose ("orders", "state", "history").
using StoreOpener = std::function<core::Result<std::unique_ptr<store::Store>>(std::string_view)>;

/// Every service of the system, built (not started) from the config, over `bus` and stores
/// from `opener`. `local` names the services this process runs: they get connections of their
/// own; the others (built only for their routes, which the gateway then forwards) share one.
struct System {
    std::vector<std::unique_ptr<store::Store>> stores;
    store::Store* idle = nullptr;
    std::unique_ptr<services::DiscoveryService> discovery;
    std::unique_ptr<services::RiskService> risk;
    std::unique_ptr<services::ExecutionService> execution;
    std::unique_ptr<services::PositionsService> positions;
    std::unique_ptr<services::HistoryService> history;
    std::unique_ptr<services::SignalsService> signals;
    std::unique_ptr<services::AnalyticsService> analytics;
    std::unique_ptr<services::NotificationsService> notifications;
    std::unique_ptr<services::ConfigService> config;
    std::unique_ptr<services::MarketDataService> marketdata;
    std::unique_ptr<services::GatewayService> gateway;
    net::Router router;
    std::vector<services::Service*> all;  // gateway last
    std::set<std::string> local;
    std::shared_ptr<services::RemoteServices> remote;
    std::vector<core::Symbol> symbols;
    double speed = 1;
    std::optional<std::string> first_key;

    services::Service* find(std::string_view name) const {
        for (auto* s : all) {
            if (s->name() == name) return s;
        }
        return nullptr;
    }
    bool is_local(std::string_view name) const { return local.contains(std::string{name}); }
};

const std::vector<std::string> kServiceNames{
    "gateway", "execution", "positions",     "risk",   "signals",  "marketdata",
    "history", "analytics", "notifications", "config", "discovery"};

core::Result<std::unique_ptr<System>> build_system(
    const RunArgs& opts, bus::Bus& bus, const core::Clock& clock, services::Metrics& metrics,
    const StoreOpener& opener, std::set<std::string> local,
    std::shared_ptr<services::RemoteServices> remote) {
    auto file = opts.config ? load_backtest_config(*opts.config)
                            : parse_backtest_config(kDefaultConfig, "config/meridian.toml");
    if (!file) return file.error();
    const RunSettings& rs = file->run;
    auto sys = std::make_unique<System>();
    sys->local = std::move(local);
    sys->remote = std::move(remote);
    std::vector<core::Symbol> symbols = !opts.symbols.empty() ? opts.symbols : rs.symbols;
    if (symbols.empty()) symbols = {core::Symbol::parse("AAPL").value()};
    std::vector<engine::Bar> replay;
    std::string replay_timeframe = "1Min";
    std::optional<double> replay_speed;
    if (opts.feed == "replay") {
        auto bars = load_bars(opts.replay, engine::BarsCsvOptions{});
        if (!bars) return bars.error();
        replay = std::move(*bars);
        std::set<core::Symbol> seen;
        symbols.clear();
        for (const auto& b : replay) {
            if (seen.insert(b.symbol).second) symbols.push_back(b.symbol);
        }
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
    sys->symbols = symbols;

    // Every connection opened before any thread starts, so that a bad store is reported at
    // once. Each local service uses its own connections on its own thread.
    auto conn = [&](std::string_view purpose,
                    std::string_view owner) -> core::Result<store::Store*> {
        if (!sys->is_local(owner) && sys->idle) return sys->idle;
        auto s = opener(purpose);
        if (!s) return s.error();
        sys->stores.push_back(std::move(*s));
        if (!sys->is_local(owner)) sys->idle = sys->stores.back().get();
        return sys->stores.back().get();
    };
    struct Slot {
        const char* purpose;
        const char* owner;
    };
    static constexpr Slot slots[] = {
        {"state", "gateway"},    {"state", "risk"},          {"orders", "execution"},
        {"orders", "execution"}, {"orders", "positions"},    {"history", "positions"},
        {"history", "history"},  {"state", "gateway"},       {"state", "gateway"},
        {"state", "config"},     {"orders", "analytics"},    {"history", "analytics"},
        {"state", "signals"},    {"state", "notifications"}, {"history", "signals"},
        {"history", "analytics"}};
    std::vector<store::Store*> c;
    for (const auto& slot : slots) {
        auto s = conn(slot.purpose, slot.owner);
        if (!s) return s.error();
        c.push_back(*s);
    }

    if (sys->is_local("gateway")) {
        if (auto all = c[0]->keys(); all && all->empty()) {
            const auto k = services::generate_key();
            if (auto ok = c[0]->add_key(
                    {k.id, k.hash, "admin", "created on first start", clock.now(), std::nullopt});
                !ok) {
                return ok.error();
            }
            sys->first_key = k.secret;
        }
    }

    std::optional<alpaca::Settings> alpaca_settings;
    if (opts.broker == "alpaca" || opts.feed == "alpaca") {
        auto settings = load_alpaca_settings(file->alpaca);
        if (!settings) {
            return core::invalid(std::string{opts.broker == "alpaca" ? "--broker" : "--feed"} +
                                 " alpaca: " + settings.error().message);
        }
        alpaca_settings = *settings;
    }
    StartingBook book{rs.cash.value_or(core::Money::from_units(100'000)), {}};
    if (opts.broker == "alpaca") {
        book = alpaca_starting_book(*alpaca_settings, *c[9], *c[2], book.cash);
    }
    const core::Money cash = book.cash;
    services::ExecutionConfig ec;
    ec.starting_cash = cash;
    ec.opening = book.opening;
    ec.multiplier = 2;  // a Reg T margin account, as Alpaca's paper accounts are
    ec.symbols = symbols;
    if (opts.broker == "alpaca") ec.broker_factory = alpaca::broker_factory(*alpaca_settings);
    services::PositionsConfig pc;
    pc.starting_cash = cash;
    pc.multiplier = ec.multiplier;
    pc.opening = book.opening;
    services::RiskConfig rc;
    rc.limits = file->backtest.risk;
    if (rs.stale_after_seconds) rc.stale_after = std::chrono::seconds(*rs.stale_after_seconds);
    services::SignalsConfig sc;
    for (const auto& st : file->strategies) {
        services::StrategySpec spec;
        spec.kind = st.kind;
        spec.id = st.name.empty() ? st.kind : st.name;
        // The built-in config's strategies trade whatever the market has (its symbols name the
        // simulated market's); a config file's strategies trade what it says.
        spec.symbols = st.symbols.empty() || !opts.config ? symbols : st.symbols;
        spec.params = st.params;
        sc.strategies.push_back(std::move(spec));
    }
    services::MarketDataConfig mc;
    mc.symbols = symbols;
    mc.seed = rs.seed.value_or(7);
    mc.speed = opts.speed.value_or(replay_speed.value_or(rs.speed.value_or(1)));
    mc.replay = std::move(replay);
    mc.replay_timeframe = replay_timeframe;
    if (rs.volatility) mc.volatility = *rs.volatility;
    if (rs.quotes_per_minute) mc.quotes_per_minute = *rs.quotes_per_minute;
    if (rs.regular_hours) mc.regular_hours = *rs.regular_hours;
    if (opts.feed == "alpaca") mc.feed = alpaca::feed_factory(*alpaca_settings);
    sys->speed = mc.speed;
    services::GatewayConfig gc;
    gc.server.bind = opts.bind.value_or(rs.bind.value_or("127.0.0.1"));
    gc.server.port = opts.port.value_or(rs.port.value_or(8000));
    if (rs.max_connections) gc.server.max_connections = *rs.max_connections;
    if (rs.rate_limit_per_minute) gc.rate_limit_per_minute = *rs.rate_limit_per_minute;
    if (rs.metrics_public) gc.metrics_public = *rs.metrics_public;
    gc.remote = sys->remote;

    // Live changes saved through PATCH /config win over the file.
    const auto saved = services::ConfigService::saved_changes(*c[9]);
    if (const auto* v = saved.if_contains("rate_limit_per_minute")) {
        gc.rate_limit_per_minute = v->to_number<std::uint32_t>();
    }
    if (const auto* v = saved.if_contains("stale_after_seconds")) {
        rc.stale_after = std::chrono::seconds(v->to_number<std::int64_t>());
    }
    boost::json::array symbol_list;
    for (const auto& sym : symbols) {
        symbol_list.push_back(boost::json::value(sym.str()));
    }
    const boost::json::object effective{
        {"symbols", std::move(symbol_list)},
        {"speed", mc.speed},
        {"cash", cash.to_string()},
        {"seed", mc.seed},
        {"bind", gc.server.bind},
        {"port", gc.server.port},
        {"data_dir", opts.store ? std::string{} : opts.data_dir},
        {"bus", opts.bus ? redacted(*opts.bus) : "inproc"},
        {"store", opts.store ? redacted(*opts.store) : "sqlite"},
        {"broker", opts.broker},
        {"alpaca_trading_url",
         alpaca_settings ? alpaca_settings->trading.host + ":" + alpaca_settings->trading.port
                         : std::string{}},
        {"feed", opts.feed},
        {"max_connections", gc.server.max_connections},
        {"rate_limit_per_minute", gc.rate_limit_per_minute},
        {"stale_after_seconds",
         std::chrono::duration_cast<std::chrono::seconds>(rc.stale_after).count()},
        {"metrics_public", gc.metrics_public}};

    sys->discovery =
        std::make_unique<services::DiscoveryService>(bus, clock, metrics, kServiceNames);
    sys->risk = std::make_unique<services::RiskService>(bus, clock, metrics, *c[1], rc);
    sys->execution =
        std::make_unique<services::ExecutionService>(bus, clock, metrics, *c[2], *c[3], ec);
    sys->positions =
        std::make_unique<services::PositionsService>(bus, clock, metrics, *c[4], *c[5], pc);
    sys->history = std::make_unique<services::HistoryService>(bus, clock, metrics, *c[6]);
    sys->signals =
        std::make_unique<services::SignalsService>(bus, clock, metrics, *c[12], *c[14], sc);
    services::AnalyticsConfig ac;
    ac.starting_cash = cash;
    sys->analytics = std::make_unique<services::AnalyticsService>(bus, clock, metrics, *c[10],
                                                                  *c[11], *c[15], ac);
    sys->notifications =
        std::make_unique<services::NotificationsService>(bus, clock, metrics, *c[13]);
    sys->config = std::make_unique<services::ConfigService>(bus, clock, metrics, *c[9], effective);
    sys->marketdata = std::make_unique<services::MarketDataService>(bus, clock, metrics, mc);
    System* raw = sys.get();
    sys->gateway = std::make_unique<services::GatewayService>(
        bus, clock, metrics, sys->router, *c[0], *c[7], *c[8], gc, [raw](std::string_view name) {
            for (auto* s : raw->all) {
                if (!name.empty() && s->name() != name) continue;
                const bool up = raw->is_local(s->name())
                                    ? s->ready()
                                    : raw->remote && raw->remote->ready(s->name());
                if (!up) return false;
            }
            return true;
        });
    sys->all = {sys->discovery.get(),  sys->config.get(),        sys->risk.get(),
                sys->execution.get(),  sys->positions.get(),     sys->history.get(),
                sys->analytics.get(),  sys->notifications.get(), sys->signals.get(),
                sys->marketdata.get(), sys->gateway.get()};

    // The routes this process answers: its own services' directly, the others' (when it is
    // the gateway of services in other processes) forwarded.
    if (sys->remote) sys->remote->attach(sys->gateway->executor());
    net::Router collected;
    for (auto* s : sys->all) {
        s->add_routes(collected);
    }
    for (const auto& route : collected.routes()) {
        if (sys->is_local(route.service)) {
            sys->router.add(route);
        } else if (sys->remote) {
            sys->router.add(sys->remote->proxied(route));
        }
    }
    return sys;
}

/// Blocks SIGINT and SIGTERM in every thread started after this; wait_for_stop() takes them.
sigset_t block_stop_signals() {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    return stop_signals;
}

}  // namespace

int run_run_command(Args args, std::ostream& out, std::ostream& err) {
    auto opts = parse_run_args(args, false);
    if (!opts) {
        err << "meridian run: " << opts.error().message << "\n" << run_usage << "\n";
        return 2;
    }
    core::SystemClock clock;
    bus::InProcBus bus{clock};
    services::Metrics metrics;
    const std::string dir = opts->data_dir;
    auto sys = build_system(
        *opts, bus, clock, metrics,
        [&dir](std::string_view purpose) -> core::Result<std::unique_ptr<store::Store>> {
            auto s = open_store(dir, purpose);
            if (!s) return s.error();
            return std::unique_ptr<store::Store>{std::move(*s)};
        },
        {kServiceNames.begin(), kServiceNames.end()}, nullptr);
    if (!sys) {
        err << "meridian run: " << sys.error().message << "\n";
        return 1;
    }
    System& s = **sys;
    // Signals are taken by sigwait below, never by a handler on some service's thread.
    sigset_t stop_signals = block_stop_signals();

    // Consumers first, the market last, so that no event is published before its readers exist.
    for (auto* svc : s.all) {
        if (svc != s.marketdata.get()) svc->start();
    }
    auto port = s.gateway->listen();
    if (!port) {
        err << "meridian run: " << port.error().message << "\n";
        for (auto it = s.all.rbegin(); it != s.all.rend(); ++it) {
            (*it)->stop();
        }
        return 1;
    }
    s.marketdata->start();

    out << "meridian " << services::kServiceVersion << ": every service in one process; state in "
        << opts->data_dir << "/{orders,state,history}.db\n"
        << "market: " << s.symbols.size()
        << (opts->feed == "replay"
                ? " symbols replayed from " + std::to_string(opts->replay.size()) + " file(s)"
            : opts->feed == "alpaca" ? std::string{" symbols live from Alpaca,"}
                                     : std::string{" simulated symbols, around the clock,"})
        << " at " << s.speed << "x speed; broker: " << opts->broker << "\n";
    if (s.first_key) {
        out << "admin API key (shown once; only its hash is kept):\n" << *s.first_key << "\n";
    }
    const std::string bind = opts->bind.value_or("127.0.0.1");
    out << "listening on http://" << bind << ":" << *port
        << " (API docs at /docs, health at /health)" << std::endl;

    int sig = 0;
    sigwait(&stop_signals, &sig);
    out << "stopping (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ")..." << std::endl;
    s.gateway->stop_listening();
    s.marketdata->stop();  // no more ticks: nothing new to work
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // requests in flight finish
    for (auto it = s.all.rbegin(); it != s.all.rend(); ++it) {
        (*it)->stop();
    }
    out << "stopped" << std::endl;
    return 0;
}

int run_serve_command(Args args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0].starts_with("--")) {
        err << "meridian serve: which service?\n" << serve_usage << "\n";
        return 2;
    }
    const std::string service{args[0]};
    if (!kServicePorts.contains(service)) {
        err << "meridian serve: no service '" << service << "' (one of gateway, positions, "
            << "execution, signals, risk, marketdata, history, analytics, notifications, config, "
               "discovery)\n";
        return 2;
    }
    auto opts = parse_run_args(args.subspan(1), true);
    if (!opts) {
        err << "meridian serve: " << opts.error().message << "\n" << serve_usage << "\n";
        return 2;
    }
    if (opts->token.empty()) {
        if (const char* env = std::getenv("MERIDIAN_INTERNAL_TOKEN")) opts->token = env;
    }
    const std::uint16_t port = opts->port.value_or(kServicePorts.find(service)->second);
    opts->port = port;
    std::set<std::string> local{service};
    if (service == "gateway" && !opts->alone) local.insert({"config", "discovery"});

    core::SystemClock clock;
    services::Metrics metrics;
    std::unique_ptr<bus::Bus> bus;
    if (opts->bus) {
        auto endpoint = redis::parse_url(*opts->bus);
        if (!endpoint) {
            err << "meridian serve: --bus: " << endpoint.error().message << "\n";
            return 2;
        }
        redis::RedisBusConfig bc;
        bc.endpoint = *endpoint;
        bus = std::make_unique<redis::RedisBus>(bc, clock);
    } else {
        err << "meridian serve: --bus redis://HOST:PORT is needed: services in separate processes "
               "talk over Redis\n";
        return 2;
    }
    StoreOpener opener;
    if (opts->store) {
        opener =
            [url = *opts->store](std::string_view) -> core::Result<std::unique_ptr<store::Store>> {
            auto s = adapters::postgres::PostgresStore::open(url);
            if (!s) return s.error();
            return std::unique_ptr<store::Store>{std::move(*s)};
        };
    } else {
        opener = [dir = opts->data_dir](
                     std::string_view purpose) -> core::Result<std::unique_ptr<store::Store>> {
            auto s = open_store(dir, purpose);
            if (!s) return s.error();
            return std::unique_ptr<store::Store>{std::move(*s)};
        };
    }
    std::shared_ptr<services::RemoteServices> remote;
    if (service == "gateway") {
        remote = std::make_shared<services::RemoteServices>(clock, opts->token);
    }
    auto sys = build_system(*opts, *bus, clock, metrics, opener, local, remote);
    if (!sys) {
        err << "meridian serve " << service << ": " << sys.error().message << "\n";
        return 1;
    }
    System& s = **sys;
    sigset_t stop_signals = block_stop_signals();

    const std::string bind = opts->bind.value_or("127.0.0.1");
    std::unique_ptr<services::ServiceServer> server;
    std::uint16_t bound = 0;
    auto fail = [&](const core::Error& e) {
        err << "meridian serve " << service << ": " << e.message << "\n";
        for (auto it = s.all.rbegin(); it != s.all.rend(); ++it) {
            if (s.is_local((*it)->name())) (*it)->stop();
        }
        return 1;
    };
    auto advertised = [&](std::uint16_t p) {
        return opts->advertise.value_or("http://" +
                                        (bind == "0.0.0.0" ? std::string{"127.0.0.1"} : bind) +
                                        ":" + std::to_string(p));
    };
    if (service == "gateway") {
        for (auto* svc : s.all) {
            if (s.is_local(svc->name())) {
                if (port != 0) svc->set_address(advertised(port));
                svc->start();
            }
        }
        auto p = s.gateway->listen();
        if (!p) return fail(p.error());
        bound = *p;
    } else {
        services::Service* svc = s.find(service);
        net::ServerOptions so;
        so.bind = bind;
        so.port = port;
        server = std::make_unique<services::ServiceServer>(
            s.router, metrics, opts->token, [svc] { return svc->ready(); }, so);
        auto p = server->listen();
        if (!p) return fail(p.error());
        bound = *p;
    }
    for (auto* svc : s.all) {
        if (s.is_local(svc->name())) svc->set_address(advertised(bound));
    }
    if (service != "gateway") {
        for (auto* svc : s.all) {
            if (s.is_local(svc->name())) svc->start();
        }
    }

    out << "meridian serve " << service << " " << services::kServiceVersion << ": bus "
        << redacted(*opts->bus) << ", store "
        << (opts->store ? redacted(*opts->store) : opts->data_dir + " (SQLite)") << "\n";
    if (s.first_key) {
        out << "admin API key (shown once; only its hash is kept):\n" << *s.first_key << "\n";
    }
    out << "listening on http://" << bind << ":" << bound << std::endl;

    int sig = 0;
    sigwait(&stop_signals, &sig);
    out << "stopping (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ")..." << std::endl;
    if (server) server->stop();
    if (service == "gateway") s.gateway->stop_listening();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // requests in flight finish
    for (auto it = s.all.rbegin(); it != s.all.rend(); ++it) {
        if (s.is_local((*it)->name())) (*it)->stop();
    }
    if (auto flushed = bus->flush(std::chrono::seconds(5)); !flushed) {
        err << "meridian serve " << service << ": " << flushed.error().message << "\n";
    }
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
    std::string store_url;
    std::string role;
    std::string label;
    std::string id;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        if (flag == "--data-dir" || flag == "--role" || flag == "--label" || flag == "--store") {
            if (i + 1 >= args.size()) {
                err << "meridian keys: " << flag << " needs a value\n";
                return 2;
            }
            const std::string v{args[++i]};
            (flag == "--data-dir" ? data_dir
             : flag == "--role"   ? role
             : flag == "--store"  ? store_url
                                  : label) = v;
        } else if (verb == "revoke" && id.empty() && !flag.starts_with("--")) {
            id = std::string{flag};
        } else {
            err << "meridian keys: unknown option " << flag << "\n" << keys_usage << "\n";
            return 2;
        }
    }
    auto store = open_any_store(store_url, data_dir, "state");
    if (!store) {
        err << "meridian keys: " << store.error().message << "\n";
        return 1;
    }
    const std::string where = store_url.empty() ? data_dir + "/state.db" : redacted(store_url);
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
        out << "created key " << k.id << " (role " << role << ") in " << where
            << "; the key, shown once:\n"
            << k.secret << "\n";
        return 0;
    }
    if (verb == "list") {
        auto keys = (*store)->keys();
        if (!keys) {
            err << "meridian keys: " << keys.error().message << "\n";
            return 1;
        }
        for (const auto& k : *keys) {
            out << k.id << "  " << k.role << "  " << k.created_at.to_iso8601()
                << (k.revoked_at ? "  revoked" : "") << (k.label.empty() ? "" : "  " + k.label)
                << "\n";
        }
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

int run_history_command(Args args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] != "fetch") {
        err << history_usage << "\n";
        return 2;
    }
    std::vector<core::Symbol> symbols;
    std::string timeframe;
    std::optional<core::Timestamp> start;
    std::optional<core::Timestamp> end;
    std::string data_dir = "var";
    std::string store_url;
    std::optional<std::string> config;
    auto pairs = flag_values(args.subspan(1));
    if (!pairs) {
        err << "meridian history fetch: " << pairs.error().message << "\n";
        return 2;
    }
    // What the history store keeps; coarser bars are aggregated from these when read.
    static const std::set<std::string> timeframes{"1Min", "1Day"};
    for (const auto& [flag, value] : *pairs) {
        const std::string_view option = flag;  // clang 14 cannot capture a structured binding
        auto fail = [&](const std::string& why) {
            err << "meridian history fetch: " << option << ": " << why << "\n";
            return 2;
        };
        if (flag == "--symbols") {
            auto s = core::parse_symbols(value);
            if (!s) return fail(s.error().message);
            symbols = std::move(*s);
        } else if (flag == "--timeframe") {
            if (!timeframes.contains(value)) {
                return fail("1Min or 1Day (got '" + value +
                            "'): the history store keeps those, and serves coarser bars "
                            "aggregated from them");
            }
            timeframe = value;
        } else if (flag == "--start" || flag == "--end") {
            auto t = core::Timestamp::parse(value);
            if (!t) return fail(t.error().message);
            (flag == "--start" ? start : end) = *t;
        } else if (flag == "--data-dir") {
            data_dir = value;
        } else if (flag == "--store") {
            store_url = value;
        } else if (flag == "--config") {
            config = value;
        } else {
            err << "meridian history fetch: unknown option " << flag << "\n"
                << history_usage << "\n";
            return 2;
        }
    }
    if (symbols.empty() || timeframe.empty() || !start) {
        err << "meridian history fetch: --symbols, --timeframe and --start are required\n"
            << history_usage << "\n";
        return 2;
    }
    core::SystemClock clock;
    if (!end) {
        end = clock.now();
    } else if (end->ns() % core::Duration::days(1).ns == 0) {
        end = *end + core::Duration::days(1) - core::Duration::seconds(1);  // a date: all of it
    }
    if (*end < *start) {
        err << "meridian history fetch: --end is before --start\n";
        return 2;
    }
    std::map<std::string, std::string> table;
    if (config) {
        auto file = load_backtest_config(*config);
        if (!file) {
            err << "meridian history fetch: " << file.error().message << "\n";
            return 2;
        }
        table = file->alpaca;
    }
    auto settings = load_alpaca_settings(table);
    if (!settings) {
        err << "meridian history fetch: " << settings.error().message << "\n";
        return 2;
    }
    auto store = open_any_store(store_url, data_dir, "history");
    if (!store) {
        err << "meridian history fetch: " << store.error().message << "\n";
        return 1;
    }
    boost::asio::io_context ioc;
    alpaca::DataClient data{ioc.get_executor(), *settings};
    std::size_t total = 0;
    std::map<core::Symbol, std::size_t> per_symbol;
    std::optional<core::Error> failure;
    const double span = static_cast<double>((*end - *start).ns);
    auto progress = [&](const engine::Bar& last) {
        // Pages come symbol by symbol (in order), each in time order.
        std::size_t index = 0;
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            if (symbols[i] == last.symbol) index = i;
        }
        const double within = span > 0 ? static_cast<double>((last.ts - *start).ns) / span : 1.0;
        const double done = (static_cast<double>(index) + std::clamp(within, 0.0, 1.0)) /
                            static_cast<double>(symbols.size());
        const int width = 30;
        const int filled = static_cast<int>(done * width);
        err << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
            << std::string(static_cast<std::size_t>(width - filled), '.') << "] "
            << static_cast<int>(done * 100) << "% " << last.symbol.str() << " "
            << last.ts.to_iso8601().substr(0, 10) << ", " << total << " bars" << std::flush;
    };
    std::sort(symbols.begin(), symbols.end());
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
            auto ok = co_await data.bars(
                symbols, timeframe, *start, *end, [&](const std::vector<engine::Bar>& page) {
                    if (failure || page.empty()) return;
                    std::vector<store::StoredBar> rows;
                    rows.reserve(page.size());
                    for (const auto& b : page) {
                        rows.push_back(store::StoredBar{b.symbol, timeframe, b.ts, b.open, b.high,
                                                        b.low, b.close, b.volume, b.vwap,
                                                        b.trade_count});
                        ++per_symbol[b.symbol];
                    }
                    if (auto put = (*store)->put_bars(rows); !put) {
                        failure = put.error();
                        return;
                    }
                    total += page.size();
                    progress(page.back());
                });
            if (!ok && !failure) failure = ok.error();
        },
        boost::asio::detached);
    ioc.run();
    err << "\n";
    if (failure) {
        err << "meridian history fetch: " << failure->message << " (" << total
            << " bars were stored; run it again to finish)\n";
        return 1;
    }
    for (const auto& sym : symbols) {
        out << sym.str() << ": " << per_symbol[sym] << " " << timeframe << " bars\n";
    }
    out << total << " bars stored in "
        << (store_url.empty() ? data_dir + "/history.db" : redacted(store_url)) << "\n";
    return 0;
}

}  // namespace meridian::app
