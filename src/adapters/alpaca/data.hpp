// Alpaca's Market Data API v2: historical bars (paged), latest quotes, and the real-time stream
// as a Feed for the market data service.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "adapters/alpaca/rest.hpp"
#include "adapters/alpaca/settings.hpp"
#include "adapters/alpaca/wire.hpp"
#include "services/marketdata/feed.hpp"

namespace meridian::net {
class WsClient;
}

namespace meridian::alpaca {

/// REST market data. One loop; not thread-safe.
class DataClient {
public:
    DataClient(const boost::asio::any_io_executor& executor, const Settings& settings);

    /// Bars of `timeframe` (1Min, 5Min, 15Min, 1Hour, 1Day...) for `symbols` from `start` to
    /// `end` (inclusive), every page (next_page_token), each page handed to `on_page` as it comes
    /// (merged per symbol by the caller: a page may end inside a symbol).
    boost::asio::awaitable<core::Result<void>> bars(
        const std::vector<core::Symbol>& symbols, const std::string& timeframe,
        core::Timestamp start, core::Timestamp end,
        const std::function<void(const std::vector<engine::Bar>&)>& on_page);
    /// The latest quote, trade or minute bar of each symbol (symbols without one left out).
    boost::asio::awaitable<core::Result<std::vector<engine::Quote>>> latest_quotes(
        const std::vector<core::Symbol>& symbols);
    boost::asio::awaitable<core::Result<std::vector<engine::Trade>>> latest_trades(
        const std::vector<core::Symbol>& symbols);
    boost::asio::awaitable<core::Result<std::vector<engine::Bar>>> latest_bars(
        const std::vector<core::Symbol>& symbols);
    /// Each symbol's snapshot: latest trade and quote, minute, daily and previous daily bars.
    boost::asio::awaitable<core::Result<std::vector<Snapshot>>> snapshots(
        const std::vector<core::Symbol>& symbols);

private:
    /// GET `path` with the symbols and the feed; the body, or the error.
    boost::asio::awaitable<core::Result<boost::json::value>> get(
        std::string path, const std::vector<core::Symbol>& symbols);

    const Settings& settings_;
    Rest rest_;
};

/// The real-time stream (section 6) as a Feed: one connection for every symbol (Alpaca allows
/// one), authenticated, subscribed to trades, quotes, bars and updated bars. Reconnects with
/// backoff and jitter; a 406 (connection limit: the old session not reaped yet) backs off
/// harder; 402 (bad keys) and 409 (feed not in the plan) are reported and retried slowly. A
/// connection that stays open but sends nothing for `silence` while data is expected (NYSE's
/// regular session unless `expect_data` says otherwise) is dropped and made again. On each
/// connect the latest quotes are read over REST, so prices are known at once.
class AlpacaFeed final : public services::Feed {
public:
    AlpacaFeed(const boost::asio::any_io_executor& executor, services::Metrics& metrics,
               Settings settings, std::chrono::milliseconds silence = std::chrono::seconds(60),
               std::function<bool(core::Timestamp)> expect_data = {});
    ~AlpacaFeed() override;
    void start(std::vector<core::Symbol> symbols, Handlers handlers) override;
    void stop() override;
    bool connected() const override { return connected_; }
    std::string state() const override { return state_; }
    std::string name() const override { return "alpaca " + settings_.feed; }

private:
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<void> watchdog();
    void set_state(bool connected, std::string state);

    boost::asio::any_io_executor executor_;
    services::Metrics& metrics_;
    Settings settings_;
    std::chrono::milliseconds silence_;
    std::function<bool(core::Timestamp)> expect_data_;
    DataClient data_;
    std::vector<core::Symbol> symbols_;
    Handlers handlers_;
    std::shared_ptr<net::WsClient> ws_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    bool connected_ = false;
    std::string state_ = "not started";
    std::chrono::steady_clock::time_point last_message_;
};

/// A FeedFactory for `settings` (its data_silence and data_around_the_clock).
services::FeedFactory feed_factory(const Settings& settings);

}  // namespace meridian::alpaca
