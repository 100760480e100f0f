// Tests of exact sums, the SMA and the crossover rule.
#include "engine/indicators.hpp"

#include <bit>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace meridian::engine {
namespace {

TEST(ExactSum, IsExactlyRoundedLikeFsum) {
    ExactSum s;
    for (int i = 0; i < 10; ++i)
        s.add(0.1);
    EXPECT_EQ(s.value(), 1.0);  // naive summation gives 0.9999999999999999
    ExactSum big;
    for (double x : {1e100, 1.0, -1e100, 1e-100})
        big.add(x);
    EXPECT_EQ(big.value(), 1.0);
    ExactSum half_way;  // Python: fsum([1, 1e-16, 1e-16]) == 1.0000000000000002
    for (double x : {1.0, 1e-16, 1e-16})
        half_way.add(x);
    EXPECT_EQ(half_way.value(), 1.0000000000000002);
}

TEST(ExactSum, AddingThenSubtractingLeavesNoResidue) {
    ExactSum s;
    s.add(187.25);
    for (int i = 0; i < 100'000; ++i) {
        const double x = 0.1 * (i % 97) + 1e-7 * i;
        s.add(x);
        s.subtract(x);
    }
    EXPECT_EQ(s.value(), 187.25);
}

/// Python's math.fsum, straight: Shewchuk's partials for every value (the reference the fast
/// fixed-point path of ExactSum must agree with).
double reference_fsum(const std::vector<double>& xs) {
    std::vector<double> partials;
    for (double x : xs) {
        std::size_t i = 0;
        for (double y : partials) {
            if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
            const double hi = x + y;
            const double lo = y - (hi - x);
            if (lo != 0.0) partials[i++] = lo;
            x = hi;
        }
        partials.resize(i);
        partials.push_back(x);
    }
    std::size_t n = partials.size();
    if (n == 0) return 0.0;
    double hi = partials[--n];
    double lo = 0.0;
    while (n > 0) {
        const double x = hi;
        const double y = partials[--n];
        hi = x + y;
        lo = y - (hi - x);
        if (lo != 0.0) break;
    }
    if (n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0))) {
        const double y = lo * 2.0;
        const double x = hi + y;
        if (y == x - hi) hi = x;
    }
    return hi;
}

/// Prices with up to 4 decimals (the fixed-point path), tiny and huge values and their negatives
/// (the partials), and exact halves that make ties.
rc::Gen<double> gen_summand() {
    return rc::gen::oneOf(
        rc::gen::map(rc::gen::inRange<std::int64_t>(1, 100'000'000),
                     [](std::int64_t n) { return static_cast<double>(n) / 10'000.0; }),
        rc::gen::map(rc::gen::inRange<std::int64_t>(-1'000'000, 1'000'000),
                     [](std::int64_t n) { return static_cast<double>(n) * 1e-9; }),
        rc::gen::map(rc::gen::inRange<int>(-300, 300),
                     [](int e) { return std::ldexp(1.0 + 1.0 / 3.0, e); }),
        rc::gen::map(rc::gen::inRange<int>(-60, 60), [](int e) { return -std::ldexp(1.0, e); }),
        rc::gen::element(0.0, -0.0, 1e300, -1e300, 0x1p-1074, 1e-16, 0.1));
}

RC_GTEST_PROP(ExactSumProperties, EqualsFsumOfTheValuesStillIn, ()) {
    const auto xs = *rc::gen::container<std::vector<double>>(gen_summand());
    const auto out = *rc::gen::container<std::vector<bool>>(xs.size(), rc::gen::arbitrary<bool>());
    ExactSum sum;
    std::vector<double> kept;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        sum.add(xs[i]);
    }
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (out[i]) {
            sum.subtract(xs[i]);
        } else {
            kept.push_back(xs[i]);
        }
    }
    const double expected = reference_fsum(kept);
    const double got = sum.value();
    RC_ASSERT(std::bit_cast<std::uint64_t>(got + 0.0) ==
              std::bit_cast<std::uint64_t>(expected + 0.0));
}

RC_GTEST_PROP(SmaProperties, IsTheFsumMeanOfItsWindow, ()) {
    const auto period = *rc::gen::inRange<std::size_t>(1, 40);
    const auto xs = *rc::gen::container<std::vector<double>>(gen_summand());
    Sma sma{period};
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const auto v = sma.update(xs[i]);
        if (i + 1 < period) {
            RC_ASSERT(!v.has_value());
            continue;
        }
        const std::vector<double> window(xs.begin() + static_cast<std::ptrdiff_t>(i + 1 - period),
                                         xs.begin() + static_cast<std::ptrdiff_t>(i + 1));
        RC_ASSERT(*v == reference_fsum(window) / static_cast<double>(period));
    }
}

TEST(Sma, ExactMeanOfTheWindowAfterWarmUp) {
    Sma sma{3};
    EXPECT_FALSE(sma.update(1));
    EXPECT_FALSE(sma.update(2));
    EXPECT_EQ(sma.update(3), 2.0);
    EXPECT_EQ(sma.update(4), 3.0);
    EXPECT_EQ(sma.update(5), 4.0);
    Sma tenths{10};
    std::optional<double> v;
    for (int i = 0; i < 10; ++i)
        v = tenths.update(0.1);
    EXPECT_EQ(*v, 0.1);  // fsum gives exactly 1.0, so the mean is exactly 0.1
}

TEST(Crossover, CrossesOnlyAfterTheOppositeSideAndNeverOnEquality) {
    Crossover c;
    EXPECT_EQ(c.update(1, 2), Cross::None);  // first side seen: below
    EXPECT_EQ(c.update(2, 2), Cross::None);  // touching is not crossing
    EXPECT_EQ(c.update(3, 2), Cross::Up);    // last non-zero difference was negative
    EXPECT_EQ(c.update(4, 2), Cross::None);
    EXPECT_EQ(c.update(2, 2), Cross::None);
    EXPECT_EQ(c.update(1, 2), Cross::Down);
    Crossover fresh;
    EXPECT_EQ(fresh.update(3, 2), Cross::None);  // no earlier side: no cross
}

}  // namespace
}  // namespace meridian::engine
