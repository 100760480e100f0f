// DiscoveryService: heartbeats in, registry and health out.
#include "services/discovery/discovery_service.hpp"

#include <boost/json.hpp>

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

DiscoveryService::DiscoveryService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                                   const std::vector<std::string>& expected,
                                   std::chrono::milliseconds ttl)
    : Service{"discovery", bus, clock, metrics}, registry_{ttl} {
    for (const auto& name : expected) {
        registry_.expect(name);
    }
    metrics_.gauge("meridian_service_up", "1 when the service is up.", {"service"});
}

void DiscoveryService::on_start() {
    subscribe("discovery",
              [this](const bus::Envelope& e) { registry_.heard(e.data, clock_.now()); });
    every(std::chrono::milliseconds(1000), [this] {
        for (const auto& [name, instances] : registry_.services()) {
            metrics_.set("meridian_service_up", {name},
                         registry_.status(name, clock_.now()) == "up" ? 1 : 0);
        }
    });
    set_ready(true);
}

void DiscoveryService::add_routes(net::Router& router) {
    route(router, "GET", "/services", Role::Viewer,
          "The service registry: each instance's name, version, address, status, last heartbeat",
          [this](Request&) {
              json::array out;
              const auto now = clock_.now();
              for (const auto& [name, instances] : registry_.services()) {
                  if (instances.empty()) {
                      out.push_back({{"name", name},
                                     {"version", ""},
                                     {"address", ""},
                                     {"status", "down"},
                                     {"last_heartbeat", nullptr}});
                  }
                  for (const auto& [key, i] : instances) {
                      out.push_back({{"name", name},
                                     {"version", i.version},
                                     {"address", i.address},
                                     {"status", registry_.status_of(i, now)},
                                     {"last_heartbeat", i.last_heartbeat.to_iso8601()}});
                  }
              }
              return Response::json(200, out);
          });
    route(router, "GET", "/health", Role::Public,
          "Every service's status; 200 when all are up, else 503", [this](Request&) {
              json::object services;
              bool all_up = true;
              const auto now = clock_.now();
              for (const auto& [name, instances] : registry_.services()) {
                  const std::string s = registry_.status(name, now);
                  all_up = all_up && s == "up";
                  services[name] = s;
              }
              return Response::json(all_up ? 200 : 503, {{"status", all_up ? "up" : "degraded"},
                                                         {"services", std::move(services)}});
          });
}

}  // namespace meridian::services
