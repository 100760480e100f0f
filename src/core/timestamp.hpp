// Timestamp (int64 nanoseconds since the Unix epoch, UTC), ISO-8601 parsing and printing, civil
// dates.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace meridian::core {

/// A span of time in nanoseconds. Value type.
struct Duration {
    std::int64_t ns = 0;

    static constexpr Duration nanoseconds(std::int64_t n) { return {n}; }
    static constexpr Duration microseconds(std::int64_t n) { return {n * 1'000}; }
    static constexpr Duration milliseconds(std::int64_t n) { return {n * 1'000'000}; }
    static constexpr Duration seconds(std::int64_t n) { return {n * 1'000'000'000}; }
    static constexpr Duration minutes(std::int64_t n) { return seconds(n * 60); }
    static constexpr Duration hours(std::int64_t n) { return minutes(n * 60); }
    static constexpr Duration days(std::int64_t n) { return hours(n * 24); }

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend constexpr auto operator<=>(const Duration&, const Duration&) = default;
    friend constexpr Duration operator+(Duration a, Duration b) { return {a.ns + b.ns}; }
    friend constexpr Duration operator-(Duration a, Duration b) { return {a.ns - b.ns}; }
    friend constexpr Duration operator*(Duration a, std::int64_t k) { return {a.ns * k}; }
};

/// A calendar date in the proleptic Gregorian calendar.
struct CivilDate {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend constexpr auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

/// Days since 1970-01-01 of a civil date (negative before). Any valid date.
std::int64_t days_from_civil(CivilDate date) noexcept;
/// Civil date of a day count since 1970-01-01.
CivilDate civil_from_days(std::int64_t days) noexcept;
/// Days in a month of a year (leap years included).
int days_in_month(int year, int month) noexcept;
/// 0 = Sunday .. 6 = Saturday.
int weekday(std::int64_t days) noexcept;

/// An instant: nanoseconds since 1970-01-01T00:00:00Z (range 1677..2262). Value type.
class Timestamp {
public:
    constexpr Timestamp() noexcept = default;
    static constexpr Timestamp from_ns(std::int64_t ns) noexcept { return Timestamp{ns}; }
    /// Midnight UTC of a date.
    static Timestamp from_date(CivilDate date) noexcept;
    /// Parses RFC-3339 / ISO-8601 as Alpaca sends it: "2024-03-01T14:30:00Z",
    /// "2022-04-19T13:45:04.981350886-04:00" (0 to 9 fractional digits, 'Z' or +hh:mm/-hh:mm),
    /// or a date alone "2024-03-01" (midnight UTC). A date-time without an offset is an error.
    static Result<Timestamp> parse(std::string_view text);

    constexpr std::int64_t ns() const noexcept { return ns_; }
    /// "2024-03-01T14:30:00.5Z": UTC, fractional digits only as many as needed (0..9).
    std::string to_iso8601() const;
    /// UTC with exactly `digits` fractional digits (0..9), truncated: digits=6 gives Alpaca's form.
    std::string to_iso8601(int digits) const;
    /// to_iso8601() appended to `out` (no string made: for writers of many times).
    void append_iso8601(std::string& out) const;
    /// The UTC date of this instant.
    CivilDate date() const noexcept;
    /// Nanoseconds since the UTC midnight of date().
    std::int64_t time_of_day_ns() const noexcept;

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend constexpr auto operator<=>(const Timestamp&, const Timestamp&) = default;
    friend constexpr Timestamp operator+(Timestamp t, Duration d) {
        return Timestamp{t.ns_ + d.ns};
    }
    friend constexpr Timestamp operator-(Timestamp t, Duration d) {
        return Timestamp{t.ns_ - d.ns};
    }
    friend constexpr Duration operator-(Timestamp a, Timestamp b) {
        return Duration{a.ns_ - b.ns_};
    }
    Timestamp& operator+=(Duration d) { return *this = *this + d; }
    friend std::ostream& operator<<(std::ostream& os, const Timestamp& t);

private:
    constexpr explicit Timestamp(std::int64_t ns) noexcept : ns_{ns} {}
    std::int64_t ns_ = 0;
};

}  // namespace meridian::core
