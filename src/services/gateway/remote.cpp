// RemoteServices: pick a live instance, forward, relay its answer.
#include "services/gateway/remote.hpp"

#include "net/http_client.hpp"
#include "services/common/role.hpp"
#include "services/common/service_server.hpp"

namespace meridian::services {

namespace asio = boost::asio;
using net::Request;
using net::Response;

RemoteServices::RemoteServices(const core::Clock& clock, std::string token,
                               std::chrono::milliseconds ttl, std::chrono::milliseconds timeout)
    : clock_{clock}, token_{std::move(token)}, timeout_{timeout}, registry_{ttl} {}

RemoteServices::~RemoteServices() = default;

void RemoteServices::attach(asio::any_io_executor executor) {
    executor_ = executor;
    pool_ = std::make_unique<net::HttpPool>(std::move(executor));
}

void RemoteServices::heard(const boost::json::object& heartbeat) {
    registry_.heard(heartbeat, clock_.now());
}

bool RemoteServices::ready(const std::string& service) const {
    return registry_.status(service, clock_.now()) == "up";
}

net::Route RemoteServices::proxied(net::Route route) {
    route.executor = executor_;
    route.handler = [this, service = route.service](Request& req) -> asio::awaitable<Response> {
        return forward(service, req);
    };
    return route;
}

asio::awaitable<Response> RemoteServices::forward(const std::string& service, Request& req) {
    const auto address = registry_.pick(service, clock_.now());
    if (!address) {
        Response r = Response::error(503, "the " + service + " service is not running");
        r.headers.emplace_back("Retry-After", "1");
        co_return r;
    }
    auto url = net::Url::parse(*address);
    if (!url) co_return Response::error(502, "the " + service + " service's address is bad");
    net::ClientRequest out;
    out.method = req.method;
    out.target = net::request_target(req);
    out.body = std::move(req.body);
    if (auto ct = req.header("content-type"); !ct.empty()) {
        out.headers.emplace_back("Content-Type", std::string{ct});
    }
    out.headers.emplace_back(std::string{kPrincipalHeader}, req.principal);
    out.headers.emplace_back(std::string{kRoleHeader},
                             std::string{to_string(static_cast<Role>(req.role))});
    out.headers.emplace_back(std::string{kTokenHeader}, token_);
    auto reply = co_await pool_->request(*url, std::move(out), timeout_);
    if (!reply) {
        const bool changes = req.method != "GET" && req.method != "HEAD";
        std::string message =
            "the " + service + " service did not answer (" + reply.error().message + ")";
        if (changes) {
            message +=
                "; the outcome is unknown: look it up before sending it again (orders: "
                "by client_order_id)";
        }
        co_return Response::error(reply.error().code == core::Errc::Timeout ? 504 : 502, message);
    }
    Response res;
    res.status = reply->status;
    res.body = std::move(reply->body);
    for (auto& [name, value] : reply->headers) {
        std::string lower = name;
        for (auto& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (lower == "content-type") {
            res.content_type = value;
        } else if (lower == "retry-after" || lower == "location") {
            res.headers.emplace_back(name, value);
        }
    }
    co_return res;
}

}  // namespace meridian::services
