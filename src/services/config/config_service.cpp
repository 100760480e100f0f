// ConfigService: validation, persistence and publication of live settings.
#include "services/config/config_service.hpp"

#include <boost/json.hpp>

#include "services/common/codec.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

namespace {

constexpr const char* kPrefix = "config/";

/// The settings a running system takes without a restart, and their valid ranges.
core::Result<void> check_live(std::string_view key, const json::value& v) {
    auto whole = [&](std::int64_t lo, std::int64_t hi) -> core::Result<void> {
        if (!v.is_int64() && !v.is_uint64()) {
            return core::invalid(std::string{key} + ": must be a whole number");
        }
        const auto n = v.to_number<std::int64_t>();
        if (n < lo || n > hi) {
            return core::invalid(std::string{key} + ": must be from " + std::to_string(lo) +
                                 " to " + std::to_string(hi));
        }
        return {};
    };
    if (key == "rate_limit_per_minute") return whole(1, 100'000'000);
    if (key == "stale_after_seconds") return whole(1, 86'400);
    return core::Error{core::Errc::IllegalState, std::string{key}};
}

}  // namespace

ConfigService::ConfigService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                             store::SettingsStore& settings, json::object effective)
    : Service{"config", bus, clock, metrics}, settings_{settings}, config_{std::move(effective)} {}

json::object ConfigService::saved_changes(store::SettingsStore& settings) {
    json::object out;
    if (auto saved = settings.scan(kPrefix)) {
        for (const auto& [key, text] : *saved) {
            boost::system::error_code ec;
            auto v = json::parse(text, ec);
            const std::string name = key.substr(std::string_view{kPrefix}.size());
            if (!ec && check_live(name, v)) out[name] = v;
        }
    }
    return out;
}

void ConfigService::on_start() {
    for (const auto& kv : saved_changes(settings_)) {
        config_[kv.key()] = kv.value();
    }
    set_ready(true);
}

void ConfigService::add_routes(net::Router& router) {
    route(router, "GET", "/config", Role::Viewer, "The running configuration",
          [this](Request&) { return Response::json(200, config_); });
    route(router, "PATCH", "/config", Role::Admin,
          "Change settings live where safe (rate_limit_per_minute, stale_after_seconds); "
          "others are refused with the reason",
          [this](Request& req) {
              auto body = parse_object(req.body);
              if (!body) return Response::error(400, body.error().message);
              if (body->empty()) return Response::error(422, "nothing to change");
              for (const auto& kv : *body) {
                  auto ok = check_live(kv.key(), kv.value());
                  if (ok) continue;
                  if (ok.error().code == core::Errc::InvalidArgument) {
                      return Response::error(422, ok.error().message);
                  }
                  const bool known = config_.contains(kv.key());
                  return Response::error(
                      409, known ? std::string{kv.key()} +
                                       " cannot change while running: edit the config file "
                                       "and restart"
                                 : std::string{kv.key()} + " is not a setting");
              }
              const auto now = clock_.now();
              for (const auto& kv : *body) {
                  if (auto ok = settings_.put(std::string{kPrefix} + std::string{kv.key()},
                                              json::serialize(kv.value()), now);
                      !ok) {
                      return Response::error(503, ok.error().message);
                  }
              }
              for (const auto& kv : *body) {
                  config_[kv.key()] = kv.value();
                  bus_.publish("config", "changed", {{"key", kv.key()}, {"value", kv.value()}});
              }
              return Response::json(200, config_);
          });
}

}  // namespace meridian::services
