// `meridian generate`: a synthetic market written as an Alpaca-style bar file.
#pragma once

#include "app/commands.hpp"

namespace meridian::app {

int run_generate_command(Args args, std::ostream& out, std::ostream& err);
extern const char* const generate_usage;

}  // namespace meridian::app
