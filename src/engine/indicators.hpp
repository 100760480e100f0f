// Streaming indicators, O(1) work per update, with TA-Lib's definitions, warm-ups and seeding.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace meridian::engine {

/// The exact sum of a multiset of doubles, rounded once when read (as Python's math.fsum):
/// adding and later subtracting the same values leaves no residue, so a rolling window's sum
/// never drifts. Values that are whole multiples of 2^-64 below 2^36 in magnitude (every price,
/// volume and most statistics) are summed as 128-bit integers; the others as Shewchuk's
/// non-overlapping partials; value() rounds the union once. Not thread-safe.
class ExactSum {
    __extension__ using Wide = __int128;

public:
    /// A value ready to add or subtract: decoded once into units of 2^-64 when it can be.
    struct Term {
        double x = 0;
        Wide units = 0;
        bool fixed = false;
    };
    static Term term(double x);
    /// Adding and subtracting terms skips the decoding and the count of terms: the caller keeps
    /// at most 2^26 terms in the sum (a rolling window does).
    void add(const Term& t) {
        if (t.fixed) {
            fixed_ += t.units;
        } else {
            add_partial(t.x);
        }
    }
    void subtract(const Term& t) {
        if (t.fixed) {
            fixed_ -= t.units;
        } else {
            add_partial(-t.x);
        }
    }
    void add(double x) {
        if (!add_fixed(x, false)) add_partial(x);
    }
    void subtract(double x) {
        if (!add_fixed(x, true)) add_partial(-x);
    }
    /// The exactly rounded sum of everything added.
    double value() const {
        // One rounding to nearest, ties to even; scaling by a power of two is exact.
        return count_ == 0 ? to_double(fixed_) * 0x1p-64 : mixed_value();
    }
    void clear() {
        count_ = 0;
        fixed_ = 0;
        fixed_terms_ = 0;
    }

private:
    static constexpr int fixed_scale = 64;  // fixed_ counts units of 2^-64
    /// Adds (or subtracts) x to fixed_ if it is a whole number of units below 2^100 of them.
    bool add_fixed(double x, bool negate);
    double mixed_value() const;
    /// v rounded to the nearest double, ties to even, as libgcc's conversion but without its
    /// call: the top 63 bits with a sticky bit for the rest round as v would ("round to odd").
    static double to_double(Wide v);
    void add_partial(double x);
    static double partials_sum(const double* partials, std::size_t n);

    // Non-overlapping partials of increasing magnitude. Non-overlapping doubles span distinct
    // bits of the 2098-bit exponent range, so there are never more than 40 of them.
    static constexpr std::size_t max_partials = 48;
    double partials_[max_partials];
    std::size_t count_ = 0;
    Wide fixed_ = 0;
    // Terms in fixed_ (added minus subtracted): at most 2^26 of at most 2^100 units each keeps
    // the sum below 2^127.
    std::int64_t fixed_terms_ = 0;
};

inline ExactSum::Term ExactSum::term(double x) {
    Term t;
    t.x = x;
    const auto bits = std::bit_cast<std::uint64_t>(x);
    const int biased = static_cast<int>((bits >> 52) & 0x7ff);
    if (biased == 0) {
        t.fixed = x == 0.0;  // a subnormal is far below 2^-64
        return t;
    }
    if (biased == 0x7ff) return t;  // inf or nan
    const std::uint64_t mantissa =
        (bits & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
    // x = mantissa x 2^(biased - 1075) = mantissa x 2^shift units of 2^-64
    const int shift = biased - 1075 + fixed_scale;
    if (shift >= 0) {
        if (shift > 100 - 53) return t;  // 2^36 or more
        t.units = static_cast<Wide>(mantissa) << shift;
    } else {
        if (shift < -52 || (mantissa & ((std::uint64_t{1} << -shift) - 1)) != 0) return t;
        t.units = static_cast<Wide>(mantissa >> -shift);
    }
    if ((bits >> 63) != 0) t.units = -t.units;
    t.fixed = true;
    return t;
}

inline bool ExactSum::add_fixed(double x, bool negate) {
    constexpr std::int64_t max_terms = std::int64_t{1} << 26;
    if (fixed_terms_ >= max_terms || fixed_terms_ <= -max_terms) return false;
    const Term t = term(x);
    if (!t.fixed) return false;
    if (negate) {
        fixed_ -= t.units;
        --fixed_terms_;
    } else {
        fixed_ += t.units;
        ++fixed_terms_;
    }
    return true;
}

inline double ExactSum::to_double(Wide v) {
    __extension__ using UWide = unsigned __int128;
    const bool negative = v < 0;
    const UWide m = negative ? -static_cast<UWide>(v) : static_cast<UWide>(v);
    const auto high = static_cast<std::uint64_t>(m >> 64);
    const auto low = static_cast<std::uint64_t>(m);
    double out = 0;
    if (high == 0 && (low >> 63) == 0) {
        out = static_cast<double>(static_cast<std::int64_t>(low));
    } else {
        const int bits = high != 0 ? 128 - std::countl_zero(high) : 64;
        const int drop = bits - 63;  // 1..65
        auto top = static_cast<std::uint64_t>(m >> drop);
        if ((m & ((UWide{1} << drop) - 1)) != 0) top |= 1;
        const auto scale = std::bit_cast<double>(static_cast<std::uint64_t>(1023 + drop) << 52);
        out = static_cast<double>(static_cast<std::int64_t>(top)) * scale;
    }
    return negative ? -out : out;
}

/// Simple moving average over `period` values: the exactly rounded mean of its window
/// (fsum(window) / n). Empty until `period` values have arrived.
class Sma {
public:
    explicit Sma(std::size_t period);
    /// Inline: an optional<double> returned from a call goes through the stack, and reading back
    /// its flag byte as a word stalls store forwarding (a third of the cost).
    std::optional<double> update(double x) {
        const ExactSum::Term in = ExactSum::term(x);
        if (count_ == period_) {
            sum_.subtract(window_[next_]);
        } else {
            ++count_;
        }
        window_[next_] = in;
        if (++next_ == period_) next_ = 0;
        sum_.add(in);
        if (count_ != period_) return std::nullopt;
        const double mean = sum_.value() / static_cast<double>(period_);
        value_ = mean;
        return mean;
    }
    std::optional<double> value() const { return value_; }
    std::size_t period() const noexcept { return period_; }

private:
    std::size_t period_;
    std::vector<ExactSum::Term> window_;  // ring buffer
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
    /// The ring's size is a power of two, so positions wrap with a mask, not a division.
    class Ring {
    public:
        explicit Ring(std::size_t capacity)
            : entries_(std::bit_ceil(capacity)), mask_{entries_.size() - 1} {}
        bool empty() const noexcept { return size_ == 0; }
        const Entry& front() const { return entries_[head_]; }
        const Entry& back() const { return entries_[(head_ + size_ - 1) & mask_]; }
        void pop_front() {
            head_ = (head_ + 1) & mask_;
            --size_;
        }
        void pop_back() { --size_; }
        void push_back(Entry e) { entries_[(head_ + size_++) & mask_] = e; }

    private:
        std::vector<Entry> entries_;
        std::size_t mask_;
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
