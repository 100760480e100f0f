// `meridian run` (every service in one process) and `meridian keys` (API keys).
#pragma once

#include <string_view>

#include "app/commands.hpp"

namespace meridian::app {

int run_run_command(Args args, std::ostream& out, std::ostream& err);
int run_keys_command(Args args, std::ostream& out, std::ostream& err);

inline constexpr std::string_view run_usage = R"(usage: meridian run [options]
  --config FILE     settings, risk limits and strategies (default: the built-in config/meridian.toml)
  --data-dir DIR    where state is kept (SQLite, WAL); created if missing (default ./var)
  --port N          the gateway's port (default 8000; 0 picks a free one)
  --bind ADDR       the address to listen on (default 127.0.0.1)
  --symbols A,B,... the symbols the simulated market trades
  --speed X         market seconds per second (default 1)
  --broker paper    the broker adapter (paper: the simulated broker)
  --feed simulated  the market data adapter (simulated: a seeded random market)
  --replay FILE     replay recorded bars instead (repeatable; any file `meridian backtest`
                    reads), a bar a second unless --speed says otherwise
Prints the address and, on first start, an admin API key. SIGTERM or Ctrl-C stops it cleanly.)";

inline constexpr std::string_view keys_usage =
    R"(usage: meridian keys create --role viewer|trader|admin [--label TEXT] [--data-dir DIR]
       meridian keys list [--data-dir DIR]
       meridian keys revoke ID [--data-dir DIR]
`create` prints the new key alone on its last line; only its SHA-256 is stored. Works on an
empty data directory and while `meridian run` runs.)";

}  // namespace meridian::app
