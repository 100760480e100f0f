// libFuzzer target: every core parser of outside text; what parses must print and parse back.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/decimal.hpp"
#include "core/ids.hpp"
#include "core/timestamp.hpp"
#include "core/types.hpp"

using namespace meridian::core;  // NOLINT(google-build-using-namespace): a fuzz entry point

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    if (auto p = Price::parse(text)) {
        if (Price::parse(p->to_string())->raw() != p->raw()) __builtin_trap();
    }
    if (auto q = Quantity::parse(text)) {
        if (Quantity::parse(q->to_string())->raw() != q->raw()) __builtin_trap();
    }
    if (auto m = Money::parse(text)) {
        if (Money::parse(m->to_string())->raw() != m->raw()) __builtin_trap();
        (void)m->to_string(2, Rounding::HalfEven);
    }
    if (auto t = Timestamp::parse(text)) {
        if (Timestamp::parse(t->to_iso8601())->ns() != t->ns()) __builtin_trap();
    }
    (void)Symbol::parse(text);
    (void)ClientOrderId::parse(text);
    (void)OrderId::parse(text);
    (void)parse_order_status(text);
    (void)parse_order_type(text);
    (void)parse_time_in_force(text);
    (void)parse_order_class(text);
    return 0;
}
