// Tests of order ids, client order ids and the seeded id generator.
#include "core/ids.hpp"

#include <regex>
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

TEST(IdGenerator, MakesVersion4Uuids) {
    IdGenerator g{7};
    const std::regex uuid{"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"};
    for (int i = 0; i < 100; ++i)
        EXPECT_TRUE(std::regex_match(g.uuid(), uuid));
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
