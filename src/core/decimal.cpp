// Fixed-point parsing, printing, rounding and checked arithmetic for Price, Quantity and Money.
#include "core/decimal.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <ostream>

namespace meridian::core {
namespace decimal {
namespace {

constexpr std::size_t max_text_length = 64;

__extension__ using UInt128 = unsigned __int128;

UInt128 magnitude(Int128 v) {
    return v < 0 ? UInt128(0) - static_cast<UInt128>(v) : static_cast<UInt128>(v);
}

std::string u128_to_string(UInt128 v) {
    // Nineteen digits at a time by one 128-bit division, the rest in 64-bit registers (a
    // 128-bit division per digit is a library call each).
    constexpr std::uint64_t ten19 = 10'000'000'000'000'000'000ULL;
    char buf[48];
    char* const end = buf + sizeof buf;
    char* p = end;
    while (v >> 64 != 0) {
        auto low = static_cast<std::uint64_t>(v % ten19);
        v /= ten19;
        for (int i = 0; i < 19; ++i) {
            *--p = static_cast<char>('0' + low % 10);
            low /= 10;
        }
    }
    auto rest = static_cast<std::uint64_t>(v);
    do {
        *--p = static_cast<char>('0' + rest % 10);
        rest /= 10;
    } while (rest != 0);
    return std::string(p, end);
}

std::string describe(std::string_view text) {
    constexpr std::size_t shown = 24;
    std::string out;
    out.reserve(shown + 5);
    out.push_back('\'');
    out.append(text.substr(0, shown));
    if (text.size() > shown) out.append("...");
    out.push_back('\'');
    return out;
}

}  // namespace

Int128 pow10(int n) {
    MERIDIAN_ASSERT(n >= 0 && n <= 38, "pow10 exponent out of range");
    static const auto table = [] {
        std::array<Int128, 39> t{};
        t[0] = 1;
        for (std::size_t i = 1; i < t.size(); ++i) {
            t[i] = t[i - 1] * 10;
        }
        return t;
    }();
    return table[static_cast<std::size_t>(n)];
}

std::string to_string(Int128 value) {
    std::string out = value < 0 ? "-" : "";
    out += u128_to_string(magnitude(value));
    return out;
}

Result<Int128> parse(std::string_view text, int scale, Int128 min, Int128 max,
                     std::string_view what) {
    auto fail = [&](std::string_view why) {
        return invalid(std::string{what} + " " + describe(text) + ": " + std::string{why});
    };
    if (text.empty()) return invalid(std::string{what} + " is empty");
    if (text.size() > max_text_length) return fail("longer than 64 characters");

    std::size_t i = 0;
    bool negative = false;
    if (text[0] == '-') {
        negative = true;
        i = 1;
    } else if (text[0] == '+') {
        return fail("leading '+' is not allowed");
    }

    // Digits accumulate without any division; the range is checked once at the end (at most
    // 20 integer digits, so int_part x 10^18 cannot overflow 128 bits).
    UInt128 int_part = 0;
    std::size_t int_digits = 0;
    std::uint64_t frac_part = 0;
    int frac_digits = 0;
    bool seen_point = false;

    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c >= '0' && c <= '9') {
            const auto digit = static_cast<unsigned>(c - '0');
            if (!seen_point) {
                if (int_digits == 20) return fail("out of range");
                int_part = int_part * 10 + digit;
                ++int_digits;
            } else {
                if (frac_digits == scale) {
                    return fail("more than " + std::to_string(scale) + " fractional digits");
                }
                frac_part = frac_part * 10 + digit;
                ++frac_digits;
            }
        } else if (c == '.') {
            if (seen_point) return fail("more than one '.'");
            if (int_digits == 0) return fail("a digit must come before '.'");
            seen_point = true;
        } else if (c == 'e' || c == 'E') {
            if (int_digits == 0) return fail("not a number");
            return fail("exponents are not allowed");
        } else {
            if (c == 'n' || c == 'N' || c == 'i' || c == 'I') return fail("not a number");
            return fail("unexpected character '" + std::string(1, c) + "' at position " +
                        std::to_string(i + 1));
        }
    }
    if (int_digits == 0) return fail("no digits");
    if (seen_point && frac_digits == 0) return fail("a digit must follow '.'");

    const UInt128 limit = magnitude(negative ? min : max);
    const UInt128 raw_magnitude =
        int_part * static_cast<UInt128>(pow10(scale)) +
        static_cast<UInt128>(frac_part) * static_cast<UInt128>(pow10(scale - frac_digits));
    if (raw_magnitude > limit) return fail("out of range");
    const auto signed_raw = static_cast<Int128>(raw_magnitude);
    return negative ? -signed_raw : signed_raw;
}

namespace {

/// Writes v's decimal digits ending at `end`; returns where they start.
char* put_u64(char* end, std::uint64_t v) {
    do {
        *--end = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

}  // namespace

void format_to(std::string& out, Int128 raw, int scale) {
    const UInt128 m = magnitude(raw);
    const auto unit = static_cast<UInt128>(pow10(scale));
    // One 128-bit division at most; the rest in 64-bit registers.
    UInt128 whole = 0;
    std::uint64_t frac = 0;  // < 10^18
    const auto hi = static_cast<std::uint64_t>(m >> 64);
    const auto lo = static_cast<std::uint64_t>(m);
    const auto unit64 = static_cast<std::uint64_t>(unit);
    if (hi == 0) {
        whole = lo / unit64;
        frac = lo % unit64;
#if defined(__x86_64__)
    } else if (hi < unit64) {
        // The quotient fits 64 bits: one divide instruction, not the library's 128-bit divide.
        std::uint64_t q = 0;
        std::uint64_t r = 0;
        asm("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(unit64));
        whole = q;
        frac = r;
#endif
    } else {
        whole = m / unit;
        frac = static_cast<std::uint64_t>(m - whole * unit);
    }
    char buf[64];
    char* const end = buf + sizeof buf;
    char* p = end;
    if (frac != 0) {
        int digits = scale;
        while (frac % 10 == 0) {
            frac /= 10;
            --digits;
        }
        char* start = put_u64(p, frac);
        while (end - start < digits) {
            *--start = '0';
        }
        p = start;
        *--p = '.';
    }
    if (whole < (UInt128{1} << 64)) {
        p = put_u64(p, static_cast<std::uint64_t>(whole));
        if (raw < 0) *--p = '-';
        out.append(p, end);
    } else {
        if (raw < 0) out += '-';
        out += u128_to_string(whole);
        out.append(p, end);
    }
}

std::string format(Int128 raw, int scale) {
    std::string out;
    format_to(out, raw, scale);
    return out;
}

std::string format_fixed(Int128 raw, int scale, int places, Rounding mode) {
    MERIDIAN_ASSERT(places >= 0 && places <= scale, "format_fixed places out of range");
    const Int128 rounded = div_round(raw, pow10(scale - places), mode);
    const UInt128 unit = static_cast<UInt128>(pow10(places));
    const UInt128 m = magnitude(rounded);
    std::string out = rounded < 0 ? "-" : "";
    out += u128_to_string(m / unit);
    if (places > 0) {
        std::string digits = u128_to_string(m % unit);
        out += '.';
        out += std::string(static_cast<std::size_t>(places) - digits.size(), '0');
        out += digits;
    }
    return out;
}

Int128 div_round(Int128 num, Int128 den, Rounding mode) {
    MERIDIAN_ASSERT(den != 0, "division by zero");
    Int128 q = num / den;  // truncates toward zero
    const Int128 r = num % den;
    if (r == 0) return q;
    const bool negative = (num < 0) != (den < 0);
    const UInt128 twice_r = magnitude(r) * 2;
    const UInt128 abs_den = magnitude(den);
    bool away = false;  // move one step away from zero?
    switch (mode) {
        case Rounding::Down:
            away = false;
            break;
        case Rounding::Up:
            away = true;
            break;
        case Rounding::Floor:
            away = negative;
            break;
        case Rounding::Ceiling:
            away = !negative;
            break;
        case Rounding::HalfUp:
            away = twice_r >= abs_den;
            break;
        case Rounding::HalfEven:
            away = twice_r > abs_den || (twice_r == abs_den && (q % 2 != 0));
            break;
    }
    if (away) q += negative ? -1 : 1;
    return q;
}

std::int64_t add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    MERIDIAN_ASSERT(!__builtin_add_overflow(a, b, &r), "decimal overflow in +");
    return r;
}
std::int64_t sub(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    MERIDIAN_ASSERT(!__builtin_sub_overflow(a, b, &r), "decimal overflow in -");
    return r;
}
std::int64_t mul(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    MERIDIAN_ASSERT(!__builtin_mul_overflow(a, b, &r), "decimal overflow in *");
    return r;
}
Int128 add(Int128 a, Int128 b) {
    Int128 r = 0;
    MERIDIAN_ASSERT(!__builtin_add_overflow(a, b, &r), "money overflow in +");
    return r;
}
Int128 sub(Int128 a, Int128 b) {
    Int128 r = 0;
    MERIDIAN_ASSERT(!__builtin_sub_overflow(a, b, &r), "money overflow in -");
    return r;
}
Int128 mul(Int128 a, Int128 b) {
    Int128 r = 0;
    MERIDIAN_ASSERT(!__builtin_mul_overflow(a, b, &r), "money overflow in *");
    return r;
}

}  // namespace decimal

namespace {
constexpr Int128 int64_min = std::numeric_limits<std::int64_t>::min();
constexpr Int128 int64_max = std::numeric_limits<std::int64_t>::max();
// Money's range is symmetric so that negation never overflows.
const Int128 money_max = decimal::sub(decimal::pow10(38), 1);
const Int128 money_min = -money_max;
}  // namespace

// ---- Price ----

namespace {

/// The common case of Price and Quantity text, "187.25": at most 10 integer and 9 fractional
/// digits, optional leading '-', nothing else. Computed in 64 bits; anything else (including
/// every malformed input) is left to decimal::parse, which also words the errors.
std::optional<std::int64_t> parse_simple_nano(std::string_view text) {
    const char* p = text.data();
    const char* const end = p + text.size();
    bool negative = false;
    if (p != end && *p == '-') {
        negative = true;
        ++p;
    }
    std::uint64_t whole = 0;
    int int_digits = 0;
    while (p != end && *p >= '0' && *p <= '9') {
        whole = whole * 10 + static_cast<unsigned>(*p++ - '0');
        if (++int_digits > 10) return std::nullopt;
    }
    if (int_digits == 0) return std::nullopt;
    std::uint64_t frac = 0;
    int frac_digits = 0;
    if (p != end && *p == '.') {
        ++p;
        while (p != end && *p >= '0' && *p <= '9') {
            frac = frac * 10 + static_cast<unsigned>(*p++ - '0');
            if (++frac_digits > 9) return std::nullopt;
        }
        if (frac_digits == 0) return std::nullopt;
    }
    if (p != end) return std::nullopt;
    static constexpr std::uint64_t scale_of[] = {
        1'000'000'000, 100'000'000, 10'000'000, 1'000'000, 100'000, 10'000, 1'000, 100, 10, 1};
    const std::uint64_t raw = whole * 1'000'000'000 + frac * scale_of[frac_digits];
    if (raw > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    const auto v = static_cast<std::int64_t>(raw);
    return negative ? -v : v;
}

}  // namespace

Result<Price> Price::parse(std::string_view text) {
    if (auto fast = parse_simple_nano(text)) return Price{*fast};
    auto raw = decimal::parse(text, scale, int64_min + 1, int64_max, "price");
    if (!raw) return std::move(raw).error();
    return Price{static_cast<std::int64_t>(*raw)};
}

int Price::decimals() const noexcept {
    if (raw_ == 0) return 0;
    std::int64_t v = raw_;
    int zeros = 0;
    while (zeros < scale && v % 10 == 0) {
        v /= 10;
        ++zeros;
    }
    return scale - zeros;
}

Price Price::round(int places, Rounding mode) const {
    MERIDIAN_ASSERT(places >= 0 && places <= scale, "Price::round places out of range");
    const Int128 step = decimal::pow10(scale - places);
    return Price{static_cast<std::int64_t>(decimal::div_round(raw_, step, mode) * step)};
}

std::string Price::to_string() const {
    return decimal::format(raw_, scale);
}

std::ostream& operator<<(std::ostream& os, const Price& p) {
    return os << p.to_string();
}

// ---- Quantity ----

Result<Quantity> Quantity::parse(std::string_view text) {
    if (auto fast = parse_simple_nano(text)) return Quantity{*fast};
    auto raw = decimal::parse(text, scale, int64_min + 1, int64_max, "quantity");
    if (!raw) return std::move(raw).error();
    return Quantity{static_cast<std::int64_t>(*raw)};
}

std::string Quantity::to_string() const {
    return decimal::format(raw_, scale);
}

std::ostream& operator<<(std::ostream& os, const Quantity& q) {
    return os << q.to_string();
}

// ---- Money ----

Money Money::from_units(std::int64_t dollars) {
    return Money{decimal::mul(Int128{dollars}, decimal::pow10(scale))};
}

Money Money::from_price(Price p) {
    return Money{decimal::mul(Int128{p.raw()}, decimal::pow10(scale - Price::scale))};
}

Result<Money> Money::parse(std::string_view text) {
    auto raw = decimal::parse(text, scale, money_min, money_max, "money");
    if (!raw) return std::move(raw).error();
    return Money{*raw};
}

Money Money::round(int places, Rounding mode) const {
    MERIDIAN_ASSERT(places >= 0 && places <= scale, "Money::round places out of range");
    const Int128 step = decimal::pow10(scale - places);
    return Money{decimal::mul(decimal::div_round(raw_, step, mode), step)};
}

std::string Money::to_string() const {
    return decimal::format(raw_, scale);
}

std::string Money::to_string(int places, Rounding mode) const {
    return decimal::format_fixed(raw_, scale, places, mode);
}

double Money::to_double() const noexcept {
    // A statistic, not money: within a few ulps. The two 64-bit halves convert in registers
    // (a 128-bit conversion is a library call).
    const auto hi = static_cast<std::int64_t>(raw_ >> 64);
    const auto lo = static_cast<std::uint64_t>(raw_ & ~std::uint64_t{0});
    return (static_cast<double>(hi) * 18446744073709551616.0 + static_cast<double>(lo)) / 1e18;
}

std::ostream& operator<<(std::ostream& os, const Money& m) {
    return os << m.to_string();
}

Money operator*(Price p, Quantity q) {
    // 9 + 9 decimals == Money's 18: the product of the raw values is the exact raw notional,
    // and two int64 values always multiply within 127 bits.
    return Money::from_raw(Int128{p.raw()} * Int128{q.raw()});
}

Money multiply(Money per_unit, Quantity q, Rounding mode) {
    const Int128 product = decimal::mul(per_unit.raw(), Int128{q.raw()});
    return Money::from_raw(decimal::div_round(product, Quantity::one, mode));
}

Price average_price(Money notional, Quantity q, Rounding mode) {
    MERIDIAN_ASSERT(!q.is_zero(), "average_price over zero quantity");
    // (raw_money / 1e18) / (raw_qty / 1e9) in units of 1e-9 == raw_money / raw_qty.
    const Int128 raw = decimal::div_round(notional.raw(), Int128{q.raw()}, mode);
    MERIDIAN_ASSERT(raw >= int64_min && raw <= int64_max, "average price out of range");
    return Price::from_raw(static_cast<std::int64_t>(raw));
}

}  // namespace meridian::core
