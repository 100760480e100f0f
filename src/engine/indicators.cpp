// Exact summation, SMA and crossover detection.
#include "engine/indicators.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/assert.hpp"

namespace meridian::engine {

void ExactSum::add_partial(double x) {
    std::size_t i = 0;
    for (std::size_t j = 0; j < count_; ++j) {
        double y = partials_[j];
        if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
        const double hi = x + y;
        const double lo = y - (hi - x);
        if (lo != 0.0) partials_[i++] = lo;
        x = hi;
    }
    MERIDIAN_ASSERT(i < max_partials, "ExactSum: more partials than doubles allow");
    partials_[i] = x;
    count_ = i + 1;
    if (count_ == 1 && x == 0.0) count_ = 0;  // what was added is gone again
}

double ExactSum::partials_sum(const double* partials, std::size_t n) {
    // Python's math.fsum: sum the partials from the top, then correct a half-way rounding.
    if (n == 0) return 0.0;
    double hi = partials[--n];
    double lo = 0.0;
    while (n > 0) {
        const double x = hi;
        const double y = partials[--n];
        hi = x + y;
        const double yr = hi - x;
        lo = y - yr;
        if (lo != 0.0) break;
    }
    if (n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0))) {
        const double y = lo * 2.0;
        const double x = hi + y;
        const double yr = x - hi;
        if (y == yr) hi = x;
    }
    return hi;
}

double ExactSum::mixed_value() const {
    constexpr double unit = 0x1p-64;
    if (fixed_ == 0) return partials_sum(partials_, count_);
    // Both: the fixed sum as (at most three) exact doubles joins the partials.
    ExactSum all = *this;
    all.fixed_ = 0;
    Wide rest = fixed_;
    while (rest != 0) {
        const double piece = to_double(rest);
        rest -= static_cast<Wide>(piece);
        all.add_partial(piece * unit);
    }
    return partials_sum(all.partials_, all.count_);
}

Sma::Sma(std::size_t period) : period_{period}, window_(period) {
    MERIDIAN_ASSERT(period > 0, "SMA period must be positive");
    MERIDIAN_ASSERT(period < (std::size_t{1} << 26), "SMA period must be below 2^26");
}

Window::Window(std::size_t n) : values_(n) {
    MERIDIAN_ASSERT(n > 0, "window size must be positive");
}

std::optional<double> Window::push(double x) {
    std::optional<double> out;
    if (full()) {
        out = values_[next_];
    } else {
        ++count_;
    }
    values_[next_] = x;
    if (++next_ == values_.size()) next_ = 0;
    return out;
}

double Window::at_back(std::size_t back) const {
    MERIDIAN_ASSERT(back < count_, "Window::at_back beyond the values held");
    const std::size_t n = values_.size();
    return values_[(next_ + n - 1 - back) % n];
}

Ema::Ema(std::size_t period) : seed_{period}, k_{2.0 / (static_cast<double>(period) + 1.0)} {}

std::optional<double> Ema::update(double x) {
    if (value_) {
        value_ = (x - *value_) * k_ + *value_;
    } else {
        value_ = seed_.update(x);
    }
    return value_;
}

Wma::Wma(std::size_t period)
    : window_{period},
      divisor_{static_cast<double>(period) * static_cast<double>(period + 1) / 2} {}

std::optional<double> Wma::update(double x) {
    const double n = static_cast<double>(window_.size() + (window_.full() ? 0 : 1));
    // Every held value loses one weight step; x enters with the top weight.
    weighted_ += n * x - (window_.full() ? sum_ : 0.0);
    const auto out = window_.push(x);
    sum_ += x - out.value_or(0.0);
    if (!window_.full()) return std::nullopt;
    return weighted_ / divisor_;
}

StdDev::StdDev(std::size_t period) : window_{period} {}

std::optional<double> StdDev::update(double x) {
    if (auto out = window_.push(x)) {
        sum_.subtract(*out);
        squares_.subtract(*out * *out);
    }
    sum_.add(x);
    squares_.add(x * x);
    if (!window_.full()) return std::nullopt;
    const double n = static_cast<double>(window_.size());
    const double mean = sum_.value() / n;
    const double variance = squares_.value() / n - mean * mean;
    const double sd = variance > 0 ? std::sqrt(variance) : 0.0;
    mean_ = mean;
    value_ = sd;
    return sd;
}

Rsi::Rsi(std::size_t period) : period_{period} {
    MERIDIAN_ASSERT(period > 0, "RSI period must be positive");
}

std::optional<double> Rsi::update(double x) {
    if (!prev_) {
        prev_ = x;
        return std::nullopt;
    }
    const double change = x - *prev_;
    prev_ = x;
    const double gain = change > 0 ? change : 0.0;
    const double loss = change < 0 ? -change : 0.0;
    const auto n = static_cast<double>(period_);
    ++changes_;
    if (changes_ < period_) {
        gain_ += gain;
        loss_ += loss;
        return std::nullopt;
    }
    if (changes_ == period_) {
        gain_ = (gain_ + gain) / n;
        loss_ = (loss_ + loss) / n;
    } else {
        gain_ = (gain_ * (n - 1) + gain) / n;
        loss_ = (loss_ * (n - 1) + loss) / n;
    }
    const double total = gain_ + loss_;
    return total != 0.0 ? 100.0 * (gain_ / total) : 0.0;
}

Macd::Macd(std::size_t fast, std::size_t slow, std::size_t signal)
    : fast_seed_{fast},
      slow_seed_{slow},
      fast_{fast},
      slow_{slow},
      signal_{signal},
      slow_period_{slow} {
    MERIDIAN_ASSERT(fast < slow, "MACD needs fast < slow");
}

std::optional<MacdValue> Macd::update(double x) {
    ++count_;
    std::optional<double> fast;
    std::optional<double> slow;
    if (count_ < slow_period_) {
        fast_seed_.update(x);
        slow_seed_.update(x);
        return std::nullopt;
    }
    if (count_ == slow_period_) {
        fast = fast_seed_.update(x);
        slow = slow_seed_.update(x);
        fast_.seed(*fast);
        slow_.seed(*slow);
    } else {
        fast = fast_.update(x);
        slow = slow_.update(x);
    }
    const double line = *fast - *slow;
    const auto signal = signal_.update(line);
    if (!signal) return std::nullopt;
    return MacdValue{line, *signal, line - *signal};
}

BollingerBands::BollingerBands(std::size_t period, double k_up, double k_down)
    : stddev_{period}, k_up_{k_up}, k_down_{k_down} {}

std::optional<BandsValue> BollingerBands::update(double x) {
    const auto sd = stddev_.update(x);
    if (!sd) return std::nullopt;
    const double middle = *stddev_.mean();
    return BandsValue{middle + k_up_ * *sd, middle, middle - k_down_ * *sd};
}

Atr::Atr(std::size_t period) : period_{period} {
    MERIDIAN_ASSERT(period > 0, "ATR period must be positive");
}

std::optional<double> Atr::update(double high, double low, double close) {
    if (!prev_close_) {
        prev_close_ = close;
        return std::nullopt;
    }
    const double range =
        std::max({high - low, std::fabs(high - *prev_close_), std::fabs(low - *prev_close_)});
    prev_close_ = close;
    const auto n = static_cast<double>(period_);
    ++ranges_;
    if (ranges_ < period_) {
        sum_ += range;
    } else if (ranges_ == period_) {
        value_ = (sum_ + range) / n;
    } else {
        value_ = (*value_ * (n - 1) + range) / n;
    }
    return value_;
}

std::optional<double> Roc::update(double x) {
    window_.push(x);
    if (!window_.full()) return std::nullopt;
    const double before = window_.at_back(window_.size() - 1);
    return before != 0.0 ? (x / before - 1.0) * 100.0 : 0.0;
}

std::optional<double> Momentum::update(double x) {
    window_.push(x);
    if (!window_.full()) return std::nullopt;
    return x - window_.at_back(window_.size() - 1);
}

void RollingMinMax::push(double high, double low) {
    const std::uint64_t i = count_++;
    // Drop what falls out of the last n first, so each ring holds at most n entries.
    while (!maxima_.empty() && maxima_.front().index + n_ <= i) {
        maxima_.pop_front();
    }
    while (!minima_.empty() && minima_.front().index + n_ <= i) {
        minima_.pop_front();
    }
    while (!maxima_.empty() && maxima_.back().value <= high) {
        maxima_.pop_back();
    }
    maxima_.push_back({i, high});
    while (!minima_.empty() && minima_.back().value >= low) {
        minima_.pop_back();
    }
    minima_.push_back({i, low});
}

Stochastic::Stochastic(std::size_t fast_k, std::size_t slow_k, std::size_t slow_d)
    : range_{fast_k}, slow_k_{slow_k}, slow_d_{slow_d} {}

std::optional<StochValue> Stochastic::update(double high, double low, double close) {
    range_.push(high, low);
    if (!range_.full()) return std::nullopt;
    const double lowest = range_.min();
    const double span = range_.max() - lowest;
    const double fast_k = span > 0 ? (close - lowest) / span * 100.0 : 0.0;
    const auto k = slow_k_.update(fast_k);
    if (!k) return std::nullopt;
    const auto d = slow_d_.update(*k);
    if (!d) return std::nullopt;
    return StochValue{*k, *d};
}

std::optional<double> Vwap::update(std::int64_t day, double high, double low, double close,
                                   double volume) {
    if (day != day_) {
        day_ = day;
        pv_ = 0;
        volume_ = 0;
    }
    pv_ += (high + low + close) / 3.0 * volume;
    volume_ += volume;
    if (volume_ <= 0) return std::nullopt;
    return pv_ / volume_;
}

Cross Crossover::update(double fast, double slow) {
    const double diff = fast - slow;
    const int sign = diff > 0 ? 1 : (diff < 0 ? -1 : 0);
    Cross result = Cross::None;
    if (sign > 0 && last_sign_ < 0) result = Cross::Up;
    if (sign < 0 && last_sign_ > 0) result = Cross::Down;
    if (sign != 0) last_sign_ = sign;
    return result;
}

}  // namespace meridian::engine
