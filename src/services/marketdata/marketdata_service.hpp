// MarketDataService: the market in real time: quotes, trades and 1-minute bars on the bus.
#pragma once

#include <deque>
#include <map>
#include <optional>

#include "engine/synthetic.hpp"
#include "services/common/service.hpp"
#include "services/marketdata/feed.hpp"

namespace meridian::services {

struct MarketDataConfig {
    std::vector<core::Symbol> symbols;
    std::uint64_t seed = 1;
    /// Market seconds per wall-clock second: 60 makes a minute bar every second.
    double speed = 1;
    core::Price start_price = core::Price::from_units(100);
    double volatility = 0.4;
    /// Only NYSE sessions (true), or around the clock (false, the default for paper trading).
    bool regular_hours = false;
    /// Quotes (and trades) per symbol per market minute.
    int quotes_per_minute = 60;
    std::size_t bars_kept = 5000;
    /// Recorded bars (time-ordered) to replay instead of the simulated market: each is
    /// released when `speed` times the wall time since start reaches its end, stamped with the
    /// time it is released (so that orders, fills and stops work as live), with a quote one
    /// cent wide at its close and a trade at its close.
    std::vector<engine::Bar> replay;
    std::string replay_timeframe = "1Min";  // what the replayed bars are ("1Day" for daily files)
    /// A live feed (Alpaca) instead of the simulated market; none: simulated (or replay).
    FeedFactory feed;
};

/// A simulated market (seeded GBM), a replay of recorded bars released in real time scaled by
/// `speed`, or a live feed: each quote, trade and finished bar is published ("md.quotes",
/// "md.trades", "md.bars") when the market clock reaches it (a live feed's as they come).
/// Keeps the last quote and recent bars per symbol for its routes. Runs on the marketdata
/// loop; not thread-safe.
class MarketDataService final : public Service {
public:
    MarketDataService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                      MarketDataConfig config);
    void add_routes(net::Router& router) override;
    /// The market clock: wall time since start, times speed, from the start.
    core::Timestamp market_now() const;

private:
    void on_start() override;
    void pump();
    void pump_replay();
    void publish_bar(const engine::Bar& bar, std::string_view timeframe, bool corrected = false);
    void publish_quote(const engine::Quote& q);
    void publish_trade(const engine::Trade& t);
    void on_stop() override;

    MarketDataConfig config_;
    std::optional<engine::SyntheticMarket> market_;
    core::Timestamp wall_start_;
    core::Timestamp market_start_;
    std::optional<engine::MarketStep> step_;
    std::size_t next_quote_ = 0;
    std::size_t next_replay_ = 0;
    core::Duration replay_spacing_;  // the smallest gap between bars of one symbol
    std::map<core::Symbol, engine::Quote> last_quote_;
    std::map<core::Symbol, std::deque<engine::Bar>> bars_;
    std::unique_ptr<Feed> feed_;
};

}  // namespace meridian::services
