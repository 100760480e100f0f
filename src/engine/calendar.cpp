// New York time by rule and the NYSE session calendar.
#include "engine/calendar.hpp"

#include <array>

namespace meridian::engine {
namespace {

using core::CivilDate;
using core::Timestamp;

constexpr std::int64_t ns_per_second = 1'000'000'000;
constexpr std::int64_t seconds_per_day = 86'400;
constexpr std::int64_t seconds_per_hour = 3600;

std::int64_t days(CivilDate d) {
    return core::days_from_civil(d);
}
int weekday_of(CivilDate d) {
    return core::weekday(days(d));
}  // 0 = Sunday

/// The n-th (1-based) `weekday` of a month; n = -1 for the last one.
CivilDate nth_weekday(int year, int month, int weekday, int n) {
    if (n > 0) {
        const int first = weekday_of({year, month, 1});
        const int day = 1 + (weekday - first + 7) % 7 + 7 * (n - 1);
        return {year, month, day};
    }
    const int last_day = core::days_in_month(year, month);
    const int last = weekday_of({year, month, last_day});
    return {year, month, last_day - (last - weekday + 7) % 7};
}

/// UTC instants at which daylight time starts and ends in a year (2:00 local each).
std::pair<std::int64_t, std::int64_t> dst_bounds_utc_seconds(int year) {
    CivilDate start;
    CivilDate end;
    if (year >= 2007) {
        start = nth_weekday(year, 3, 0, 2);
        end = nth_weekday(year, 11, 0, 1);
    } else if (year >= 1987) {
        start = nth_weekday(year, 4, 0, 1);
        end = nth_weekday(year, 10, 0, -1);
    } else {
        start = nth_weekday(year, 4, 0, -1);
        end = nth_weekday(year, 10, 0, -1);
    }
    // 02:00 EST = 07:00 UTC; 02:00 EDT = 06:00 UTC.
    return {days(start) * seconds_per_day + 7 * seconds_per_hour,
            days(end) * seconds_per_day + 6 * seconds_per_hour};
}

bool observed_is(CivilDate date, CivilDate holiday, bool saturday_moves_to_friday = true) {
    const int w = weekday_of(holiday);
    std::int64_t observed = days(holiday);
    if (w == 6) {
        if (!saturday_moves_to_friday) return false;
        observed -= 1;
    } else if (w == 0) {
        observed += 1;
    }
    return days(date) == observed;
}

constexpr std::array<CivilDate, 12> unscheduled_closings{{
    {2001, 9, 11},
    {2001, 9, 12},
    {2001, 9, 13},
    {2001, 9, 14},  // September 11
    {2004, 6, 11},  // President Reagan
    {2007, 1, 2},   // President Ford
    {2012, 10, 29},
    {2012, 10, 30},  // Hurricane Sandy
    {2018, 12, 5},   // President G. H. W. Bush
    {2025, 1, 9},    // President Carter
    {1994, 4, 27},   // President Nixon
    {1985, 9, 27},   // Hurricane Gloria
}};

}  // namespace

namespace nyse {

std::int64_t utc_offset_seconds(Timestamp t) noexcept {
    const std::int64_t s =
        t.ns() >= 0 ? t.ns() / ns_per_second : (t.ns() - ns_per_second + 1) / ns_per_second;
    const int year = t.date().year;
    if (year < 1967) return -5 * seconds_per_hour;
    const auto [start, end] = dst_bounds_utc_seconds(year);
    return (s >= start && s < end) ? -4 * seconds_per_hour : -5 * seconds_per_hour;
}

Timestamp from_new_york(CivilDate date, std::int64_t seconds_of_day) noexcept {
    const std::int64_t local = days(date) * seconds_per_day + seconds_of_day;
    // Try standard time first; if that instant is in daylight time, the local time was EDT.
    const std::int64_t as_est = local + 5 * seconds_per_hour;
    const Timestamp est = Timestamp::from_ns(as_est * ns_per_second);
    if (utc_offset_seconds(est) == -5 * seconds_per_hour) {
        const Timestamp edt = Timestamp::from_ns((local + 4 * seconds_per_hour) * ns_per_second);
        // A repeated hour in November: prefer the first (daylight) occurrence.
        if (utc_offset_seconds(edt) == -4 * seconds_per_hour) return edt;
        return est;
    }
    const Timestamp edt = Timestamp::from_ns((local + 4 * seconds_per_hour) * ns_per_second);
    return utc_offset_seconds(edt) == -4 * seconds_per_hour ? edt : est;
}

CivilDate new_york_date(Timestamp t) noexcept {
    return (t + core::Duration::seconds(utc_offset_seconds(t))).date();
}

CivilDate easter(int year) noexcept {
    const int a = year % 19;
    const int b = year / 100;
    const int c = year % 100;
    const int d = b / 4;
    const int e = b % 4;
    const int f = (b + 8) / 25;
    const int g = (b - f + 1) / 3;
    const int h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4;
    const int k = c % 4;
    const int l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    const int month = (h + l - 7 * m + 114) / 31;
    const int day = (h + l - 7 * m + 114) % 31 + 1;
    return {year, month, day};
}

bool is_holiday(CivilDate d) noexcept {
    const int y = d.year;
    for (const auto& c : unscheduled_closings) {
        if (c == d) return true;
    }
    if (observed_is(d, {y, 1, 1}, false)) return true;
    if (y >= 1998 && d == nth_weekday(y, 1, 1, 3)) return true;
    if (d == nth_weekday(y, 2, 1, 3)) return true;
    if (days(d) == days(easter(y)) - 2) return true;
    if (d == nth_weekday(y, 5, 1, -1)) return true;
    if (y >= 2022 && observed_is(d, {y, 6, 19})) return true;
    if (observed_is(d, {y, 7, 4})) return true;
    if (d == nth_weekday(y, 9, 1, 1)) return true;
    if (d == nth_weekday(y, 11, 4, 4)) return true;
    if (observed_is(d, {y, 12, 25})) return true;
    return false;
}

bool is_trading_day(CivilDate d) noexcept {
    const int w = weekday_of(d);
    return w != 0 && w != 6 && !is_holiday(d);
}

bool is_early_close(CivilDate d) noexcept {
    if (!is_trading_day(d)) return false;
    const int y = d.year;
    if (d == CivilDate{y, 7, 3}) return true;
    if (days(d) == days(nth_weekday(y, 11, 4, 4)) + 1) return true;
    if (d == CivilDate{y, 12, 24}) return true;
    return false;
}

std::optional<Session> session(CivilDate d) noexcept {
    if (!is_trading_day(d)) return std::nullopt;
    const bool early = is_early_close(d);
    return Session{d, from_new_york(d, 9 * 3600 + 30 * 60),
                   from_new_york(d, (early ? 13 : 16) * seconds_per_hour), early};
}

Session next_session(Timestamp t) noexcept {
    std::int64_t day = days(new_york_date(t));
    for (;;) {
        if (auto s = session(core::civil_from_days(day)); s && t < s->close) return *s;
        ++day;
    }
}

bool is_open(Timestamp t) noexcept {
    const auto s = session(new_york_date(t));
    return s && t >= s->open && t < s->close;
}

}  // namespace nyse

core::Result<TimeZone> TimeZone::parse(std::string_view name) {
    if (name == "America/New_York" || name == "ET" || name == "US/Eastern") return TimeZone{};
    if (name == "UTC" || name == "Z") return TimeZone{Kind::Fixed, 0};
    if (name.size() == 6 && (name[0] == '+' || name[0] == '-') && name[3] == ':') {
        auto digit = [&](std::size_t i) { return name[i] >= '0' && name[i] <= '9'; };
        if (digit(1) && digit(2) && digit(4) && digit(5)) {
            const int h = (name[1] - '0') * 10 + (name[2] - '0');
            const int m = (name[4] - '0') * 10 + (name[5] - '0');
            if (h <= 23 && m <= 59) {
                const std::int64_t off =
                    (h * seconds_per_hour + std::int64_t{m} * 60) * (name[0] == '-' ? -1 : 1);
                return TimeZone{Kind::Fixed, off};
            }
        }
    }
    return core::invalid("unknown time zone '" + std::string{name} +
                         "' (valid: America/New_York, UTC, or an offset such as +01:00)");
}

core::Timestamp TimeZone::to_utc(CivilDate date, std::int64_t seconds_of_day) const noexcept {
    if (kind == Kind::NewYork) return nyse::from_new_york(date, seconds_of_day);
    return Timestamp::from_ns((days(date) * seconds_per_day + seconds_of_day - offset_seconds) *
                              ns_per_second);
}

}  // namespace meridian::engine
