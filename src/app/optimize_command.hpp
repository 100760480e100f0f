// `meridian optimize`: a strategy's parameter grid, backtested across cores, ranked.
#pragma once

#include "app/commands.hpp"

namespace meridian::app {

int run_optimize_command(Args args, std::ostream& out, std::ostream& err);
extern const char* const optimize_usage;

}  // namespace meridian::app
