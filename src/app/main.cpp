// Entry point of the meridian binary: hands argv to the subcommand table.
#include <iostream>
#include <string_view>
#include <vector>

#include "app/commands.hpp"

int main(int argc, char** argv) {
    std::vector<std::string_view> args(argv, argv + argc);
    return meridian::app::dispatch(args, std::cout, std::cerr);
}
