// ServiceServer: one process's services' routes on their own port, behind the gateway.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "net/http_server.hpp"
#include "net/router.hpp"
#include "services/common/metrics.hpp"

namespace meridian::services {

/// The headers the gateway forwards a checked request with.
inline constexpr std::string_view kPrincipalHeader = "x-meridian-principal";
inline constexpr std::string_view kRoleHeader = "x-meridian-role";
inline constexpr std::string_view kTokenHeader = "x-meridian-token";

/// Serves a router's routes in a service's own process (`meridian serve <service>`). Requests
/// come from the gateway, which checked the caller's credentials and rate: it sends who is
/// asking and their role in headers, with the cluster's internal token. A request without
/// the right token is 401 (with no token configured, only loopback peers are trusted), and the
/// role is checked again; while the service is not ready, its routes answer 503. Public routes,
/// /health/live, /health/ready (200 once `ready()`, else 503) and /metrics need no token, for
/// probes and Prometheus. Own loop and thread.
class ServiceServer final : public net::HttpHandler {
public:
    ServiceServer(net::Router& router, Metrics& metrics, std::string token,
                  std::function<bool()> ready, net::ServerOptions options);
    ~ServiceServer() override;
    ServiceServer(const ServiceServer&) = delete;
    ServiceServer& operator=(const ServiceServer&) = delete;

    /// Starts the loop and listens; the port bound.
    core::Result<std::uint16_t> listen();
    /// Stops accepting; requests in flight finish.
    void stop();

    std::optional<net::Response> admit(net::Request& request) override;
    boost::asio::awaitable<net::Response> handle(net::Request& request) override;
    void upgrade(net::Request& request, std::shared_ptr<net::WsConnection> connection) override;

private:
    net::Router& router_;
    Metrics& metrics_;
    std::string token_;
    std::function<bool()> ready_;
    boost::asio::io_context ioc_{1};
    std::unique_ptr<net::HttpServer> server_;
    std::thread thread_;
};

/// True when `a` equals `b`, in time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b) noexcept;

}  // namespace meridian::services
