// Registry: which service instances are alive, from their heartbeats (discovery and the gateway).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/timestamp.hpp"

namespace meridian::services {

/// One instance of a service, as its last heartbeat described it.
struct ServiceInstance {
    std::string name;
    std::string address;  // "http://host:port" across processes, "inproc://name" in one
    std::string version;
    std::string status;  // as reported: "up" or "starting"
    core::Timestamp last_heartbeat;
};

/// Instances by service name and process (heartbeats' "instance"; the address without one). An
/// instance is live while its heartbeats arrive (within `ttl`); a service is "up" when one of its
/// instances is live and up, "starting" when one is live but not ready, else "down" (and an
/// expected service never heard from is down). A pure value; its owner's loop only.
class Registry {
public:
    explicit Registry(std::chrono::milliseconds ttl = std::chrono::milliseconds(3000))
        : ttl_{ttl} {}

    void expect(const std::string& name) { services_[name]; }
    /// Applies a heartbeat ({"service", "address", "version", "status"}); false if malformed.
    bool heard(const boost::json::object& heartbeat, core::Timestamp now);

    std::string status(const std::string& name, core::Timestamp now) const;
    /// The address of a live, ready instance (round robin over them), or nothing.
    std::optional<std::string> pick(const std::string& name, core::Timestamp now);
    /// Every service with its instances (an expected service with none has an empty list).
    const std::map<std::string, std::map<std::string, ServiceInstance>>& services() const {
        return services_;
    }
    /// An instance's status: its reported one while live, else "down".
    std::string status_of(const ServiceInstance& instance, core::Timestamp now) const;

private:
    std::chrono::milliseconds ttl_;
    std::map<std::string, std::map<std::string, ServiceInstance>> services_;
    std::map<std::string, std::size_t> next_;
};

}  // namespace meridian::services
