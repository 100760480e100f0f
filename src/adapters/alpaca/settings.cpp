// Alpaca settings: the environment wins over the config file.
#include "adapters/alpaca/settings.hpp"

#include <charconv>
#include <cstdlib>

namespace meridian::alpaca {

Lookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (!v || !*v) return std::nullopt;
        return std::string{v};
    };
}

core::Result<Settings> load_settings(const Lookup& env, const Lookup& config) {
    auto get = [&](const std::string& name) -> std::optional<std::string> {
        if (auto v = env(name)) return v;
        return config ? config(name) : std::nullopt;
    };
    Settings s;
    auto key = get("APCA_API_KEY_ID");
    auto secret = get("APCA_API_SECRET_KEY");
    if (!key || !secret) {
        return core::invalid(
            "Alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY (the paper account's keys)");
    }
    s.key_id = *key;
    s.secret_key = *secret;
    auto url = [&](const std::string& name, std::string fallback) -> core::Result<net::Url> {
        const auto text = get(name).value_or(std::move(fallback));
        auto u = net::Url::parse(text);
        if (!u) return core::invalid(name + ": " + u.error().message);
        return *u;
    };
    const std::string base = get("APCA_API_BASE_URL").value_or(std::string{kPaperTrading});
    auto trading = url("APCA_API_BASE_URL", base);
    if (!trading) return trading.error();
    s.trading = *trading;
    // SDKs accept the base with a trailing /v2; the paths here carry their own.
    for (std::string_view suffix : {"/v2/", "/v2", "/"}) {
        if (s.trading.target.ends_with(suffix)) {
            s.trading.target.resize(s.trading.target.size() - suffix.size());
        }
    }
    s.live = s.trading.host == "api.alpaca.markets";
    if (s.live && get("MERIDIAN_ALPACA_LIVE").value_or("") != "true") {
        return core::invalid(
            "APCA_API_BASE_URL is Alpaca's live host: real money. Set MERIDIAN_ALPACA_LIVE=true to "
            "arm live trading, or use " +
            std::string{kPaperTrading});
    }
    auto data = url("APCA_API_DATA_URL", std::string{kData});
    if (!data) return data.error();
    s.data = *data;
    if (s.data.target == "/") s.data.target.clear();
    const std::string derived = std::string{s.trading.tls ? "wss://" : "ws://"} + s.trading.host +
                                ":" + s.trading.port + s.trading.target + "/stream";
    auto stream = url("APCA_API_STREAM_URL", derived);
    if (!stream) return stream.error();
    s.trade_stream = *stream;
    s.feed = get("APCA_DATA_FEED").value_or("iex");
    if (s.feed != "iex" && s.feed != "sip" && s.feed != "delayed_sip") {
        return core::invalid("APCA_DATA_FEED must be iex, sip or delayed_sip (got '" + s.feed +
                             "')");
    }
    auto data_stream_base = get("APCA_API_DATA_STREAM_URL").value_or(std::string{kDataStream});
    while (data_stream_base.ends_with('/')) {
        data_stream_base.pop_back();
    }
    auto ds = net::Url::parse(data_stream_base + "/v2/" + s.feed);
    if (!ds) return core::invalid("APCA_API_DATA_STREAM_URL: " + ds.error().message);
    s.data_stream = *ds;
    if (auto rate = get("MERIDIAN_ALPACA_RATE_LIMIT")) {
        int n = 0;
        auto [p, ec] = std::from_chars(rate->data(), rate->data() + rate->size(), n);
        if (ec != std::errc{} || p != rate->data() + rate->size() || n < 1 || n > 100'000) {
            return core::invalid(
                "MERIDIAN_ALPACA_RATE_LIMIT must be a whole number of requests "
                "per minute from 1 to 100000");
        }
        s.requests_per_minute = n;
    }
    if (auto ca = get("MERIDIAN_ALPACA_CA_FILE")) s.tls.ca_file = *ca;
    auto seconds = [&](const std::string& name,
                       std::chrono::milliseconds& out) -> core::Result<void> {
        auto v = get(name);
        if (!v) return {};
        int n = 0;
        auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc{} || p != v->data() + v->size() || n < 1 || n > 86'400) {
            return core::invalid(name + " must be a whole number of seconds from 1 to 86400");
        }
        out = std::chrono::seconds(n);
        return {};
    };
    if (auto ok = seconds("MERIDIAN_ALPACA_RECONCILE_SECONDS", s.reconcile_every); !ok) {
        return ok.error();
    }
    if (auto ok = seconds("MERIDIAN_ALPACA_DATA_SILENCE_SECONDS", s.data_silence); !ok) {
        return ok.error();
    }
    s.data_around_the_clock = get("MERIDIAN_ALPACA_DATA_AROUND_THE_CLOCK").value_or("") == "true";
    return s;
}

}  // namespace meridian::alpaca
