// Price, Quantity and Money: exact fixed-point decimals, parsed from and printed as decimal
// strings.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/assert.hpp"
#include "core/result.hpp"

namespace meridian::core {

__extension__ using Int128 = __int128;

/// How a value that has more digits than wanted is brought to fewer. Always chosen explicitly.
enum class Rounding {
    HalfEven,  // banker's rounding: 0.125 -> 0.12, 0.135 -> 0.14
    HalfUp,    // half away from zero: 0.125 -> 0.13, -0.125 -> -0.13
    Down,      // toward zero (truncate)
    Up,        // away from zero
    Floor,     // toward negative infinity
    Ceiling,   // toward positive infinity
};

namespace decimal {

/// Parses "[-]digits[.digits]" into units of 10^-scale. Rejects empty, over-long (> 64 chars),
/// signs other than a leading '-', exponents, NaN/Inf, a missing digit on either side of '.',
/// more than `scale` fractional digits, and values outside [min, max]. `what` names the value in
/// error messages ("price", "quantity", ...).
Result<Int128> parse(std::string_view text, int scale, Int128 min, Int128 max,
                     std::string_view what);

/// Shortest exact decimal form of raw * 10^-scale: "187.25", "-0.0001", "10", "0".
std::string format(Int128 raw, int scale);
/// The same appended to `out` (no string made: for writers of many numbers).
void format_to(std::string& out, Int128 raw, int scale);

/// raw * 10^-scale written with exactly `places` fractional digits (places <= scale), rounded.
std::string format_fixed(Int128 raw, int scale, int places, Rounding mode);

/// num / den rounded to an integer by `mode`. den != 0.
Int128 div_round(Int128 num, Int128 den, Rounding mode);

/// 10^n for 0 <= n <= 38.
Int128 pow10(int n);

/// Checked arithmetic: aborts on overflow (a broken invariant, never a silent wrap).
std::int64_t add(std::int64_t a, std::int64_t b);
std::int64_t sub(std::int64_t a, std::int64_t b);
std::int64_t mul(std::int64_t a, std::int64_t b);
Int128 add(Int128 a, Int128 b);
Int128 sub(Int128 a, Int128 b);
Int128 mul(Int128 a, Int128 b);

/// Decimal text of a 128-bit integer.
std::string to_string(Int128 value);

}  // namespace decimal

class Money;

/// A price in nano-units (1.0 == 1'000'000'000): 9 decimal places, range +-9.2e9.
/// Value type; safe to share across threads.
class Price {
public:
    static constexpr int scale = 9;
    static constexpr std::int64_t one = 1'000'000'000;

    constexpr Price() noexcept = default;
    static constexpr Price from_raw(std::int64_t raw) noexcept { return Price{raw}; }
    /// Whole units: Price::from_units(187) == 187.000000000.
    static Price from_units(std::int64_t units) { return Price{decimal::mul(units, one)}; }
    /// Parses "187.25" or "-0.0001"; rejects exponents, NaN and more than 9 decimals.
    static Result<Price> parse(std::string_view text);

    constexpr std::int64_t raw() const noexcept { return raw_; }
    constexpr bool is_zero() const noexcept { return raw_ == 0; }
    constexpr bool is_positive() const noexcept { return raw_ > 0; }
    constexpr bool is_negative() const noexcept { return raw_ < 0; }
    /// Number of fractional digits needed to write it exactly (0..9).
    int decimals() const noexcept;
    /// Rounded to `places` decimals (0..9), e.g. to the penny tick.
    Price round(int places, Rounding mode) const;
    std::string to_string() const;  // shortest exact form: "187.25"
    void append_to(std::string& out) const { decimal::format_to(out, raw_, scale); }
    double to_double() const noexcept { return static_cast<double>(raw_) / one; }

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend constexpr auto operator<=>(const Price&, const Price&) = default;
    friend Price operator+(Price a, Price b) { return Price{decimal::add(a.raw_, b.raw_)}; }
    friend Price operator-(Price a, Price b) { return Price{decimal::sub(a.raw_, b.raw_)}; }
    friend Price operator-(Price a) { return Price{decimal::sub(0, a.raw_)}; }
    friend Price operator*(Price a, std::int64_t k) { return Price{decimal::mul(a.raw_, k)}; }
    Price& operator+=(Price b) { return *this = *this + b; }
    Price& operator-=(Price b) { return *this = *this - b; }
    friend std::ostream& operator<<(std::ostream& os, const Price& p);

private:
    constexpr explicit Price(std::int64_t raw) noexcept : raw_{raw} {}
    std::int64_t raw_ = 0;
};

/// A share quantity in nano-shares: 9 decimal places (Alpaca's fractional shares), range +-9.2e9.
/// Signed: a position's quantity is negative when short. Value type.
class Quantity {
public:
    static constexpr int scale = 9;
    static constexpr std::int64_t one = 1'000'000'000;

    constexpr Quantity() noexcept = default;
    static constexpr Quantity from_raw(std::int64_t raw) noexcept { return Quantity{raw}; }
    static Quantity from_units(std::int64_t units) { return Quantity{decimal::mul(units, one)}; }
    /// Parses "10" or "10.177047834"; rejects exponents, NaN and more than 9 decimals.
    static Result<Quantity> parse(std::string_view text);

    constexpr std::int64_t raw() const noexcept { return raw_; }
    constexpr bool is_zero() const noexcept { return raw_ == 0; }
    constexpr bool is_positive() const noexcept { return raw_ > 0; }
    constexpr bool is_negative() const noexcept { return raw_ < 0; }
    constexpr bool is_whole() const noexcept { return raw_ % one == 0; }
    Quantity abs() const { return raw_ < 0 ? -*this : *this; }
    std::string to_string() const;
    void append_to(std::string& out) const { decimal::format_to(out, raw_, scale); }
    double to_double() const noexcept { return static_cast<double>(raw_) / one; }

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend constexpr auto operator<=>(const Quantity&, const Quantity&) = default;
    friend Quantity operator+(Quantity a, Quantity b) {
        return Quantity{decimal::add(a.raw_, b.raw_)};
    }
    friend Quantity operator-(Quantity a, Quantity b) {
        return Quantity{decimal::sub(a.raw_, b.raw_)};
    }
    friend Quantity operator-(Quantity a) { return Quantity{decimal::sub(0, a.raw_)}; }
    Quantity& operator+=(Quantity b) { return *this = *this + b; }
    Quantity& operator-=(Quantity b) { return *this = *this - b; }
    friend std::ostream& operator<<(std::ostream& os, const Quantity& q);

private:
    constexpr explicit Quantity(std::int64_t raw) noexcept : raw_{raw} {}
    std::int64_t raw_ = 0;
};

/// An amount of US dollars in units of 10^-18, 128 bits wide (range +-1.7e20 dollars), so that
/// price x quantity (9 + 9 decimals) is always exact and no account or order size overflows.
/// Rounding to cents happens only where asked for (round_to_cents). Value type.
class Money {
public:
    static constexpr int scale = 18;

    constexpr Money() noexcept = default;
    static constexpr Money from_raw(Int128 raw) noexcept { return Money{raw}; }
    static Money from_units(std::int64_t dollars);
    /// Dollars in a price's units: Money::from_price(Price 1.5) == $1.5.
    static Money from_price(Price p);
    /// Parses "-23140.2" or "262113.632"; up to 18 decimals; rejects exponents and NaN.
    static Result<Money> parse(std::string_view text);

    constexpr Int128 raw() const noexcept { return raw_; }
    constexpr bool is_zero() const noexcept { return raw_ == 0; }
    constexpr bool is_positive() const noexcept { return raw_ > 0; }
    constexpr bool is_negative() const noexcept { return raw_ < 0; }
    Money abs() const { return raw_ < 0 ? -*this : *this; }
    /// Rounded to `places` decimals (0..18).
    Money round(int places, Rounding mode) const;
    Money round_to_cents(Rounding mode) const { return round(2, mode); }
    /// Shortest exact form: "1905.6522069165" (no rounding).
    std::string to_string() const;
    void append_to(std::string& out) const { decimal::format_to(out, raw_, scale); }
    /// Exactly `places` decimals, rounded by `mode`: to_string(2, Rounding::HalfEven) == "1905.65".
    std::string to_string(int places, Rounding mode) const;
    double to_double() const noexcept;

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend constexpr auto operator<=>(const Money&, const Money&) = default;
    friend Money operator+(Money a, Money b) { return Money{decimal::add(a.raw_, b.raw_)}; }
    friend Money operator-(Money a, Money b) { return Money{decimal::sub(a.raw_, b.raw_)}; }
    friend Money operator-(Money a) { return Money{decimal::sub(Int128{0}, a.raw_)}; }
    friend Money operator*(Money a, std::int64_t k) {
        return Money{decimal::mul(a.raw_, Int128{k})};
    }
    Money& operator+=(Money b) { return *this = *this + b; }
    Money& operator-=(Money b) { return *this = *this - b; }
    friend std::ostream& operator<<(std::ostream& os, const Money& m);

private:
    constexpr explicit Money(Int128 raw) noexcept : raw_{raw} {}
    Int128 raw_ = 0;
};

/// Exact notional: price x quantity, signed as the quantity.
Money operator*(Price p, Quantity q);
inline Money operator*(Quantity q, Price p) {
    return p * q;
}
/// Money x quantity (e.g. a per-share commission); exact when the result fits 18 decimals,
/// otherwise rounded by `mode`.
Money multiply(Money per_unit, Quantity q, Rounding mode);
/// Average price of a notional over a quantity, rounded to 9 decimals by `mode`. q != 0.
Price average_price(Money notional, Quantity q, Rounding mode);

}  // namespace meridian::core
