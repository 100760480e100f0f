// Bars from smaller bars or from trades: 1m -> 5m, 15m, 1h, 1d; and the bar intervals by name.
#pragma once

#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "engine/bar.hpp"

namespace meridian::engine {

/// A bar interval: a fixed duration ("1m", "5m", "15m", "1h"), or the New York trading day
/// ("1d", stamped at midnight New York time of that date, as daily files are).
struct Timeframe {
    core::Duration interval;  // zero for daily
    bool daily = false;

    /// "1m", "5m", "15m", "30m", "1h", "4h", "1d"; also Alpaca's "1Min", "5Min", "1Hour", "1Day".
    static core::Result<Timeframe> parse(std::string_view text);
    /// The start of the bar that `t` falls in.
    core::Timestamp bucket(core::Timestamp t) const noexcept;
};

/// Builds bars of one timeframe from smaller bars or trades, per symbol. Feed in time order;
/// a bar is emitted when the first input of a later bucket arrives (or by flush()).
/// Open is the first input's, close the last's, high/low the extremes, volume and trade counts
/// sum, vwap is volume-weighted (from input vwaps, else from trade prices). Not thread-safe.
class BarAggregator {
public:
    explicit BarAggregator(Timeframe timeframe) : timeframe_{timeframe} {}
    /// Adds a smaller bar; returns the finished bar of its symbol if this one starts a new bucket.
    std::optional<Bar> add(const Bar& bar);
    std::optional<Bar> add(const Trade& trade);
    /// The unfinished bars, in time order, leaving the aggregator empty.
    std::vector<Bar> flush();

private:
    struct Partial {
        Bar bar;
        double price_volume = 0;  // for vwap
        bool has_vwap = true;
    };
    std::optional<Bar> start(Partial& p, const Bar& bar, core::Timestamp bucket);
    static Bar finish(const Partial& p);

    Timeframe timeframe_;
    std::map<core::Symbol, Partial> partial_;
};

/// All of `bars` (time-ordered, any symbols) aggregated to `timeframe`, in time order.
std::vector<Bar> aggregate(const std::vector<Bar>& bars, Timeframe timeframe);

}  // namespace meridian::engine
