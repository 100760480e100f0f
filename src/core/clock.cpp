// SystemClock and ManualClock.
#include "core/clock.hpp"

#include <chrono>

namespace meridian::core {

Timestamp SystemClock::now() const noexcept {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return Timestamp::from_ns(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count());
}

bool ManualClock::set(Timestamp t) noexcept {
    std::int64_t current = ns_.load(std::memory_order_acquire);
    while (t.ns() >= current) {
        if (ns_.compare_exchange_weak(current, t.ns(), std::memory_order_acq_rel)) return true;
    }
    return false;
}

void ManualClock::advance(Duration d) noexcept {
    MERIDIAN_ASSERT(d.ns >= 0, "ManualClock cannot go backwards");
    ns_.fetch_add(d.ns, std::memory_order_acq_rel);
}

}  // namespace meridian::core
