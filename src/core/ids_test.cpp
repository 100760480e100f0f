// Tests of order ids, client order ids and the seeded id generator.
#include "core/ids.hpp"

#include <set>

#include <gtest/gtest.h>

namespace meridian::core {
namespace {

TEST(IdGenerator, SameSeedSameIds) {
    IdGenerator a{42};
    IdGenerator b{42};
    IdGenerator c{43};
    const auto first = a.uuid();
    EXPECT_EQ(first, b.uuid());
    EXPECT_NE(first, c.uuid());
}

/// 8-4-4-4-12 lower-case hex digits, version nibble 4, variant nibble 8, 9, a or b.
bool is_uuid_v4(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = s[i];
        if (dash != (c == '-')) return false;
        if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return s[14] == '4' && std::string{"89ab"}.find(s[19]) != std::string::npos;
}

TEST(IdGenerator, MakesVersion4Uuids) {
    IdGenerator g{7};
    for (int i = 0; i < 100; ++i) {
        const auto id = g.uuid();
        EXPECT_TRUE(is_uuid_v4(id)) << id;
    }
    EXPECT_FALSE(is_uuid_v4("904837e3-3b76-37ec-b432-046db621571b"));
}

TEST(IdGenerator, IdsAreUnique) {
    IdGenerator g{1};
    std::set<std::string> seen;
    for (int i = 0; i < 10'000; ++i)
        seen.insert(g.next_client_order_id().str());
    EXPECT_EQ(seen.size(), 10'000u);
    EXPECT_NE(IdGenerator::from_entropy().uuid(), IdGenerator::from_entropy().uuid());
}

TEST(ClientOrderId, AtMost48PrintableCharacters) {
    EXPECT_TRUE(ClientOrderId::parse("strat1-000123"));
    EXPECT_TRUE(ClientOrderId::parse(std::string(48, 'x')));
    auto too_long = ClientOrderId::parse(std::string(49, 'x'));
    ASSERT_FALSE(too_long);
    EXPECT_NE(too_long.error().message.find("longer than 48"), std::string::npos);
    EXPECT_FALSE(ClientOrderId::parse(""));
    EXPECT_FALSE(ClientOrderId::parse("has space"));
    EXPECT_FALSE(ClientOrderId::parse("tab\there"));
}

TEST(OrderId, AcceptsAlpacaUuids) {
    EXPECT_EQ(OrderId::parse("904837e3-3b76-47ec-b432-046db621571b")->str(),
              "904837e3-3b76-47ec-b432-046db621571b");
    EXPECT_FALSE(OrderId::parse(""));
}

}  // namespace
}  // namespace meridian::core
