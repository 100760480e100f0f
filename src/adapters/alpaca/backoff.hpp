// Backoff: how long to wait before connecting again, for the streams.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace meridian::alpaca {

/// Exponential backoff with jitter: each wait is between half and all of the current step (so
/// that clients dropped together do not come back together), the step doubles up to `max`, and
/// a success resets it. Not thread-safe.
class Backoff {
public:
    explicit Backoff(std::chrono::milliseconds first = std::chrono::milliseconds(1000),
                     std::chrono::milliseconds max = std::chrono::milliseconds(30'000))
        : first_{first}, max_{max}, step_{first}, rng_{std::random_device{}()} {}

    /// The next wait, at least `minimum` (a server's own rule, such as after a 429).
    std::chrono::milliseconds next(std::chrono::milliseconds minimum = {}) {
        const auto half = step_ / 2;
        const auto wait = half + std::chrono::milliseconds(
                                     std::uniform_int_distribution<long>(0, half.count())(rng_));
        step_ = std::min(step_ * 2, max_);
        return std::max(minimum, wait);
    }
    void reset() { step_ = first_; }

private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds step_;
    std::mt19937_64 rng_;
};

}  // namespace meridian::alpaca
