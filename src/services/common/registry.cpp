// Registry: heartbeats in, live instances out.
#include "services/common/registry.hpp"

namespace meridian::services {

bool Registry::heard(const boost::json::object& hb, core::Timestamp now) {
    auto text = [&](const char* key) {
        const auto* v = hb.if_contains(key);
        return v && v->is_string() ? std::string{v->get_string()} : std::string{};
    };
    const std::string name = text("service");
    if (name.empty()) return false;
    const std::string address = text("address");
    // Keyed by the process (its address may change once it listens), else by its address.
    const std::string process = text("instance");
    auto& instance = services_[name][process.empty() ? address : process];
    instance.name = name;
    instance.address = address;
    instance.version = text("version");
    instance.status = text("status");
    instance.last_heartbeat = now;
    // An instance silent for long is forgotten (a restarted process comes back on a new port).
    auto& instances = services_[name];
    std::erase_if(instances, [&](const auto& kv) {
        return (now - kv.second.last_heartbeat).ns > core::Duration::minutes(10).ns;
    });
    return true;
}

std::string Registry::status_of(const ServiceInstance& instance, core::Timestamp now) const {
    const auto age = now - instance.last_heartbeat;
    if (age.ns > static_cast<std::int64_t>(ttl_.count()) * 1'000'000) return "down";
    return instance.status;
}

std::string Registry::status(const std::string& name, core::Timestamp now) const {
    auto it = services_.find(name);
    if (it == services_.end()) return "down";
    std::string best = "down";
    for (const auto& [address, instance] : it->second) {
        const std::string s = status_of(instance, now);
        if (s == "up") return "up";
        if (s != "down") best = s;
    }
    return best;
}

std::optional<std::string> Registry::pick(const std::string& name, core::Timestamp now) {
    auto it = services_.find(name);
    if (it == services_.end()) return std::nullopt;
    std::vector<const ServiceInstance*> live;
    for (const auto& [address, instance] : it->second) {
        if (status_of(instance, now) == "up") live.push_back(&instance);
    }
    if (live.empty()) return std::nullopt;
    return live[next_[name]++ % live.size()]->address;
}

}  // namespace meridian::services
