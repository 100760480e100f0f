// `meridian run` (every service in one process) and `meridian keys` (API keys).
#pragma once

#include <string_view>

#include "app/commands.hpp"

namespace meridian::app {

int run_run_command(Args args, std::ostream& out, std::ostream& err);
int run_serve_command(Args args, std::ostream& out, std::ostream& err);
int run_keys_command(Args args, std::ostream& out, std::ostream& err);
int run_history_command(Args args, std::ostream& out, std::ostream& err);

inline constexpr std::string_view run_usage = R"(usage: meridian run [options]
  --config FILE     settings, risk limits and strategies (default: the built-in config/meridian.toml)
  --data-dir DIR    where state is kept (SQLite, WAL); created if missing (default ./var)
  --port N          the gateway's port (default 8000; 0 picks a free one)
  --bind ADDR       the address to listen on (default 127.0.0.1)
  --symbols A,B,... the symbols the simulated market trades
  --speed X         market seconds per second (default 1)
  --broker NAME     paper (the simulated broker, default) or alpaca (Alpaca's Trading API)
  --feed NAME       simulated (a seeded random market, default), replay, or alpaca (Alpaca's
                    real-time stream); alpaca reads APCA_API_KEY_ID and APCA_API_SECRET_KEY
                    (and APCA_API_BASE_URL..., or the config's [alpaca] table); paper host
                    unless MERIDIAN_ALPACA_LIVE=true
  --replay FILE     replay recorded bars instead (repeatable; any file `meridian backtest`
                    reads), a bar a second unless --speed says otherwise
Prints the address and, on first start, an admin API key. SIGTERM or Ctrl-C stops it cleanly.)";

inline constexpr std::string_view serve_usage =
    R"(usage: meridian serve <service> --bus redis://HOST:PORT [--store postgresql://...] [options]
  <service>         gateway (with config and discovery), positions, execution, signals, risk,
                    marketdata, history, analytics, notifications, config or discovery
  --bus URL         the Redis server the services talk through (Redis Streams)
  --store URL       PostgreSQL (postgresql://USER[:PASSWORD]@HOST:PORT/DB); without it,
                    SQLite files in --data-dir (one machine only)
  --port N          the service's port (default: gateway 8000, positions 8001, execution 8002,
                    signals 8003, risk 8004, marketdata 8005, history 8006, analytics 8007,
                    notifications 8008, config 8009, discovery 8010)
  --bind ADDR       the address to listen on (default 127.0.0.1)
  --advertise URL   the address other processes reach this one at (default http://BIND:PORT)
  --internal-token T  the secret the gateway and services share (or MERIDIAN_INTERNAL_TOKEN);
                    without one, services trust only loopback peers
  --alone true      gateway only: config and discovery run as their own processes
  --config, --symbols, --speed, --broker, --feed, --replay, --data-dir: as `meridian run`
Every process of a cluster takes the same config and market options.)";

inline constexpr std::string_view keys_usage =
    R"(usage: meridian keys create --role viewer|trader|admin [--label TEXT] [--data-dir DIR]
       meridian keys list [--data-dir DIR]
       meridian keys revoke ID [--data-dir DIR]
--store postgresql://... instead of --data-dir: the keys of a cluster (`meridian serve`).
`create` prints the new key alone on its last line; only its SHA-256 is stored. Works on an
empty data directory and while `meridian run` runs.)";

inline constexpr std::string_view history_usage =
    R"(usage: meridian history fetch --symbols A,B,... --timeframe TF --start DATE [--end DATE]
                              [--data-dir DIR | --store postgresql://...] [--config FILE]
  --timeframe TF    1Min or 1Day (the history routes aggregate coarser bars from them)
  --start, --end    YYYY-MM-DD or RFC 3339 (inclusive; --end defaults to now)
Downloads bars from Alpaca's Market Data API (APCA_API_KEY_ID, APCA_API_SECRET_KEY,
APCA_API_DATA_URL, APCA_DATA_FEED) into the history store, page by page, with a progress bar.
Bars already there are replaced, so a fetch can be repeated or resumed.)";

}  // namespace meridian::app
