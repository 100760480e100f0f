#include "services/gateway/auth.hpp"

#include <gtest/gtest.h>

namespace meridian::services {
namespace {

TEST(Auth, Sha256MatchesTheStandardVector) {
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Auth, KeysAreRandomLongAndKeptOnlyAsTheirHash) {
    const NewKey a = generate_key();
    const NewKey b = generate_key();
    EXPECT_NE(a.secret, b.secret);
    EXPECT_EQ(a.secret.size(), 3u + 64u);  // mk_ and 256 bits in hex
    EXPECT_EQ(a.hash, sha256_hex(a.secret));
    EXPECT_EQ(a.hash.find(a.secret), std::string::npos);
}

TEST(Auth, TokensVerifyUntilTheyExpireAndNotWithAnotherSecret) {
    const auto t0 = core::Timestamp::from_ns(1'700'000'000'000'000'000);
    Claims c{"key_1", Role::Trader, t0 + core::Duration::seconds(900)};
    const std::string token = sign_jwt(c, t0, "secret");
    auto ok = verify_jwt(token, "secret", t0 + core::Duration::seconds(10));
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->subject, "key_1");
    EXPECT_EQ(ok->role, Role::Trader);
    EXPECT_FALSE(verify_jwt(token, "other", t0));
    EXPECT_FALSE(verify_jwt(token, "secret", t0 + core::Duration::seconds(901)));
    std::string tampered = token;
    tampered[tampered.find('.') + 3] ^= 1;
    EXPECT_FALSE(verify_jwt(tampered, "secret", t0));
    EXPECT_FALSE(verify_jwt("a.b", "secret", t0));
    EXPECT_FALSE(verify_jwt("", "secret", t0));
}

}  // namespace
}  // namespace meridian::services
