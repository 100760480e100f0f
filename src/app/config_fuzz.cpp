// libFuzzer target: backtest config files (TOML). Errors are fine; crashes are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    (void)meridian::app::parse_backtest_config(text, "fuzz.toml");
    return 0;
}
