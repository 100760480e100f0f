// Seeded geometric Brownian motion.
#include "engine/synthetic.hpp"

#include <algorithm>
#include <cmath>

#include "engine/calendar.hpp"

namespace meridian::engine {
namespace {

core::Price cents(double v) {
    const auto c = std::max<std::int64_t>(1, std::llround(v * 100));
    return core::Price::from_raw(c * 10'000'000);
}

/// A draw from N(0, 1) by Box-Muller: the same on every standard library, unlike
/// std::normal_distribution.
double normal(std::mt19937_64& rng) {
    constexpr double two_pi = 6.283185307179586;
    const double u1 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
    const double u2 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
}

}  // namespace

SyntheticMarket::SyntheticMarket(SyntheticConfig config) : config_{std::move(config)} {
    for (std::size_t i = 0; i < config_.symbols.size(); ++i) {
        prices_.push_back(config_.start_price.to_double());
        rngs_.emplace_back(config_.seed * 0x9e3779b97f4a7c15ULL + i + 1);
    }
    next_ = config_.regular_hours && !nyse::is_open(config_.start)
                ? nyse::next_session(config_.start).open
                : config_.start;
}

core::Timestamp SyntheticMarket::advance(core::Timestamp t) const {
    const core::Timestamp next = t + config_.interval;
    if (!config_.regular_hours) return next;
    const Session s = nyse::next_session(t);
    if (next < s.close) return next;
    return nyse::next_session(s.close).open;
}

MarketStep SyntheticMarket::step() {
    MarketStep out;
    out.ts = next_;
    const int parts = std::max(1, config_.trades_per_bar);
    // The interval as a fraction of a year of trading (252 sessions of 6.5 hours, or 365 days).
    const double year_seconds = config_.regular_hours ? 252.0 * 23400.0 : 365.0 * 86400.0;
    const double dt = static_cast<double>(config_.interval.ns) / 1e9 / year_seconds / parts;
    const double mu = (config_.drift - 0.5 * config_.volatility * config_.volatility) * dt;
    const double sigma = config_.volatility * std::sqrt(dt);
    // In time order: every symbol's quote at one instant (in the config's order) before the next
    // instant's, so that a live market publishing them as its clock passes their times spreads
    // each symbol's quotes over the bar instead of sending one symbol's minute at once.
    const std::size_t n = config_.symbols.size();
    out.quotes.resize(n * static_cast<std::size_t>(parts));
    out.trades.resize(n * static_cast<std::size_t>(parts));
    for (std::size_t i = 0; i < n; ++i) {
        Bar bar;
        bar.symbol = config_.symbols[i];
        bar.ts = next_;
        bar.open = cents(prices_[i]);
        bar.high = bar.low = bar.open;
        double pv = 0;
        std::int64_t volume = 0;
        for (int k = 0; k < parts; ++k) {
            prices_[i] *= std::exp(mu + sigma * normal(rngs_[i]));
            const core::Price last = cents(prices_[i]);
            const core::Timestamp ts =
                next_ + core::Duration{config_.interval.ns * (k + 1) / (parts + 1)};
            const std::int64_t size = 100 * static_cast<std::int64_t>(1 + rngs_[i]() % 20);
            const core::Price half_cent = core::Price::from_raw(5'000'000);
            const std::size_t at = static_cast<std::size_t>(k) * n + i;
            out.quotes[at] = Quote{bar.symbol,
                                   ts,
                                   last - half_cent,
                                   last + half_cent,
                                   core::Quantity::from_units(100),
                                   core::Quantity::from_units(100)};
            out.trades[at] = Trade{bar.symbol, ts, last, core::Quantity::from_units(size)};
            bar.high = std::max(bar.high, last);
            bar.low = std::min(bar.low, last);
            bar.close = last;
            pv += last.to_double() * static_cast<double>(size);
            volume += size;
        }
        bar.volume = core::Quantity::from_units(volume);
        bar.trade_count = static_cast<std::uint64_t>(parts);
        bar.vwap = core::Price::from_raw(
            static_cast<std::int64_t>(std::llround(pv / static_cast<double>(volume) * 1e4)) *
            100'000);
        out.bars.push_back(std::move(bar));
    }
    next_ = advance(next_);
    return out;
}

std::vector<Bar> synthetic_bars(const SyntheticConfig& config, std::size_t count) {
    SyntheticMarket market{config};
    std::vector<Bar> bars;
    bars.reserve(count * config.symbols.size());
    for (std::size_t i = 0; i < count; ++i) {
        auto step = market.step();
        for (auto& b : step.bars) {
            bars.push_back(std::move(b));
        }
    }
    return bars;
}

}  // namespace meridian::engine
