// Tests of Timestamp: every ISO-8601 form Alpaca sends, printing, and civil-date arithmetic.
#include "core/timestamp.hpp"

#include <gtest/gtest.h>

namespace meridian::core {
namespace {

std::int64_t ns_of(std::string_view s) {
    return Timestamp::parse(s).value().ns();
}

TEST(Timestamp, ParsesEveryFormAlpacaSends) {
    EXPECT_EQ(ns_of("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(ns_of("2021-03-16T18:38:01.942282Z"), 1615919881942282000);
    // The same instant with nanoseconds and an ET offset, as trade_updates mixes them.
    EXPECT_EQ(ns_of("2022-04-19T13:45:04.981350886-04:00"),
              ns_of("2022-04-19T17:45:04.981350886Z"));
    EXPECT_EQ(ns_of("2022-04-29T09:30:00-04:00"), ns_of("2022-04-29T13:30:00Z"));
    EXPECT_EQ(ns_of("2022-04-11T12:00:36.0709007Z") % 1'000'000'000, 70'900'700);
    EXPECT_EQ(ns_of("2019-06-12T22:47:07.99658Z") % 1'000'000'000, 996'580'000);
    EXPECT_EQ(ns_of("2024-03-01T05:30:00+05:30"), ns_of("2024-03-01T00:00:00Z"));
    EXPECT_EQ(ns_of("2024-03-01"), ns_of("2024-03-01T00:00:00Z"));
    EXPECT_EQ(ns_of("2024-02-29T00:00:00.1Z"), ns_of("2024-02-29T00:00:00Z") + 100'000'000);
}

TEST(Timestamp, BeforeTheEpochWorks) {
    EXPECT_EQ(ns_of("1969-12-31T23:59:59.5Z"), -500'000'000);
    EXPECT_EQ(Timestamp::from_ns(-500'000'000).to_iso8601(), "1969-12-31T23:59:59.5Z");
    EXPECT_EQ(Timestamp::parse("1995-01-03")->to_iso8601(), "1995-01-03T00:00:00Z");
}

TEST(Timestamp, PrintsShortestExactOrFixedDigits) {
    const auto t = Timestamp::parse("2022-04-19T13:45:04.981350886-04:00").value();
    EXPECT_EQ(t.to_iso8601(), "2022-04-19T17:45:04.981350886Z");
    EXPECT_EQ(t.to_iso8601(6), "2022-04-19T17:45:04.981350Z");
    EXPECT_EQ(t.to_iso8601(0), "2022-04-19T17:45:04Z");
    EXPECT_EQ(Timestamp::parse("2024-03-01T14:30:00.500Z")->to_iso8601(), "2024-03-01T14:30:00.5Z");
}

TEST(Timestamp, RejectsMalformedInputWithAReason) {
    struct Case {
        const char* text;
        const char* reason;
    };
    const Case cases[] = {
        {"", "empty"},
        {"2024-3-01", "YYYY-MM-DD"},
        {"2024-13-01", "month out of range"},
        {"2023-02-29", "day out of range"},
        {"2024-04-31", "day out of range"},
        {"2024-03-01T24:00:00Z", "hour out of range"},
        {"2024-03-01T12:60:00Z", "minute out of range"},
        {"2024-03-01T12:00:60Z", "leap seconds"},
        {"2024-03-01T12:00:00", "missing time zone"},
        {"2024-03-01T12:00:00.Z", "digit must follow"},
        {"2024-03-01T12:00:00.1234567891Z", "more than 9 fractional digits"},
        {"2024-03-01T12:00:00+0400", "offset"},
        {"2024-03-01T12:00:00Zjunk", "after the time zone"},
        {"2024-03-01T12:00", "hh:mm:ss"},
        {"2300-01-01", "year outside"},
        {"2024-03-01X", "expected 'T'"},
    };
    for (const auto& c : cases) {
        auto r = Timestamp::parse(c.text);
        ASSERT_FALSE(r.has_value()) << c.text;
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
            << c.text << " -> " << r.error().message;
    }
}

TEST(Timestamp, CivilDatesRoundTripAcrossCenturies) {
    for (std::int64_t d = days_from_civil({1700, 1, 1}); d < days_from_civil({2200, 12, 31});
         d += 7) {
        EXPECT_EQ(days_from_civil(civil_from_days(d)), d);
    }
    EXPECT_EQ(days_from_civil({2000, 3, 1}) - days_from_civil({2000, 2, 28}), 2);  // leap
    EXPECT_EQ(days_from_civil({1900, 3, 1}) - days_from_civil({1900, 2, 28}), 1);  // not leap
    EXPECT_EQ(weekday(days_from_civil({2024, 3, 1})), 5);                          // a Friday
    EXPECT_EQ(days_in_month(2024, 2), 29);
    EXPECT_EQ(days_in_month(2023, 2), 28);
}

TEST(Timestamp, ArithmeticWithDurations) {
    const auto t = Timestamp::parse("2024-03-01T14:30:00Z").value();
    EXPECT_EQ((t + Duration::minutes(90)).to_iso8601(), "2024-03-01T16:00:00Z");
    EXPECT_EQ((t - Duration::days(1)).date(), (CivilDate{2024, 2, 29}));
    EXPECT_EQ((t + Duration::hours(1)) - t, Duration::hours(1));
}

}  // namespace
}  // namespace meridian::core
