// Where Alpaca is and who we are there: Alpaca's own SDK environment variables, the config file,
// and the arming switch for live trading.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "net/http_client.hpp"

namespace meridian::alpaca {

inline constexpr std::string_view kPaperTrading = "https://paper-api.alpaca.markets";
inline constexpr std::string_view kLiveTrading = "https://api.alpaca.markets";
inline constexpr std::string_view kData = "https://data.alpaca.markets";
inline constexpr std::string_view kDataStream = "wss://stream.data.alpaca.markets";

struct Settings {
    std::string key_id;
    std::string secret_key;  // never logged, never returned by the API
    net::Url trading;        // APCA_API_BASE_URL
    net::Url data;           // APCA_API_DATA_URL
    net::Url trade_stream;   // APCA_API_STREAM_URL, else the trading host's /stream
    net::Url data_stream;    // APCA_API_DATA_STREAM_URL + /v2/<feed>
    std::string feed = "iex";
    bool live = false;  // the trading host is Alpaca's live one
    int requests_per_minute = 200;
    std::chrono::milliseconds timeout{10'000};
    /// How often open orders and positions are compared with Alpaca's, stream or not.
    std::chrono::milliseconds reconcile_every{30'000};
    /// A market data stream silent this long while data is expected is made again.
    std::chrono::milliseconds data_silence{60'000};
    /// Data is expected around the clock (a test server), not only in NYSE's regular session.
    bool data_around_the_clock = false;
    net::TlsOptions tls;

    /// The auth headers every REST request carries.
    std::vector<std::pair<std::string, std::string>> auth_headers() const {
        return {{"APCA-API-KEY-ID", key_id}, {"APCA-API-SECRET-KEY", secret_key}};
    }
};

/// Values by name: APCA_API_KEY_ID, APCA_API_SECRET_KEY, APCA_API_BASE_URL, APCA_API_DATA_URL,
/// APCA_API_STREAM_URL, APCA_API_DATA_STREAM_URL, APCA_DATA_FEED, MERIDIAN_ALPACA_LIVE ("true"
/// arms the live host), MERIDIAN_ALPACA_RATE_LIMIT (requests per minute),
/// MERIDIAN_ALPACA_CA_FILE, MERIDIAN_ALPACA_RECONCILE_SECONDS,
/// MERIDIAN_ALPACA_DATA_SILENCE_SECONDS, MERIDIAN_ALPACA_DATA_AROUND_THE_CLOCK ("true").
using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Settings from `config` (the config file's [alpaca] values, same names) overridden by `env`.
/// Errors (InvalidArgument) name the setting: keys missing, a bad URL, a feed other than iex or
/// sip, or the live host without MERIDIAN_ALPACA_LIVE=true.
core::Result<Settings> load_settings(const Lookup& env, const Lookup& config);
/// The process environment as a Lookup.
Lookup process_env();

}  // namespace meridian::alpaca
