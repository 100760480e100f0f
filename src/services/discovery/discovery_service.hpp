// DiscoveryService: the registry of services, from their heartbeats, and the aggregated health.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/common/service.hpp"

namespace meridian::services {

/// Listens to "discovery" heartbeats. A service is up while it sends them ("starting" until
/// it is ready) and down once none arrived for `ttl`; services expected but never heard from
/// are down. Routes: GET /services, GET /health (200 when every service is up, else 503).
/// Runs on the discovery loop; not thread-safe.
class DiscoveryService final : public Service {
public:
    DiscoveryService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                     std::vector<std::string> expected,
                     std::chrono::milliseconds ttl = std::chrono::milliseconds(3000));
    void add_routes(net::Router& router) override;

private:
    struct Entry {
        std::string version;
        std::string address;
        std::string status;  // as last reported
        core::Timestamp last_heartbeat;
        bool seen = false;
    };
    void on_start() override;
    std::string status_of(const Entry& e) const;

    std::chrono::milliseconds ttl_;
    std::map<std::string, Entry> registry_;
};

}  // namespace meridian::services
