// Feed: the port a live market data source plugs into the market data service (Alpaca's
// stream; the simulated market and the replay are built in).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/types.hpp"
#include "engine/bar.hpp"

namespace meridian::services {

class Metrics;

/// A live source of quotes, trades and minute bars for a set of symbols, over one connection.
/// Handlers run on the market data loop, in arrival order. Not thread-safe.
class Feed {
public:
    struct Handlers {
        std::function<void(const engine::Quote&)> quote;
        std::function<void(const engine::Trade&)> trade;
        /// A finished minute bar; `corrected` when it replaces one sent before (same start).
        std::function<void(const engine::Bar&, bool corrected)> bar;
        /// Connected (subscribed) or not, with why.
        std::function<void(bool connected, const std::string& state)> status;
    };
    virtual ~Feed() = default;
    virtual void start(std::vector<core::Symbol> symbols, Handlers handlers) = 0;
    virtual void stop() = 0;
    virtual bool connected() const = 0;
    virtual std::string state() const = 0;
    virtual std::string name() const = 0;
};

using FeedFactory =
    std::function<std::unique_ptr<Feed>(boost::asio::any_io_executor executor, Metrics& metrics)>;

}  // namespace meridian::services
