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

/// The exactly rounded sum of `xs`, by a method independent of ExactSum's: every double is a
/// whole number of 2^-1074, so the sum is a big integer (two's complement, 36 words), rounded
/// once to the nearest double, ties to even. Finite values only.
double reference_fsum(const std::vector<double>& xs) {
    constexpr std::size_t words = 36;  // 2,304 bits: 2^-1074 .. 2^1230
    std::vector<std::uint64_t> big(words, 0);
    auto add_shifted = [&](std::uint64_t m, int shift, bool negative) {
        std::vector<std::uint64_t> term(words, 0);
        const auto w = static_cast<std::size_t>(shift / 64);
        const int b = shift % 64;
        term[w] = m << b;
        if (b != 0) term[w + 1] = m >> (64 - b);
        if (negative) {  // two's complement
            std::uint64_t carry = 1;
            for (auto& t : term) {
                t = ~t + carry;
                carry = (carry != 0 && t == 0) ? 1 : 0;
            }
        }
        std::uint64_t carry = 0;
        for (std::size_t i = 0; i < words; ++i) {
            const std::uint64_t s1 = big[i] + term[i];
            const std::uint64_t c1 = s1 < big[i] ? 1 : 0;
            big[i] = s1 + carry;
            carry = c1 + (big[i] < s1 ? 1 : 0);
        }
    };
    for (double x : xs) {
        const auto bits = std::bit_cast<std::uint64_t>(x);
        const int biased = static_cast<int>((bits >> 52) & 0x7ff);
        std::uint64_t m = bits & ((std::uint64_t{1} << 52) - 1);
        int shift = 0;  // x = m * 2^(shift - 1074)
        if (biased != 0) {
            m |= std::uint64_t{1} << 52;
            shift = biased - 1;
        }
        if (m != 0) add_shifted(m, shift, (bits >> 63) != 0);
    }
    const bool negative = (big[words - 1] >> 63) != 0;
    if (negative) {
        std::uint64_t carry = 1;
        for (auto& t : big) {
            t = ~t + carry;
            carry = (carry != 0 && t == 0) ? 1 : 0;
        }
    }
    auto bit = [&](int i) {
        return i >= 0 && ((big[static_cast<std::size_t>(i) / 64] >> (i % 64)) & 1) != 0;
    };
    int top = static_cast<int>(words) * 64 - 1;
    while (top >= 0 && !bit(top)) {
        --top;
    }
    if (top < 0) return 0.0;
    double out = 0;
    if (top < 53) {  // below 2^-1021: exactly a double
        std::uint64_t k = 0;
        for (int i = top; i >= 0; --i) {
            k = (k << 1) | (bit(i) ? 1 : 0);
        }
        out = std::ldexp(static_cast<double>(k), -1074);
    } else {
        std::uint64_t q = 0;
        for (int i = top; i > top - 53; --i) {
            q = (q << 1) | (bit(i) ? 1 : 0);
        }
        const bool half = bit(top - 53);
        bool sticky = false;
        for (int i = top - 54; i >= 0 && !sticky; --i) {
            sticky = bit(i);
        }
        if (half && (sticky || (q & 1) != 0)) ++q;
        out = std::ldexp(static_cast<double>(q), top - 52 - 1074);
    }
    return negative ? -out : out;
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

TEST(ExactSum, TheReferenceRoundsAsPythonsFsum) {
    EXPECT_EQ(reference_fsum({1.0, 1e-16, 1e-16}), 1.0000000000000002);
    EXPECT_EQ(reference_fsum({0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}), 1.0);
    EXPECT_EQ(reference_fsum({1e100, 1.0, -1e100, 1e-100}), 1.0);
    EXPECT_EQ(reference_fsum({0x1p-1074, 0x1p-1074}), 0x1p-1073);
    EXPECT_EQ(reference_fsum({-2.5, 0.5}), -2.0);
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
