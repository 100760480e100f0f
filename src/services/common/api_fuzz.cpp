// libFuzzer target: what the API reads from outside bytes (request targets, JSON bodies for
// orders, replaces, risk limits, fills, quotes, bars, and bearer tokens). Errors are fine;
// crashes are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/http.hpp"
#include "services/common/codec.hpp"
#include "services/gateway/auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace core = meridian::core;
    namespace engine = meridian::engine;
    namespace net = meridian::net;
    namespace services = meridian::services;
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    std::string path;
    std::map<std::string, std::string> query;
    (void)net::parse_target(text, path, query);
    (void)services::verify_jwt(text, "secret", core::Timestamp::from_ns(0));
    auto body = services::parse_object(text);
    if (!body) return 0;
    (void)services::order_request_from_json(*body);
    if (auto change = services::order_change_from_json(*body)) {
        core::OrderRequest trailing;
        trailing.symbol = core::Symbol::parse("AAPL").value();
        trailing.qty = core::Quantity::from_units(10);
        trailing.type = core::OrderType::TrailingStop;
        trailing.trail_percent = core::Price::from_units(5);
        (void)core::changed(trailing, *change);
    }
    (void)services::risk_limits_from_json(*body, engine::RiskLimits{});
    (void)services::fill_from_json(*body);
    (void)services::quote_from_json(*body);
    (void)services::bar_from_json(*body);
    return 0;
}
