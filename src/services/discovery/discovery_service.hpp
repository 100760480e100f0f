// DiscoveryService: the registry of services, from their heartbeats, and the aggregated health.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/common/registry.hpp"
#include "services/common/service.hpp"

namespace meridian::services {

/// Listens to "discovery" heartbeats (see Registry: a service is up while one of its instances
/// sends them and is ready; down once none arrived for `ttl`, or never heard from). Routes: GET
/// /services, GET /health (200 when every service is up, else 503). Runs on the discovery loop; not
/// thread-safe.
class DiscoveryService final : public Service {
public:
    DiscoveryService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                     const std::vector<std::string>& expected,
                     std::chrono::milliseconds ttl = std::chrono::milliseconds(3000));
    void add_routes(net::Router& router) override;

private:
    void on_start() override;

    Registry registry_;
};

}  // namespace meridian::services
