// Clock: where "now" comes from. SystemClock in app/ only; ManualClock in tests and backtests.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/timestamp.hpp"

namespace meridian::core {

/// Source of the current time; injected everywhere time is read (Envoy's TimeSource).
class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const noexcept = 0;
};

/// The real UTC wall clock. Safe to call from any thread.
class SystemClock final : public Clock {
public:
    Timestamp now() const noexcept override;
};

/// A clock that moves only when told to: tests and backtests. Time never goes backwards:
/// set() to an earlier time is ignored and returns false. Safe to read from any thread.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start = {}) noexcept : ns_{start.ns()} {}
    Timestamp now() const noexcept override {
        return Timestamp::from_ns(ns_.load(std::memory_order_acquire));
    }
    /// Moves to `t` if it is not earlier than now(); returns whether it moved (or stayed equal).
    bool set(Timestamp t) noexcept;
    void advance(Duration d) noexcept;

private:
    std::atomic<std::int64_t> ns_;
};

}  // namespace meridian::core
