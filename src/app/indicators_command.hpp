// `meridian indicators`: indicator values for every bar of a file, as CSV.
#pragma once

#include "app/commands.hpp"

namespace meridian::app {

int run_indicators_command(Args args, std::ostream& out, std::ostream& err);
extern const char* const indicators_usage;

}  // namespace meridian::app
