// TradeStream: Alpaca's trade_updates WebSocket, kept connected.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "adapters/alpaca/settings.hpp"
#include "adapters/alpaca/wire.hpp"

namespace meridian::net {
class WsClient;
}

namespace meridian::alpaca {

/// Connects, authenticates and listens to trade_updates; hands each update over in arrival
/// order, and says when it is (re)connected so that the owner reconciles what it may have
/// missed (Alpaca does not replay). Reconnects with exponential backoff and jitter (1 s to 30 s;
/// at least 5 s after a 429 on the upgrade, at least 30 s after bad credentials). A connection
/// that answers nothing, not even a ping, for `idle_timeout` is dropped and made again.
/// Runs on `executor`'s loop; not thread-safe.
class TradeStream {
public:
    struct Handlers {
        std::function<void(TradeUpdate)> update;
        std::function<void()> connected;
        /// A message that could not be read (the owner refreshes over REST).
        std::function<void(const std::string&)> unreadable;
    };
    TradeStream(boost::asio::any_io_executor executor, const Settings& settings, Handlers handlers,
                std::chrono::milliseconds idle_timeout = std::chrono::seconds(30));
    ~TradeStream();

    void start();
    void stop();
    /// Drops the connection and makes a new one (the owner's watchdog found it silent).
    void reconnect();
    bool connected() const noexcept { return connected_; }
    /// "connected", "connecting", or why it is not ("reconnecting in 2s: ...").
    const std::string& state() const noexcept { return state_; }
    std::uint64_t connects() const noexcept { return connects_; }

private:
    boost::asio::awaitable<void> run();

    boost::asio::any_io_executor executor_;
    const Settings& settings_;
    Handlers handlers_;
    std::chrono::milliseconds idle_timeout_;
    std::shared_ptr<net::WsClient> ws_;
    std::shared_ptr<bool> alive_;
    bool stopped_ = true;
    bool connected_ = false;
    std::string state_ = "not started";
    std::uint64_t connects_ = 0;
};

}  // namespace meridian::alpaca
