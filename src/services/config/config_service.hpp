// ConfigService: the running configuration, shown and changed live where that is safe.
#pragma once

#include <boost/json/object.hpp>

#include "services/common/service.hpp"
#include "store/store.hpp"

namespace meridian::services {

/// Owns GET/PATCH /config. The document is the effective settings (config file, command line,
/// then changes saved here). A PATCH is validated whole; settings that services can apply live
/// (rate_limit_per_minute: the gateway; stale_after_seconds: risk) are saved and published on
/// "config"; anything else is refused with the reason (it needs a restart, or is unknown), and
/// nothing changes. Runs on the config loop; not thread-safe.
class ConfigService final : public Service {
public:
    ConfigService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                  store::SettingsStore& settings, boost::json::object effective);
    void add_routes(net::Router& router) override;

    /// Saved live changes, to apply over the file before services start.
    static boost::json::object saved_changes(store::SettingsStore& settings);

private:
    void on_start() override;

    store::SettingsStore& settings_;
    boost::json::object config_;
};

}  // namespace meridian::services
