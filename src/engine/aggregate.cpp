// Bar aggregation.
#include "engine/aggregate.hpp"

#include <algorithm>
#include <cmath>

#include "engine/calendar.hpp"

namespace meridian::engine {

core::Result<Timeframe> Timeframe::parse(std::string_view text) {
    struct Name {
        std::string_view a, b;
        std::int64_t minutes;
    };
    static constexpr Name names[] = {
        {"1m", "1Min", 1},   {"5m", "5Min", 5},    {"15m", "15Min", 15}, {"30m", "30Min", 30},
        {"1h", "1Hour", 60}, {"4h", "4Hour", 240}, {"1d", "1Day", 0}};
    for (const auto& n : names) {
        if (text == n.a || text == n.b) {
            Timeframe t;
            t.daily = n.minutes == 0;
            t.interval = core::Duration::minutes(n.minutes);
            return t;
        }
    }
    return core::invalid("unknown timeframe '" + std::string{text} +
                         "' (valid: 1m, 5m, 15m, 30m, 1h, 4h, 1d)");
}

core::Timestamp Timeframe::bucket(core::Timestamp t) const noexcept {
    if (daily) return nyse::from_new_york(nyse::new_york_date(t), 0);
    const std::int64_t n = interval.ns;
    const std::int64_t ns = t.ns();
    const std::int64_t floor = (ns >= 0 ? ns / n : (ns - n + 1) / n) * n;
    return core::Timestamp::from_ns(floor);
}

std::optional<Bar> BarAggregator::start(Partial& p, const Bar& bar, core::Timestamp bucket) {
    std::optional<Bar> done;
    if (!p.bar.symbol.empty()) done = finish(p);
    p = Partial{};
    p.bar = bar;
    p.bar.ts = bucket;
    p.bar.adj_close.reset();
    p.has_vwap = bar.vwap.has_value();
    p.price_volume = bar.vwap ? bar.vwap->to_double() * bar.volume.to_double() : 0;
    return done;
}

std::optional<Bar> BarAggregator::add(const Bar& bar) {
    const core::Timestamp bucket = timeframe_.bucket(bar.ts);
    Partial& p = partial_[bar.symbol];
    if (p.bar.symbol.empty() || bucket != p.bar.ts) return start(p, bar, bucket);
    p.bar.high = std::max(p.bar.high, bar.high);
    p.bar.low = std::min(p.bar.low, bar.low);
    p.bar.close = bar.close;
    p.bar.volume += bar.volume;
    p.bar.trade_count += bar.trade_count;
    if (bar.vwap) {
        p.price_volume += bar.vwap->to_double() * bar.volume.to_double();
    } else {
        p.has_vwap = false;
    }
    return std::nullopt;
}

std::optional<Bar> BarAggregator::add(const Trade& trade) {
    Bar b;
    b.symbol = trade.symbol;
    b.ts = trade.ts;
    b.open = b.high = b.low = b.close = trade.price;
    b.volume = trade.size;
    b.vwap = trade.price;
    b.trade_count = 1;
    return add(b);
}

Bar BarAggregator::finish(const Partial& p) {
    Bar b = p.bar;
    b.vwap.reset();
    const double volume = b.volume.to_double();
    if (p.has_vwap && volume > 0) {
        b.vwap = core::Price::from_raw(std::llround(p.price_volume / volume * 1e9))
                     .round(4, core::Rounding::HalfEven);
    }
    return b;
}

std::vector<Bar> BarAggregator::flush() {
    std::vector<Bar> out;
    for (auto& [symbol, p] : partial_) {
        if (!p.bar.symbol.empty()) out.push_back(finish(p));
    }
    partial_.clear();
    std::stable_sort(out.begin(), out.end(),
                     [](const Bar& a, const Bar& b) { return a.ts < b.ts; });
    return out;
}

std::vector<Bar> aggregate(const std::vector<Bar>& bars, Timeframe timeframe) {
    BarAggregator agg{timeframe};
    std::vector<Bar> out;
    for (const auto& b : bars) {
        if (auto done = agg.add(b)) out.push_back(std::move(*done));
    }
    auto rest = agg.flush();
    out.insert(out.end(), rest.begin(), rest.end());
    std::stable_sort(out.begin(), out.end(),
                     [](const Bar& a, const Bar& b) { return a.ts < b.ts; });
    return out;
}

}  // namespace meridian::engine
