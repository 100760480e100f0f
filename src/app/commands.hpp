// The subcommand table of the meridian binary and its dispatcher.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace meridian::app {

/// Arguments after the subcommand name.
using Args = std::span<const std::string_view>;

/// One subcommand: `meridian <name> args...`. run returns the process exit code
/// (0 success, 1 failure, 2 usage error).
struct Command {
    std::string_view name;
    int (*run)(Args args, std::ostream& out, std::ostream& err);
    std::string_view summary;
    std::string_view usage;  // options, one per line, shown by `meridian <name> --help`
};

/// `--flag value` pairs, in order, for commands whose every flag takes a value. Error
/// (InvalidArgument): "--flag needs a value".
core::Result<std::vector<std::pair<std::string_view, std::string>>> flag_values(Args args);

/// Every subcommand, in the order --help lists them.
std::span<const Command> commands() noexcept;

/// Runs `meridian argv[1] argv[2..]`: --help/-h/help lists the commands; `<command> --help`
/// describes one; an unknown command is a usage error (exit 2) that names the command.
int dispatch(Args argv, std::ostream& out, std::ostream& err);

}  // namespace meridian::app
