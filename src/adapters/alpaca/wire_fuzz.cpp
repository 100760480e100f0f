// Fuzzes every parser of Alpaca's bytes: REST bodies, trade_updates messages, data frames.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/alpaca/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    using meridian::alpaca::account_from_json, meridian::alpaca::api_error,
        meridian::alpaca::bars_page, meridian::alpaca::clock_from_json,
        meridian::alpaca::data_frame, meridian::alpaca::order_from_json, meridian::alpaca::parse,
        meridian::alpaca::positions_from_json, meridian::alpaca::stream_message,
        meridian::alpaca::trade_update_from_json;
    if (auto v = parse(text)) {
        (void)order_from_json(*v);
        (void)account_from_json(*v);
        (void)positions_from_json(*v);
        (void)clock_from_json(*v);
        (void)bars_page(*v);
    }
    if (auto m = stream_message(text)) (void)trade_update_from_json(m->data);
    (void)data_frame(text);
    (void)api_error(500, text);
    return 0;
}
