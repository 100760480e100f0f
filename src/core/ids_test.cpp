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

TEST(IdGenerator, TimeOrderedUuidsCarryTheirMillisecondAndSortByTime) {
    IdGenerator g{7};
    // 2024-03-01T14:30:00.123456789Z: 1,709,303,400,123 ms and 0.456789 of the next one.
    const auto at = Timestamp::from_ns(1'709'303'400'123'456'789);
    const auto id = g.uuid_at(at);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id.substr(0, 8) + id.substr(9, 4), "018dfa6c06bb");    // the milliseconds in hex
    EXPECT_EQ(id[14], '7');                                          // version 7
    EXPECT_NE(std::string{"89ab"}.find(id[19]), std::string::npos);  // variant 10
    EXPECT_EQ(id.substr(15, 3), "74f");                              // 0.456789 ms in 4096ths: 1871
    EXPECT_TRUE(OrderId::parse(id));
    // Later sorts later, down to a 4096th of a millisecond; the same instant differs at random.
    std::string previous;
    for (std::int64_t ns = 1'000'000'000; ns < 3'000'000'000; ns += 250'000) {
        const auto next = g.next_order_id(Timestamp::from_ns(ns)).str();
        EXPECT_LT(previous, next);
        previous = next;
    }
    EXPECT_NE(g.uuid_at(at), g.uuid_at(at));
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
