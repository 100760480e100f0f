// WsConnection: one WebSocket client as the gateway sees it: send text, hear text, bounded.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace meridian::net {

/// A server-side WebSocket connection. send() queues a text message; a client whose queue is
/// full is slow and is closed (the server never waits for it). Callbacks run on the server's
/// loop; send() and close() may be called from any thread.
class WsConnection {
public:
    virtual ~WsConnection() = default;
    /// Queues `text`; false if the connection is closed or was just closed for being slow.
    virtual bool send(std::string text) = 0;
    /// The same, as a binary frame.
    virtual bool send_binary(std::string bytes) = 0;
    virtual void close() = 0;
    /// Set before the first message can arrive (inside HttpHandler::upgrade).
    virtual void on_message(std::function<void(std::string_view)> f) = 0;
    virtual void on_close(std::function<void()> f) = 0;
    virtual std::size_t queue_limit() const = 0;
};

}  // namespace meridian::net
