// Streaming indicators, O(1) work per update: exact sums, SMA, and a crossover detector.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace meridian::engine {

/// The exact sum of a multiset of doubles, rounded once when read (Shewchuk's algorithm, as
/// Python's math.fsum): adding and later subtracting the same values leaves no residue, so a
/// rolling window's sum never drifts. Not thread-safe.
class ExactSum {
public:
    void add(double x);
    void subtract(double x) { add(-x); }
    /// The exactly rounded sum of everything added.
    double value() const;
    void clear() { partials_.clear(); }

private:
    std::vector<double> partials_;  // non-overlapping, increasing magnitude
};

/// Simple moving average over `period` values: the exactly rounded mean of its window
/// (fsum(window) / n). Empty until `period` values have arrived.
class Sma {
public:
    explicit Sma(std::size_t period);
    std::optional<double> update(double x);
    std::optional<double> value() const { return value_; }
    std::size_t period() const noexcept { return period_; }

private:
    std::size_t period_;
    std::vector<double> window_;  // ring buffer
    std::size_t next_ = 0;
    std::size_t count_ = 0;
    ExactSum sum_;
    std::optional<double> value_;
};

enum class Cross { None, Up, Down };

/// Detects when a fast series crosses a slow one: Up when fast > slow now and the last non-zero
/// fast - slow before this update was negative; Down symmetrically; equality is never a cross.
class Crossover {
public:
    Cross update(double fast, double slow);

private:
    int last_sign_ = 0;  // sign of the last non-zero difference
};

}  // namespace meridian::engine
