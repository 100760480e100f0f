// Tests of New York time and the NYSE calendar against known dates.
#include "engine/calendar.hpp"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::engine {
namespace {

using core::CivilDate;

TEST(NewYorkTime, FollowsDaylightSavingRulesOfEachEra) {
    // 2024: DST from March 10 to November 3.
    EXPECT_EQ(nyse::utc_offset_seconds(test::ts("2024-03-10T06:59:59Z")), -5 * 3600);
    EXPECT_EQ(nyse::utc_offset_seconds(test::ts("2024-03-10T07:00:00Z")), -4 * 3600);
    EXPECT_EQ(nyse::utc_offset_seconds(test::ts("2024-11-03T05:59:59Z")), -4 * 3600);
    EXPECT_EQ(nyse::utc_offset_seconds(test::ts("2024-11-03T06:00:00Z")), -5 * 3600);
    // 2000: the first Sunday of April to the last Sunday of October.
    EXPECT_EQ(nyse::utc_offset_seconds(test::ts("2000-04-02T07:00:00Z")), -4 * 3600);
    EXPECT_EQ(nyse::utc_offset_seconds(test::ts("2000-10-29T06:00:00Z")), -5 * 3600);
    EXPECT_EQ(nyse::from_new_york({2024, 7, 1}, 9 * 3600 + 1800), test::ts("2024-07-01T13:30:00Z"));
    EXPECT_EQ(nyse::from_new_york({2024, 1, 2}, 9 * 3600 + 1800), test::ts("2024-01-02T14:30:00Z"));
    EXPECT_EQ(nyse::new_york_date(test::ts("2024-07-02T03:00:00Z")), (CivilDate{2024, 7, 1}));
}

TEST(NyseCalendar, KnownHolidaysOfRecentYears) {
    const CivilDate holidays[] = {
        {2024, 1, 1},   {2024, 1, 15},  {2024, 2, 19},  {2024, 3, 29},
        {2024, 5, 27},  {2024, 6, 19},  {2024, 7, 4},   {2024, 9, 2},
        {2024, 11, 28}, {2024, 12, 25}, {2021, 12, 24},  // Christmas on a Saturday: observed Friday
        {2022, 1, 17},  {2022, 6, 20},                   // Juneteenth on a Sunday: observed Monday
        {2023, 1, 2},  // New Year's Day on a Sunday: observed Monday
        {2020, 7, 3},  // Independence Day on a Saturday: observed Friday
        {2001, 9, 11},  {2012, 10, 29}, {2018, 12, 5},  {2025, 1, 9},
        {2000, 4, 21},  // Good Friday
    };
    for (const auto& d : holidays)
        EXPECT_TRUE(nyse::is_holiday(d)) << d.year << "-" << d.month << "-" << d.day;
    // New Year's Day on a Saturday is not moved to the Friday before.
    EXPECT_FALSE(nyse::is_holiday({2021, 12, 31}));
    EXPECT_TRUE(nyse::is_trading_day({2021, 12, 31}));
    EXPECT_FALSE(nyse::is_holiday({2021, 6, 18}));      // Juneteenth starts in 2022
    EXPECT_FALSE(nyse::is_trading_day({2024, 3, 30}));  // a Saturday
    EXPECT_TRUE(nyse::is_trading_day({2024, 3, 28}));
}

TEST(NyseCalendar, EarlyClosesAt1pm) {
    const auto s = nyse::session({2024, 11, 29}).value();  // the day after Thanksgiving
    EXPECT_TRUE(s.early_close);
    EXPECT_EQ(s.open, test::ts("2024-11-29T14:30:00Z"));
    EXPECT_EQ(s.close, test::ts("2024-11-29T18:00:00Z"));
    EXPECT_TRUE(nyse::is_early_close({2024, 12, 24}));
    EXPECT_TRUE(nyse::is_early_close({2024, 7, 3}));
    EXPECT_FALSE(nyse::is_early_close({2020, 7, 3}));  // a holiday that year
    const auto normal = nyse::session({2024, 6, 3}).value();
    EXPECT_EQ(normal.close, test::ts("2024-06-03T20:00:00Z"));
}

TEST(NyseCalendar, OpenHoursAndTheNextSession) {
    EXPECT_TRUE(nyse::is_open(test::ts("2024-06-03T13:30:00Z")));
    EXPECT_FALSE(nyse::is_open(test::ts("2024-06-03T13:29:59Z")));
    EXPECT_FALSE(nyse::is_open(test::ts("2024-06-03T20:00:00Z")));
    // Friday after the close: the next session is Monday's.
    EXPECT_EQ(nyse::next_session(test::ts("2024-06-07T21:00:00Z")).date, (CivilDate{2024, 6, 10}));
    EXPECT_EQ(nyse::next_session(test::ts("2024-06-07T15:00:00Z")).date, (CivilDate{2024, 6, 7}));
    EXPECT_EQ(nyse::easter(2024), (CivilDate{2024, 3, 31}));
    EXPECT_EQ(nyse::easter(2000), (CivilDate{2000, 4, 23}));
}

TEST(NyseCalendar, SampleDataTradesOnlyOnSessionDays) {
    // Every date in the bundled ORCL file is a trading day by these rules (1995-2014).
    std::ifstream in{std::string{MERIDIAN_SOURCE_DIR} + "/data/orcl-1995-2014.csv"};
    std::string line;
    std::getline(in, line);
    int rows = 0;
    while (std::getline(in, line)) {
        const auto d = test::ts(line.substr(0, 10)).date();
        EXPECT_TRUE(nyse::is_trading_day(d)) << line.substr(0, 10);
        ++rows;
    }
    EXPECT_EQ(rows, 5036);
    // And every trading day of those years is in the file: the holidays are complete.
    int trading_days = 0;
    for (auto d = core::days_from_civil({1995, 1, 3}); d <= core::days_from_civil({2014, 12, 31});
         ++d) {
        trading_days += nyse::is_trading_day(core::civil_from_days(d)) ? 1 : 0;
    }
    EXPECT_EQ(trading_days, 5036);
}

TEST(TimeZones, ParseNamesAndOffsets) {
    EXPECT_EQ(TimeZone::parse("UTC")->to_utc({2024, 1, 2}, 3600), test::ts("2024-01-02T01:00:00Z"));
    EXPECT_EQ(TimeZone::parse("+01:00")->to_utc({2024, 1, 2}, 3600),
              test::ts("2024-01-02T00:00:00Z"));
    EXPECT_EQ(TimeZone::parse("America/New_York")->to_utc({2024, 1, 2}, 3600),
              test::ts("2024-01-02T06:00:00Z"));
    EXPECT_NE(TimeZone::parse("Europe/Paris").error().message.find("unknown time zone"),
              std::string::npos);
}

}  // namespace
}  // namespace meridian::engine
