// Router: which handler answers a method and path; a pure lookup, built once at startup.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "net/http.hpp"

namespace meridian::net {

/// Answers a request on the loop of the service that owns the route.
using RouteHandler = std::function<boost::asio::awaitable<Response>(Request&)>;

/// A route: "GET /orders/{id}", the service that owns it and runs it (on `executor`), the least
/// role that may call it (0 = public), and a line for the API document.
struct Route {
    std::string method;
    std::string pattern;
    std::string service;
    int min_role = 0;
    std::string summary;
    boost::asio::any_io_executor executor;
    RouteHandler handler;
    /// The handler reads only state safe to read from any thread (a published snapshot): it
    /// runs on the caller's thread, without a hop to `executor`.
    bool any_thread = false;
    std::vector<std::string> segments;  // the pattern split at '/', set by Router::add
};

struct Match {
    const Route* route = nullptr;  // null: status says why (404 no such path, 405 wrong method)
    int status = 0;
    std::map<std::string, std::string> params;
};

/// Routes by literal segments and {name} parameters; a literal segment wins over a parameter
/// ("/orders/by-client-id/{cid}" over "/orders/{id}"). Not thread-safe to add; match is const.
class Router {
public:
    void add(Route route);
    Match match(std::string_view method, std::string_view path) const;
    const std::vector<Route>& routes() const noexcept { return routes_; }

private:
    std::vector<Route> routes_;
};

/// "/orders/{id}" -> {"orders", "{id}"}.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace meridian::net
