// Streaming indicators, O(1) work per update, with TA-Lib's definitions, warm-ups and seeding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
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
    void clear() { count_ = 0; }

private:
    // Non-overlapping partials of increasing magnitude. Non-overlapping doubles span distinct
    // bits of the 2098-bit exponent range, so there are never more than 40 of them.
    static constexpr std::size_t max_partials = 48;
    double partials_[max_partials];
    std::size_t count_ = 0;
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

/// Fixed-size window of the last `n` values (a ring buffer).
class Window {
public:
    explicit Window(std::size_t n);
    /// Adds x; returns the value that fell out, if the window was full.
    std::optional<double> push(double x);
    bool full() const noexcept { return count_ == values_.size(); }
    std::size_t size() const noexcept { return count_; }
    /// The value pushed `back` updates ago (0 = the newest).
    double at_back(std::size_t back) const;

private:
    std::vector<double> values_;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
};

/// Exponential moving average, k = 2 / (period + 1), seeded with the SMA of its first `period`
/// values (TA-Lib): the first value is at index period - 1.
class Ema {
public:
    explicit Ema(std::size_t period);
    std::optional<double> update(double x);
    /// Starts the average at `seed` (used by MACD, which seeds its EMAs itself).
    void seed(double seed) { value_ = seed; }
    std::optional<double> value() const { return value_; }
    double k() const noexcept { return k_; }

private:
    Sma seed_;
    double k_;
    std::optional<double> value_;
};

/// Weighted moving average, weights 1..period (newest heaviest), as TA-Lib's WMA.
class Wma {
public:
    explicit Wma(std::size_t period);
    std::optional<double> update(double x);

private:
    Window window_;
    double weighted_ = 0;
    double sum_ = 0;
    double divisor_;
};

/// Population standard deviation of the last `period` values (TA-Lib's STDDEV with nbdev 1).
class StdDev {
public:
    explicit StdDev(std::size_t period);
    std::optional<double> update(double x);
    /// The window's mean once full.
    std::optional<double> mean() const { return mean_; }

private:
    Window window_;
    ExactSum sum_;
    ExactSum squares_;
    std::optional<double> mean_;
    std::optional<double> value_;
};

/// Relative strength index with Wilder smoothing (TA-Lib): averages seeded with the simple
/// means of the first `period` changes, first value at index `period`; 0 when nothing moved.
class Rsi {
public:
    explicit Rsi(std::size_t period);
    std::optional<double> update(double x);

private:
    std::size_t period_;
    std::size_t changes_ = 0;
    std::optional<double> prev_;
    double gain_ = 0;
    double loss_ = 0;
};

struct MacdValue {
    double macd;
    double signal;
    double histogram;
};

/// MACD as TA-Lib aligns it: both EMAs start on the slow period's first bar (the fast one
/// seeded with the SMA of the fast-period bars ending there), the signal is an EMA of the MACD
/// line, and all three outputs begin together at index slow + signal - 2.
class Macd {
public:
    Macd(std::size_t fast, std::size_t slow, std::size_t signal);
    std::optional<MacdValue> update(double x);

private:
    Sma fast_seed_;
    Sma slow_seed_;
    Ema fast_;
    Ema slow_;
    Ema signal_;
    std::size_t slow_period_;
    std::size_t count_ = 0;
};

struct BandsValue {
    double upper;
    double middle;
    double lower;
};

/// Bollinger Bands: SMA middle, +- k population standard deviations (TA-Lib's BBANDS, SMA).
class BollingerBands {
public:
    BollingerBands(std::size_t period, double k_up, double k_down);
    std::optional<BandsValue> update(double x);

private:
    StdDev stddev_;
    double k_up_;
    double k_down_;
};

/// Average true range, Wilder smoothing (TA-Lib): the first value, at index `period`, is the
/// mean of the first `period` true ranges (a true range needs a previous close).
class Atr {
public:
    explicit Atr(std::size_t period);
    std::optional<double> update(double high, double low, double close);

private:
    std::size_t period_;
    std::size_t ranges_ = 0;
    std::optional<double> prev_close_;
    double sum_ = 0;
    std::optional<double> value_;
};

/// Rate of change in percent, (x / x[n ago] - 1) x 100 (TA-Lib's ROC; 0 if x[n ago] is 0).
class Roc {
public:
    explicit Roc(std::size_t period) : window_{period + 1} {}
    std::optional<double> update(double x);

private:
    Window window_;
};

/// Momentum, x - x[n ago] (TA-Lib's MOM).
class Momentum {
public:
    explicit Momentum(std::size_t period) : window_{period + 1} {}
    std::optional<double> update(double x);

private:
    Window window_;
};

/// Highest and lowest of the last `n` values, O(1) amortised (monotonic deques).
class RollingMinMax {
public:
    explicit RollingMinMax(std::size_t n) : n_{n}, maxima_{n}, minima_{n} {}
    void push(double high, double low);
    bool full() const noexcept { return count_ >= n_; }
    double max() const { return maxima_.front().value; }
    double min() const { return minima_.front().value; }

private:
    struct Entry {
        std::uint64_t index;
        double value;
    };
    /// A deque of at most `capacity` entries in a ring buffer: no allocation after construction.
    class Ring {
    public:
        explicit Ring(std::size_t capacity) : entries_(capacity) {}
        bool empty() const noexcept { return size_ == 0; }
        const Entry& front() const { return entries_[head_]; }
        const Entry& back() const { return entries_[(head_ + size_ - 1) % entries_.size()]; }
        void pop_front() {
            head_ = (head_ + 1) % entries_.size();
            --size_;
        }
        void pop_back() { --size_; }
        void push_back(Entry e) { entries_[(head_ + size_++) % entries_.size()] = e; }

    private:
        std::vector<Entry> entries_;
        std::size_t head_ = 0;
        std::size_t size_ = 0;
    };

    std::size_t n_;
    std::uint64_t count_ = 0;
    Ring maxima_;
    Ring minima_;
};

struct StochValue {
    double k;
    double d;
};

/// Slow stochastic with SMA smoothing (TA-Lib's STOCH): fast %K over `fast_k` bars (0 when the
/// range is empty), %K = SMA(slow_k) of it, %D = SMA(slow_d) of %K; both begin together at
/// index fast_k + slow_k + slow_d - 3.
class Stochastic {
public:
    Stochastic(std::size_t fast_k, std::size_t slow_k, std::size_t slow_d);
    std::optional<StochValue> update(double high, double low, double close);

private:
    RollingMinMax range_;
    Sma slow_k_;
    Sma slow_d_;
};

/// Volume-weighted average of the typical price (high + low + close) / 3, restarting each UTC
/// day (a US session lies within one). Empty until some volume has traded that day.
class Vwap {
public:
    std::optional<double> update(std::int64_t day, double high, double low, double close,
                                 double volume);

private:
    std::int64_t day_ = INT64_MIN;
    double pv_ = 0;
    double volume_ = 0;
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
