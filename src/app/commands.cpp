// The subcommand table (`{"version", run_version, "..."}`) and dispatch, like redis-server's roles.
#include "app/commands.hpp"

#include <array>
#include <ostream>

#include "app/backtest_command.hpp"
#include "app/generate_command.hpp"
#include "app/indicators_command.hpp"
#include "app/optimize_command.hpp"
#include "app/run_command.hpp"
#include "app/version.hpp"

namespace meridian::app {
namespace {

int run_version(Args args, std::ostream& out, std::ostream& err) {
    if (!args.empty()) {
        err << "meridian version: takes no arguments\n";
        return 2;
    }
    out << "meridian " << version() << " (commit " << git_commit() << ")\n";
    return 0;
}

int run_help(Args args, std::ostream& out, std::ostream& err);

const std::array command_table{
    Command{"run", run_run_command,
            "run the trading system: every service in one process, paper trading by default",
            run_usage},
    Command{"serve", run_serve_command,
            "run one service as its own process, over Redis Streams and PostgreSQL", serve_usage},
    Command{"keys", run_keys_command, "create, list and revoke API keys", keys_usage},
    Command{"history", run_history_command, "download bars from Alpaca into the history store",
            history_usage},
    Command{"backtest", run_backtest_command,
            "run strategies over recorded bars with the simulated broker", backtest_usage},
    Command{"optimize", run_optimize_command,
            "backtest a strategy's parameter grid across cores and rank the results",
            optimize_usage},
    Command{"indicators", run_indicators_command,
            "compute indicators (SMA, EMA, RSI, MACD, ...) for every bar of a file",
            indicators_usage},
    Command{"generate", run_generate_command,
            "write a seeded synthetic market (random-walk bars) for any symbols", generate_usage},
    Command{"version", run_version, "print the version and the git commit it was built from",
            "usage: meridian version"},
    Command{"help", run_help, "list the commands", "usage: meridian help"},
};

int run_help(Args /*args*/, std::ostream& out, std::ostream& /*err*/) {
    out << "Meridian: automated trading for US equities on Alpaca.\n\n"
        << "usage: meridian <command> [options]\n\ncommands:\n";
    for (const auto& c : command_table) {
        out << "  " << c.name << std::string(12 - c.name.size(), ' ') << c.summary << '\n';
    }
    out << "\n`meridian <command> --help` describes a command's options.\n";
    return 0;
}

}  // namespace

core::Result<std::vector<std::pair<std::string_view, std::string>>> flag_values(Args args) {
    std::vector<std::pair<std::string_view, std::string>> out;
    for (std::size_t i = 0; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) return core::invalid(std::string{args[i]} + " needs a value");
        out.emplace_back(args[i], std::string{args[i + 1]});
    }
    return out;
}

std::span<const Command> commands() noexcept {
    return command_table;
}

int dispatch(Args argv, std::ostream& out, std::ostream& err) {
    if (argv.size() < 2) {
        run_help({}, err, err);
        return 2;
    }
    const std::string_view name = argv[1];
    if (name == "--help" || name == "-h") return run_help({}, out, err);
    if (name == "--version") return run_version({}, out, err);
    for (const auto& c : command_table) {
        if (c.name != name) continue;
        const auto rest = argv.subspan(2);
        if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
            out << c.summary << "\n\n" << c.usage << '\n';
            return 0;
        }
        return c.run(rest, out, err);
    }
    err << "meridian: unknown command '" << name << "' (see `meridian --help`)\n";
    return 2;
}

}  // namespace meridian::app
