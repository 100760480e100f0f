// Exact summation, SMA and crossover detection.
#include "engine/indicators.hpp"

#include <cmath>

#include "core/assert.hpp"

namespace meridian::engine {

void ExactSum::add(double x) {
    std::size_t i = 0;
    for (double y : partials_) {
        if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
        const double hi = x + y;
        const double lo = y - (hi - x);
        if (lo != 0.0) partials_[i++] = lo;
        x = hi;
    }
    partials_.resize(i);
    partials_.push_back(x);
}

double ExactSum::value() const {
    // Python's math.fsum: sum the partials from the top, then correct a half-way rounding.
    std::size_t n = partials_.size();
    if (n == 0) return 0.0;
    double hi = partials_[--n];
    double lo = 0.0;
    while (n > 0) {
        const double x = hi;
        const double y = partials_[--n];
        hi = x + y;
        const double yr = hi - x;
        lo = y - yr;
        if (lo != 0.0) break;
    }
    if (n > 0 && ((lo < 0.0 && partials_[n - 1] < 0.0) || (lo > 0.0 && partials_[n - 1] > 0.0))) {
        const double y = lo * 2.0;
        const double x = hi + y;
        const double yr = x - hi;
        if (y == yr) hi = x;
    }
    return hi;
}

Sma::Sma(std::size_t period) : period_{period}, window_(period) {
    MERIDIAN_ASSERT(period > 0, "SMA period must be positive");
}

std::optional<double> Sma::update(double x) {
    if (count_ == period_)
        sum_.subtract(window_[next_]);
    else
        ++count_;
    window_[next_] = x;
    next_ = (next_ + 1) % period_;
    sum_.add(x);
    if (count_ == period_) value_ = sum_.value() / static_cast<double>(period_);
    return value_;
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
