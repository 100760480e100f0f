// The NYSE calendar: New York time by rule, regular sessions, holidays and early closes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.hpp"
#include "core/timestamp.hpp"

namespace meridian::engine {

/// A regular trading session in UTC: [open, close).
struct Session {
    core::CivilDate date;  // the New York trading date
    core::Timestamp open;
    core::Timestamp close;
    bool early_close = false;
};

/// America/New_York by the US daylight-saving rules (1967 onward; since 2007 the second Sunday
/// of March to the first Sunday of November, 1987-2006 the first Sunday of April to the last of
/// October, before that the last Sunday of April to the last of October), and NYSE sessions:
/// 09:30-16:00 ET on weekdays that are not holidays, closing at 13:00 ET on early-close days.
/// Holidays by rule: New Year's Day, Martin Luther King Jr. Day (1998 on), Washington's
/// Birthday, Good Friday, Memorial Day, Juneteenth (2022 on), Independence Day, Labor Day,
/// Thanksgiving, Christmas (Saturday holidays move to Friday, except New Year's Day; Sunday
/// ones to Monday), and the unscheduled closings (9/11, Hurricane Sandy, national days of
/// mourning). Early closes: July 3, the day after Thanksgiving and December 24, when they are
/// trading days. Pure functions; safe from any thread.
/// Known limits: the DST anomalies of 1974-75 are not modelled; early closes before 1993 follow
/// today's rule.
namespace nyse {

/// Seconds to add to UTC to get New York local time at `t` (-18000 or -14400).
std::int64_t utc_offset_seconds(core::Timestamp t) noexcept;
/// The UTC instant of a New York wall-clock time (a time skipped by DST is taken as standard
/// time; a repeated one as the first occurrence).
core::Timestamp from_new_york(core::CivilDate date, std::int64_t seconds_of_day) noexcept;
/// The New York date of an instant.
core::CivilDate new_york_date(core::Timestamp t) noexcept;

bool is_holiday(core::CivilDate date) noexcept;
bool is_early_close(core::CivilDate date) noexcept;
bool is_trading_day(core::CivilDate date) noexcept;
/// The session of a date, or empty on weekends and holidays.
std::optional<Session> session(core::CivilDate date) noexcept;
/// The first session that has not closed at `t` (the current one during market hours).
Session next_session(core::Timestamp t) noexcept;
/// Whether the regular market is open at `t`.
bool is_open(core::Timestamp t) noexcept;
/// Easter Sunday of a year (Gregorian computus).
core::CivilDate easter(int year) noexcept;

}  // namespace nyse

/// How to read wall-clock times in a data file: New York time, UTC, or a fixed offset.
struct TimeZone {
    enum class Kind { NewYork, Fixed } kind = Kind::NewYork;
    std::int64_t offset_seconds = 0;  // Fixed

    /// "America/New_York" (or "ET"), "UTC", "+01:00", "-05:30".
    static core::Result<TimeZone> parse(std::string_view name);
    core::Timestamp to_utc(core::CivilDate date, std::int64_t seconds_of_day) const noexcept;
};

}  // namespace meridian::engine
