// Tests of indicator specs: column names, errors, and the simple indicators by hand.
#include "engine/indicator_spec.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "engine/indicators.hpp"
#include "tests/support/engine_builders.hpp"

namespace meridian::engine {
namespace {

std::vector<std::string> names_of(std::string_view spec) {
    return make_indicator(spec).value()->names();
}

std::string error_of(std::string_view spec) {
    auto r = make_indicator(spec);
    return r ? std::string{} : r.error().message;
}

TEST(IndicatorSpec, ColumnNamesFollowTheSpec) {
    EXPECT_EQ(names_of("sma:20"), std::vector<std::string>{"sma_20"});
    EXPECT_EQ(names_of("rsi:14"), std::vector<std::string>{"rsi_14"});
    EXPECT_EQ(
        names_of("macd:12,26,9"),
        (std::vector<std::string>{"macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist"}));
    EXPECT_EQ(
        names_of("bbands:20,2"),
        (std::vector<std::string>{"bbands_20_2_upper", "bbands_20_2_middle", "bbands_20_2_lower"}));
    EXPECT_EQ(names_of("stoch:14,3,3"),
              (std::vector<std::string>{"stoch_14_3_3_k", "stoch_14_3_3_d"}));
    EXPECT_EQ(names_of("atr:14"), std::vector<std::string>{"atr_14"});
    EXPECT_EQ(names_of("vwap"), std::vector<std::string>{"vwap"});
}

TEST(IndicatorSpec, BadSpecsSayWhatIsWrong) {
    EXPECT_NE(error_of("smaa:20").find("unknown indicator (valid: sma:N, ema:N"),
              std::string::npos);
    EXPECT_EQ(error_of("sma"), "indicator 'sma': expected sma:N");
    EXPECT_EQ(error_of("sma:0"),
              "indicator 'sma:0': period '0' must be a whole number from 1 to 100000");
    EXPECT_EQ(error_of("sma:2x"),
              "indicator 'sma:2x': period '2x' must be a whole number from 1 to 100000");
    EXPECT_EQ(error_of("macd:26,12,9"),
              "indicator 'macd:26,12,9': the fast period must be below the slow one");
    EXPECT_EQ(error_of("macd:12,26"), "indicator 'macd:12,26': expected macd:FAST,SLOW,SIGNAL");
    EXPECT_NE(error_of("bbands:20,-1").find("must be a number above 0"), std::string::npos);
    EXPECT_EQ(error_of("vwap:5"), "indicator 'vwap:5': expected vwap");
}

TEST(Indicators, StdDevIsThePopulationDeviation) {
    StdDev sd{4};
    std::optional<double> v;
    for (double x : {2.0, 4.0, 4.0, 4.0})
        v = sd.update(x);
    EXPECT_DOUBLE_EQ(*v, std::sqrt(0.75));  // mean 3.5, squares of deviations 2.25+.25x3 = 3 / 4
    for (double x : {5.0, 5.0, 7.0, 9.0})
        v = sd.update(x);
    EXPECT_DOUBLE_EQ(*v, std::sqrt(2.75));  // mean 6.5: (2.25+2.25+.25+6.25)/4
}

TEST(Indicators, RocAndMomentumLookBackN) {
    Roc roc{2};
    Momentum mom{2};
    EXPECT_FALSE(roc.update(100));
    EXPECT_FALSE(roc.update(105));
    EXPECT_NEAR(*roc.update(110), 10.0, 1e-12);
    EXPECT_FALSE(mom.update(100));
    EXPECT_FALSE(mom.update(105));
    EXPECT_DOUBLE_EQ(*mom.update(90), -10.0);
}

TEST(Indicators, RsiOfAFlatWindowIsZeroAndOfARiseIsHundred) {
    Rsi flat{3};
    Rsi rise{3};
    std::optional<double> f, r;
    for (double x : {5.0, 5.0, 5.0, 5.0, 5.0})
        f = flat.update(x);
    for (double x : {1.0, 2.0, 3.0, 4.0})
        r = rise.update(x);
    EXPECT_EQ(*f, 0.0);
    EXPECT_EQ(*r, 100.0);
}

TEST(Indicators, StochasticOfAnEmptyRangeIsZero) {
    Stochastic s{3, 1, 1};
    std::optional<StochValue> v;
    for (int i = 0; i < 4; ++i)
        v = s.update(10, 10, 10);
    EXPECT_EQ(v->k, 0.0);
    EXPECT_EQ(v->d, 0.0);
}

TEST(Indicators, VwapWeightsTypicalPriceByVolumeAndRestartsDaily) {
    auto vwap = make_indicator("vwap").value();
    std::optional<double> out[1];
    auto bar = [](int day, int minute, const char* h, const char* l, const char* c, const char* v) {
        Bar b = test::bar("AAPL", day, c);
        b.ts += core::Duration::minutes(minute);
        b.high = test::px(h);
        b.low = test::px(l);
        b.volume = test::qty(v);
        return b;
    };
    vwap->update(bar(0, 0, "12", "9", "9", "100"), out);  // typical 10
    EXPECT_DOUBLE_EQ(*out[0], 10.0);
    vwap->update(bar(0, 1, "21", "18", "21", "300"), out);  // typical 20
    EXPECT_DOUBLE_EQ(*out[0], 17.5);
    vwap->update(bar(1, 0, "6", "3", "3", "0"), out);  // a new day with no volume yet
    EXPECT_FALSE(out[0]);
}

TEST(Indicators, WmaWeighsTheNewestMost) {
    Wma wma{3};
    EXPECT_FALSE(wma.update(1));
    EXPECT_FALSE(wma.update(2));
    EXPECT_DOUBLE_EQ(*wma.update(3), (1 + 4 + 9) / 6.0);
    EXPECT_DOUBLE_EQ(*wma.update(6), (2 + 6 + 18) / 6.0);
}

}  // namespace
}  // namespace meridian::engine
