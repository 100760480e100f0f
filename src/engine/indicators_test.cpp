// Tests of exact sums, the SMA and the crossover rule.
#include "engine/indicators.hpp"

#include <gtest/gtest.h>

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
