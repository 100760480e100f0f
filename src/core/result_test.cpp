// Tests of Result<T>: values, errors and their names.
#include "core/result.hpp"

#include <memory>

#include <gtest/gtest.h>

namespace meridian::core {
namespace {

Result<int> half(int x) {
    if (x % 2 != 0) return invalid("odd: " + std::to_string(x));
    return x / 2;
}

TEST(Result, HoldsAValueOrAnError) {
    auto ok = half(4);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 2);
    auto bad = half(3);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
    EXPECT_EQ(bad.error().message, "odd: 3");
    EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, VoidResultAndMoveOnlyValues) {
    Result<void> ok;
    EXPECT_TRUE(ok);
    Result<void> bad = Error{Errc::NotFound, "no such order"};
    EXPECT_EQ(bad.error().code, Errc::NotFound);
    Result<std::unique_ptr<int>> p = std::make_unique<int>(5);
    auto owned = std::move(p).value();
    EXPECT_EQ(*owned, 5);
}

TEST(Result, ErrorCodesHaveStableNames) {
    EXPECT_EQ(to_string(Errc::InvalidArgument), "invalid_argument");
    EXPECT_EQ(to_string(Errc::IllegalState), "illegal_state");
    EXPECT_EQ(to_string(Errc::Timeout), "timeout");
}

TEST(ResultDeathTest, ValueOfAnErrorAborts) {
    EXPECT_DEATH((void)half(3).value(), "on an error");
}

}  // namespace
}  // namespace meridian::core
