// Tests of the statistics against hand-computed cases.
#include "engine/statistics.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::engine {
namespace {

EquityPoint point(int day, std::string_view equity) {
    return EquityPoint{test::ts("2024-01-01") + core::Duration::days(day), test::usd(equity),
                       core::Money{}, test::usd(equity)};
}

TEST(Statistics, ReturnsRiskAndDrawdownOfASmallCurve) {
    const std::vector<EquityPoint> curve{point(0, "110"), point(1, "99"), point(2, "121")};
    const Summary s = summarize(curve, {true, false, true}, {}, test::usd("100"), 4);
    EXPECT_EQ(s.final_equity, test::usd("121"));
    EXPECT_DOUBLE_EQ(s.total_return, 0.21);
    EXPECT_DOUBLE_EQ(s.periods_per_year, 252);
    // Period returns 0.1, -0.1, 0.2222..; values from Python's statistics.stdev.
    EXPECT_NEAR(s.volatility, 2.582275769190454, 1e-12);
    EXPECT_NEAR(s.sharpe, 7.2287657613418626, 1e-12);
    EXPECT_NEAR(s.sortino, 20.367003088692634, 1e-12);
    EXPECT_DOUBLE_EQ(s.max_drawdown, 0.1);           // 110 -> 99
    EXPECT_DOUBLE_EQ(s.max_drawdown_duration, 2.0);  // recovered two days after the peak
    EXPECT_NEAR(s.cagr, std::pow(1.21, 365.25 / 2) - 1, 1e-6 * std::pow(1.21, 365.25 / 2));
    EXPECT_NEAR(*s.calmar, s.cagr / 0.1, 1e-9 * *s.calmar);
    EXPECT_DOUBLE_EQ(s.exposure, 2.0 / 3.0);
    EXPECT_EQ(s.num_fills, 4u);
}

TEST(Statistics, RiskFreeRateComesOffEachPeriodsReturn) {
    const std::vector<EquityPoint> curve{point(0, "110"), point(1, "99"), point(2, "121")};
    const Summary s = summarize(curve, {true, false, true}, {}, test::usd("100"), 4, 0.0252);
    // Mean 0.0740740..., less 0.0252 / 252 = 0.0001 per period; stdev as before.
    const double sd = 2.582275769190454 / std::sqrt(252.0);
    EXPECT_NEAR(s.sharpe, (0.2222222222222222 / 3 - 0.0001) / sd * std::sqrt(252.0), 1e-9);
}

TEST(Statistics, TurnoverIsTradedNotionalOverMeanEquityPerYear) {
    const std::vector<EquityPoint> curve{point(0, "100"), point(1, "100"), point(2, "100")};
    const Summary s =
        summarize(curve, {false, false, false}, {}, test::usd("100"), 2, 0, test::usd("50"));
    EXPECT_DOUBLE_EQ(s.turnover, 0.5 / (2 / 365.25));
    EXPECT_NE(summary_json(s).find("\"turnover\": "), std::string::npos);
}

TEST(Statistics, RoundTripFigures) {
    const std::vector<RoundTrip> trips{
        {test::usd("30")}, {test::usd("-10")}, {test::usd("10")}, {test::usd("-20")}};
    const Summary s = summarize({point(0, "100")}, {false}, trips, test::usd("100"), 8);
    EXPECT_EQ(s.num_round_trips, 4u);
    EXPECT_DOUBLE_EQ(s.win_rate, 0.5);
    EXPECT_DOUBLE_EQ(*s.profit_factor, 40.0 / 30.0);
    EXPECT_DOUBLE_EQ(s.expectancy, 2.5);
}

TEST(Statistics, UndefinedRatiosAreNullNotInfinite) {
    const Summary s = summarize({point(0, "100"), point(1, "100")}, {false, false},
                                {{test::usd("5")}}, test::usd("100"), 2);
    EXPECT_FALSE(s.profit_factor);
    EXPECT_FALSE(s.calmar);
    EXPECT_EQ(s.sharpe, 0);
    const std::string json = summary_json(s);
    EXPECT_NE(json.find("\"profit_factor\": null"), std::string::npos);
    EXPECT_NE(json.find("\"final_equity\": \"100\""), std::string::npos);
}

TEST(Statistics, IntradaySpacingAnnualisesBySessions) {
    std::vector<EquityPoint> curve;
    for (int i = 0; i < 3; ++i) {
        curve.push_back(
            EquityPoint{test::ts("2024-01-02T14:30:00Z") + core::Duration::minutes(5 * i),
                        test::usd("100"),
                        {},
                        test::usd("100")});
    }
    EXPECT_DOUBLE_EQ(
        summarize(curve, {false, false, false}, {}, test::usd("100"), 0).periods_per_year,
        252.0 * 78);
}

TEST(Statistics, DoublesPrintShortestAndRoundTrip) {
    EXPECT_EQ(format_double(0.1), "0.1");
    EXPECT_EQ(format_double(0), "0");
    EXPECT_EQ(format_double(2.0 / 3.0), "0.6666666666666666");
    EXPECT_EQ(format_double(std::nan("")), "null");
}

}  // namespace
}  // namespace meridian::engine
