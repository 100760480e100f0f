// libFuzzer target: CSV bar files. Errors are fine; crashes and broken invariants are not.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "engine/bars_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    meridian::engine::BarsCsvOptions options;
    options.symbol = meridian::core::Symbol::parse("FUZZ").value();
    if (auto quotes = meridian::engine::parse_quotes_csv(text, "fuzz.csv", options)) {
        for (const auto& q : *quotes) {
            if (q.bid > q.ask || q.bid.is_negative()) __builtin_trap();
        }
    }
    auto bars = meridian::engine::parse_bars_csv(text, "fuzz.csv", options);
    if (!bars) return 0;
    std::map<meridian::core::Symbol, meridian::core::Timestamp> last;
    for (const auto& b : *bars) {
        if (b.high < b.low || b.open < b.low || b.open > b.high || b.close < b.low ||
            b.close > b.high) {
            __builtin_trap();
        }
        if (!b.low.is_positive()) __builtin_trap();
        auto it = last.find(b.symbol);
        if (it != last.end() && !(it->second < b.ts)) __builtin_trap();
        last[b.symbol] = b.ts;
    }
    return 0;
}
