// A small HTTP/1.1 client (plain http) for outgoing calls such as webhooks; Beast stays inside.
#pragma once

#include <chrono>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/result.hpp"

namespace meridian::net {

struct ClientReply {
    int status = 0;
    std::string body;
};

/// "http://host[:port]/path" split; errors (InvalidArgument) for anything else (https included:
/// TLS comes with the Alpaca adapter).
struct Url {
    std::string host;
    std::string port;
    std::string target;
    static core::Result<Url> parse(std::string_view text);
};

/// POSTs `body` (JSON) to `url` on `executor`, one connection per call. Errors: Unavailable
/// (resolve, connect, reset), Timeout.
boost::asio::awaitable<core::Result<ClientReply>> http_post(boost::asio::any_io_executor executor,
                                                            const Url& url, std::string body,
                                                            std::chrono::milliseconds timeout);

}  // namespace meridian::net
