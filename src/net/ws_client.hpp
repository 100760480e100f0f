// WsClient: one WebSocket client connection (ws:// or wss://), for the broker and market data
// streams. Beast stays inside the .cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/result.hpp"
#include "net/http_client.hpp"

namespace meridian::net {

/// A message as received: text and binary frames both carry the bytes (Alpaca's trade stream
/// sends JSON in binary frames).
struct WsMessage {
    std::string data;
    bool binary = false;
};

/// One connection. Liveness: when nothing arrives for `idle_timeout / 2` it pings, and a
/// connection that answers nothing (not even the pong) for `idle_timeout` fails with Timeout.
/// One read and one write may be outstanding at once (not two of either). One loop: the
/// executor's; not thread-safe.
class WsClient {
public:
    explicit WsClient(boost::asio::any_io_executor executor, TlsOptions tls = {});
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    /// Connects to `url` (ws or wss) and upgrades, sending `headers` with the upgrade request.
    /// Errors: Unavailable (resolve, connect, TLS, an upgrade refused: the message names the
    /// HTTP status, e.g. "upgrade refused: HTTP 429"), Timeout.
    boost::asio::awaitable<core::Result<void>> connect(
        const Url& url, std::vector<std::pair<std::string, std::string>> headers,
        std::chrono::milliseconds timeout,
        std::chrono::milliseconds idle_timeout = std::chrono::seconds(30));
    /// The next message. Errors: Unavailable (closed by the server: the close reason is in the
    /// message; reset), Timeout (silent past the idle timeout).
    boost::asio::awaitable<core::Result<WsMessage>> read();
    /// Sends one text message.
    boost::asio::awaitable<core::Result<void>> write(std::string text);
    /// Closes politely (a close frame), or drops the connection if that fails.
    boost::asio::awaitable<void> close();
    /// Drops the connection at once (pending reads fail).
    void abort();
    bool is_open() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meridian::net
