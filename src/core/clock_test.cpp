// Tests of the clocks: a manual clock moves only forward and only when told.
#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace meridian::core {
namespace {

TEST(ManualClock, MovesOnlyWhenToldAndNeverBackwards) {
    ManualClock clock{Timestamp::parse("2024-03-01T14:30:00Z").value()};
    EXPECT_EQ(clock.now().to_iso8601(), "2024-03-01T14:30:00Z");
    clock.advance(Duration::seconds(5));
    EXPECT_EQ(clock.now().to_iso8601(), "2024-03-01T14:30:05Z");
    EXPECT_TRUE(clock.set(Timestamp::parse("2024-03-01T15:00:00Z").value()));
    EXPECT_FALSE(clock.set(Timestamp::parse("2024-03-01T14:00:00Z").value()));
    EXPECT_EQ(clock.now().to_iso8601(), "2024-03-01T15:00:00Z");
}

TEST(SystemClock, ReadsTheWallClockInUtc) {
    SystemClock clock;
    const Clock& c = clock;
    // Built after 2024 and before int64 nanoseconds run out.
    EXPECT_GT(c.now(), Timestamp::parse("2024-01-01").value());
    EXPECT_LT(c.now(), Timestamp::parse("2200-01-01").value());
}

}  // namespace
}  // namespace meridian::core
