// HttpServer: HTTP/1.1 on Boost.Beast coroutines, with the limits a public port needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/result.hpp"
#include "net/http.hpp"

namespace meridian::net {

class WsConnection;

struct ServerOptions {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port
    std::size_t body_limit = 1 << 20;
    std::size_t header_limit = 16 << 10;
    std::chrono::milliseconds read_timeout{30'000};
    std::size_t max_connections = 1024;
};

/// What the server asks of its owner (the gateway).
class HttpHandler {
public:
    virtual ~HttpHandler() = default;
    /// Called once the headers are read, before the body is: a response refuses the request
    /// (401, 429...) without reading its body; nothing lets it through (and may set principal).
    virtual std::optional<Response> admit(Request& request) = 0;
    /// Answers an admitted request, body read.
    virtual boost::asio::awaitable<Response> handle(Request& request) = 0;
    /// A WebSocket upgrade on an admitted request: the connection is the handler's from now on.
    virtual void upgrade(Request& request, std::shared_ptr<WsConnection> connection) = 0;
};

/// Serves on one loop: keep-alive, a timeout on every read, a body limit (413 answered before
/// the connection closes, from Content-Length alone when it says too much), `Expect:
/// 100-continue`, and a cap on connections (503 beyond it). stop() stops accepting, lets
/// requests in flight finish and closes idle connections. Runs on `ioc`'s loop.
class HttpServer {
public:
    HttpServer(boost::asio::io_context& ioc, ServerOptions options, HttpHandler& handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds and starts accepting; returns the port bound.
    core::Result<std::uint16_t> listen();
    /// Call from any thread.
    void stop();
    std::size_t connections() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace meridian::net
