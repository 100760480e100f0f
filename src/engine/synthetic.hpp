// A synthetic market: seeded geometric Brownian motion quotes, trades and bars for any symbols.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/decimal.hpp"
#include "core/timestamp.hpp"
#include "engine/bar.hpp"

namespace meridian::engine {

struct SyntheticConfig {
    std::vector<core::Symbol> symbols;
    std::uint64_t seed = 1;
    core::Timestamp start;
    core::Duration interval = core::Duration::minutes(1);
    core::Price start_price = core::Price::from_units(100);
    double drift = 0.05;       // annual
    double volatility = 0.25;  // annual
    /// Only during NYSE regular sessions (true), or around the clock (false).
    bool regular_hours = true;
    int trades_per_bar = 4;
};

/// What one step of the market produced, for every symbol.
struct MarketStep {
    core::Timestamp ts;  // the bar's start
    std::vector<Quote> quotes;
    std::vector<Trade> trades;
    std::vector<Bar> bars;
};

/// Each step moves every symbol's price by geometric Brownian motion over `interval` (in a few
/// sub-steps, each printing a trade at a quote one cent wide), and closes one bar per symbol
/// from those trades. Prices are whole cents, at least $0.01. The same config (seed included)
/// gives the same market, step for step. Not thread-safe.
class SyntheticMarket {
public:
    explicit SyntheticMarket(SyntheticConfig config);
    MarketStep step();
    core::Timestamp now() const noexcept { return next_; }

private:
    core::Timestamp advance(core::Timestamp t) const;

    SyntheticConfig config_;
    std::vector<double> prices_;
    std::vector<std::mt19937_64> rngs_;  // one per symbol: adding a symbol leaves the others alone
    core::Timestamp next_;
};

/// `count` bars per symbol, time-ordered.
std::vector<Bar> synthetic_bars(const SyntheticConfig& config, std::size_t count);

}  // namespace meridian::engine
