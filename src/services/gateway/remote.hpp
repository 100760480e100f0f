// RemoteServices: the gateway's view of services in other processes, and the proxy to them.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "core/clock.hpp"
#include "net/router.hpp"
#include "services/common/registry.hpp"

namespace meridian::net {
class HttpPool;
}

namespace meridian::services {

/// Where the gateway finds services that run as their own processes (`meridian serve`): their
/// instances from heartbeats (a Registry), and forwarding of their routes to a live instance
/// over pooled keep-alive HTTP with the caller's principal and role and the cluster's internal
/// token. No live instance: 503 naming the service. No answer: 502 (504 on timeout), and for
/// a request that changes something, a message saying its outcome is unknown.
/// Runs on the gateway's loop (set by attach()); not thread-safe.
class RemoteServices {
public:
    RemoteServices(const core::Clock& clock, std::string token,
                   std::chrono::milliseconds ttl = std::chrono::milliseconds(3000),
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
    ~RemoteServices();

    /// The loop forwarding runs on (the gateway's); before any request.
    void attach(boost::asio::any_io_executor executor);
    /// A heartbeat from the "discovery" topic.
    void heard(const boost::json::object& heartbeat);
    /// True when `service` has a live, ready instance.
    bool ready(const std::string& service) const;
    /// `route` (owned by a remote service) answered by forwarding, on the gateway's loop.
    net::Route proxied(net::Route route);

    boost::asio::awaitable<net::Response> forward(const std::string& service,
                                                  net::Request& request);

private:
    const core::Clock& clock_;
    std::string token_;
    std::chrono::milliseconds timeout_;
    Registry registry_;
    boost::asio::any_io_executor executor_;
    std::unique_ptr<net::HttpPool> pool_;
};

}  // namespace meridian::services
