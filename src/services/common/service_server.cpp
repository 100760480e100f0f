// ServiceServer: trust the gateway's headers when its token matches, then dispatch.
#include "services/common/service_server.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include "net/websocket.hpp"
#include "services/common/role.hpp"
#include "services/common/service.hpp"

namespace meridian::services {

using net::Request;
using net::Response;

bool same_secret(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

ServiceServer::ServiceServer(net::Router& router, Metrics& metrics, std::string token,
                             std::function<bool()> ready, net::ServerOptions options)
    : router_{router},
      metrics_{metrics},
      token_{std::move(token)},
      ready_{std::move(ready)},
      server_{std::make_unique<net::HttpServer>(ioc_, std::move(options), *this)} {}

ServiceServer::~ServiceServer() {
    stop();
}

core::Result<std::uint16_t> ServiceServer::listen() {
    auto port = server_->listen();
    if (!port) return port;
    thread_ = std::thread{[this] {
        name_this_thread("http-server");
        auto guard = boost::asio::make_work_guard(ioc_);
        ioc_.run();
    }};
    return port;
}

void ServiceServer::stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    ioc_.stop();
    thread_.join();
}

std::optional<Response> ServiceServer::admit(Request& req) {
    if (req.method == "GET" &&
        (req.path == "/health/live" || req.path == "/health/ready" || req.path == "/metrics")) {
        return std::nullopt;
    }
    auto m = router_.match(req.method, req.path);
    req.route = m.route;
    req.match_status = m.status;
    req.params = std::move(m.params);
    if (m.route && m.route->min_role == 0) return std::nullopt;
    const bool trusted = token_.empty()
                             ? req.remote.starts_with("127.") || req.remote.starts_with("::1")
                             : same_secret(req.header(kTokenHeader), token_);
    if (!trusted) return Response::error(401, "unauthorized: send requests through the gateway");
    if (ready_ && !ready_()) {
        // Starting (reconciling, or waiting for what it needs): the gateway tries again.
        Response r = Response::error(503, "the service is starting");
        r.headers.emplace_back("Retry-After", "1");
        return r;
    }
    req.principal = std::string{req.header(kPrincipalHeader)};
    const auto role = parse_role(req.header(kRoleHeader));
    req.role = static_cast<int>(role.value_or(Role::Public));
    if (m.route && req.role < m.route->min_role) {
        return Response::error(
            403, "forbidden: this needs the " +
                     std::string{to_string(static_cast<Role>(m.route->min_role))} + " role");
    }
    return std::nullopt;
}

boost::asio::awaitable<Response> ServiceServer::handle(Request& req) {
    if (req.method == "GET" && req.path == "/health/live") {
        co_return Response::json(200, {{"status", "live"}});
    }
    if (req.method == "GET" && req.path == "/health/ready") {
        const bool ok = !ready_ || ready_();
        co_return Response::json(ok ? 200 : 503, {{"status", ok ? "ready" : "starting"}});
    }
    if (req.method == "GET" && req.path == "/metrics") {
        co_return Response::text(200, metrics_.render(),
                                 "text/plain; version=0.0.4; charset=utf-8");
    }
    if (!req.route) {
        co_return req.match_status == 405 ? Response::error(405, "method not allowed")
                                          : Response::error(404, "not found: " + req.path);
    }
    co_return co_await call_route(*req.route, req, ioc_.get_executor());
}

void ServiceServer::upgrade(Request& req, std::shared_ptr<net::WsConnection> connection) {
    (void)req;
    connection->close();
}

}  // namespace meridian::services
