// DiscoveryService: heartbeats in, registry and health out.
#include "services/discovery/discovery_service.hpp"

#include <boost/json.hpp>

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

DiscoveryService::DiscoveryService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                                   std::vector<std::string> expected, std::chrono::milliseconds ttl)
    : Service{"discovery", bus, clock, metrics}, ttl_{ttl} {
    for (auto& name : expected)
        registry_[name];
    metrics_.gauge("meridian_service_up", "1 when the service is up.", {"service"});
}

void DiscoveryService::on_start() {
    subscribe("discovery", [this](const bus::Envelope& e) {
        const auto* name = e.data.if_contains("service");
        if (!name || !name->is_string()) return;
        auto& entry = registry_[std::string{name->get_string()}];
        auto text = [&](const char* key) {
            const auto* v = e.data.if_contains(key);
            return v && v->is_string() ? std::string{v->get_string()} : std::string{};
        };
        entry.version = text("version");
        entry.address = text("address");
        entry.status = text("status");
        entry.last_heartbeat = clock_.now();
        entry.seen = true;
    });
    every(std::chrono::milliseconds(1000), [this] {
        for (const auto& [name, e] : registry_)
            metrics_.set("meridian_service_up", {name}, status_of(e) == "up" ? 1 : 0);
    });
    set_ready(true);
}

std::string DiscoveryService::status_of(const Entry& e) const {
    if (!e.seen) return "down";
    const auto age = clock_.now() - e.last_heartbeat;
    if (age.ns > static_cast<std::int64_t>(ttl_.count()) * 1'000'000) return "down";
    return e.status;
}

void DiscoveryService::add_routes(net::Router& router) {
    route(router, "GET", "/services", Role::Viewer,
          "The service registry: name, version, address, status, last heartbeat", [this](Request&) {
              json::array out;
              for (const auto& [name, e] : registry_) {
                  out.push_back(
                      {{"name", name},
                       {"version", e.version},
                       {"address", e.address},
                       {"status", status_of(e)},
                       {"last_heartbeat", e.seen ? json::value(e.last_heartbeat.to_iso8601())
                                                 : json::value(nullptr)}});
              }
              return Response::json(200, out);
          });
    route(router, "GET", "/health", Role::Public,
          "Every service's status; 200 when all are up, else 503", [this](Request&) {
              json::object services;
              bool all_up = true;
              for (const auto& [name, e] : registry_) {
                  const std::string s = status_of(e);
                  all_up = all_up && s == "up";
                  services[name] = s;
              }
              return Response::json(all_up ? 200 : 503, {{"status", all_up ? "up" : "degraded"},
                                                         {"services", std::move(services)}});
          });
}

}  // namespace meridian::services
