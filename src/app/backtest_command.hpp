// `meridian backtest`: recorded bars through a strategy, the simulated broker and the account.
#pragma once

#include "app/commands.hpp"

namespace meridian::app {

int run_backtest_command(Args args, std::ostream& out, std::ostream& err);
extern const char* const backtest_usage;

}  // namespace meridian::app
