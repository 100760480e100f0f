// Tests of Price, Quantity and Money: exact parsing, printing, arithmetic and rounding.
#include "core/decimal.hpp"

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::core {
namespace {

using test::px;
using test::qty;
using test::usd;

TEST(Decimal, ParsesAlpacaStringsExactly) {
    EXPECT_EQ(px("187.25").raw(), 187'250'000'000);
    EXPECT_EQ(px("-0.0001").raw(), -100'000);
    EXPECT_EQ(qty("10.177047834").raw(), 10'177'047'834);
    EXPECT_EQ(px("105.8988475").to_string(), "105.8988475");
    EXPECT_EQ(usd("-23140.2").to_string(), "-23140.2");
    EXPECT_EQ(usd("262113.632").to_string(), "262113.632");
    EXPECT_EQ(qty("0").to_string(), "0");
    EXPECT_EQ(qty("-0").to_string(), "0");
    EXPECT_EQ(px("007.50").to_string(), "7.5");
    EXPECT_EQ(px("0.000000001").raw(), 1);
}

TEST(Decimal, RejectsMalformedInputWithAReason) {
    struct Case {
        const char* text;
        const char* reason;
    };
    const std::string too_long(65, '1');
    const Case cases[] = {
        {"", "empty"},
        {"1e5", "exponent"},
        {"1.5E-3", "exponent"},
        {"NaN", "not a number"},
        {"nan", "not a number"},
        {"inf", "not a number"},
        {"+1", "'+'"},
        {".5", "digit must come before"},
        {"5.", "digit must follow"},
        {"1.2.3", "more than one"},
        {"1,5", "unexpected character"},
        {" 1", "unexpected character"},
        {"1.0000000001", "more than 9 fractional digits"},
        {"-", "no digits"},
        {"9223372037", "out of range"},
        {too_long.c_str(), "longer than 64"},
    };
    for (const auto& c : cases) {
        auto r = Price::parse(c.text);
        ASSERT_FALSE(r.has_value()) << c.text;
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
            << c.text << " -> " << r.error().message;
    }
}

TEST(Decimal, PriceRangeEndsAreExact) {
    EXPECT_EQ(Price::parse("9223372036.854775807")->raw(), INT64_MAX);
    EXPECT_FALSE(Price::parse("9223372036.854775808").has_value());
    EXPECT_EQ(Price::parse("-9223372036.854775807")->raw(), -INT64_MAX);
}

TEST(Decimal, NotionalOfFractionalSharesIsExact) {
    // 10.177047834 x 187.25 = 1905.6522069165 exactly (13 decimals).
    EXPECT_EQ((px("187.25") * qty("10.177047834")).to_string(), "1905.6522069165");
    EXPECT_EQ((px("105.8988475") * qty("1790.86")).to_string(), "189650.01003385");
}

TEST(Decimal, MoneyIsWideEnoughForLargeAccountsAndOrders) {
    // A million shares at $100,000: $100 billion, past int64 nano-dollars, exact here.
    const Money order = px("100000") * qty("1000000");
    EXPECT_EQ(order.to_string(), "100000000000");
    const Money account = usd("10000000000.01");
    EXPECT_EQ((account + order).to_string(), "110000000000.01");
    EXPECT_EQ((account * 4 - order).to_string(), "-59999999999.96");
    EXPECT_EQ(usd("99999999999999999999.999999999999999999").to_string(),
              "99999999999999999999.999999999999999999");
    EXPECT_FALSE(Money::parse("100000000000000000000").has_value());
    // Whole parts beyond 64 bits, written nineteen digits at a time, zeros kept inside.
    EXPECT_EQ(usd("99999999999999999999.999999999999999999").to_string(2, Rounding::Down),
              "99999999999999999999.99");
    EXPECT_EQ(usd("10000000000000000000.05").to_string(2, Rounding::HalfEven),
              "10000000000000000000.05");
    EXPECT_EQ(decimal::to_string(Int128{1} << 64), "18446744073709551616");
    const Int128 max = ~(static_cast<Int128>(1) << 127);
    EXPECT_EQ(decimal::to_string(max), "170141183460469231731687303715884105727");
    EXPECT_EQ(decimal::to_string(-max - 1), "-170141183460469231731687303715884105728");
    EXPECT_EQ(decimal::to_string(Int128{10'000'000'000'000'000'000ULL} * 10),
              "100000000000000000000");
}

TEST(Decimal, RoundsMoneyToCentsOnlyAsAsked) {
    EXPECT_EQ(usd("0.125").round_to_cents(Rounding::HalfEven).to_string(), "0.12");
    EXPECT_EQ(usd("0.135").round_to_cents(Rounding::HalfEven).to_string(), "0.14");
    EXPECT_EQ(usd("0.125").round_to_cents(Rounding::HalfUp).to_string(), "0.13");
    EXPECT_EQ(usd("-0.125").round_to_cents(Rounding::HalfUp).to_string(), "-0.13");
    EXPECT_EQ(usd("-0.125").round_to_cents(Rounding::HalfEven).to_string(), "-0.12");
    EXPECT_EQ(usd("1.239").round_to_cents(Rounding::Down).to_string(), "1.23");
    EXPECT_EQ(usd("-1.231").round_to_cents(Rounding::Floor).to_string(), "-1.24");
    EXPECT_EQ(usd("1.231").round_to_cents(Rounding::Ceiling).to_string(), "1.24");
    EXPECT_EQ(usd("1.231").round_to_cents(Rounding::Up).to_string(), "1.24");
    EXPECT_EQ(usd("1905.6522069165").to_string(2, Rounding::HalfEven), "1905.65");
    EXPECT_EQ(usd("3").to_string(2, Rounding::HalfEven), "3.00");
    EXPECT_EQ(usd("-0.004").to_string(2, Rounding::HalfEven), "0.00");
}

TEST(Decimal, AveragePriceRoundsAsAsked) {
    const Money total = px("100") * qty("1") + px("100") * qty("1") + px("101") * qty("1");
    EXPECT_EQ(average_price(total, qty("3"), Rounding::HalfEven).to_string(), "100.333333333");
    EXPECT_EQ(average_price(total, qty("3"), Rounding::Ceiling).to_string(), "100.333333334");
    EXPECT_EQ(average_price(usd("-300"), qty("3"), Rounding::HalfEven).to_string(), "-100");
}

TEST(Decimal, PriceRoundsToTick) {
    EXPECT_EQ(px("187.255").round(2, Rounding::HalfEven).to_string(), "187.26");
    EXPECT_EQ(px("187.245").round(2, Rounding::HalfEven).to_string(), "187.24");
    EXPECT_EQ(px("187.245").decimals(), 3);
    EXPECT_EQ(px("187").decimals(), 0);
}

TEST(Decimal, PerShareCommissionMultipliesExactly) {
    EXPECT_EQ(multiply(usd("0.005"), qty("150"), Rounding::HalfEven).to_string(), "0.75");
}

TEST(Decimal, ComparisonAndSignHelpers) {
    EXPECT_LT(px("1.5"), px("1.50001"));
    EXPECT_TRUE(qty("-1").is_negative());
    EXPECT_EQ(qty("-2.5").abs(), qty("2.5"));
    EXPECT_TRUE(qty("3").is_whole());
    EXPECT_FALSE(qty("3.1").is_whole());
    EXPECT_DOUBLE_EQ(px("187.25").to_double(), 187.25);
    EXPECT_DOUBLE_EQ(usd("-23140.2").to_double(), -23140.2);
}

TEST(DecimalDeathTest, OverflowAbortsInsteadOfWrapping) {
    EXPECT_DEATH((void)(Price::from_raw(INT64_MAX) + px("0.000000001")), "overflow");
}

}  // namespace
}  // namespace meridian::core
