#include "net/router.hpp"

#include <limits>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "net/http.hpp"

namespace meridian::net {
namespace {

Route route(std::string method, std::string pattern) {
    Route r;
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    return r;
}

TEST(Router, MatchesLiteralPathsAndCapturesParameters) {
    Router router;
    router.add(route("GET", "/orders"));
    router.add(route("GET", "/orders/{id}"));
    router.add(route("GET", "/orders/by-client-id/{cid}"));
    router.add(route("DELETE", "/orders/{id}"));

    auto m = router.match("GET", "/orders/abc");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/orders/{id}");
    EXPECT_EQ(m.params.at("id"), "abc");

    m = router.match("GET", "/orders/by-client-id/x1");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/orders/by-client-id/{cid}");
    EXPECT_EQ(m.params.at("cid"), "x1");

    EXPECT_EQ(router.match("DELETE", "/orders/abc").route->method, "DELETE");
    EXPECT_EQ(router.match("GET", "/orders/").route->pattern, "/orders");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405) {
    Router router;
    router.add(route("GET", "/positions"));
    EXPECT_EQ(router.match("GET", "/nope").status, 404);
    EXPECT_EQ(router.match("POST", "/positions").status, 405);
    EXPECT_EQ(router.match("GET", "/positions/x/y").status, 404);
}

TEST(ParseTarget, DecodesPathAndQuery) {
    std::string path;
    std::map<std::string, std::string> query;
    ASSERT_TRUE(
        parse_target("/orders/a%20b?status=open&symbols=AAPL%2CMSFT&x=a+b&flag", path, query));
    EXPECT_EQ(path, "/orders/a b");
    EXPECT_EQ(query.at("status"), "open");
    EXPECT_EQ(query.at("symbols"), "AAPL,MSFT");
    EXPECT_EQ(query.at("x"), "a b");
    EXPECT_EQ(query.at("flag"), "");
    EXPECT_FALSE(parse_target("/x?a=%zz", path, query));
    EXPECT_FALSE(parse_target("/x%2", path, query));
    EXPECT_FALSE(parse_target("no-slash", path, query));
}

TEST(JsonText, StatisticsReadAsDecimalsAndEverythingElseAsBoostWritesIt) {
    boost::json::object o{{"ratio", 0.0123},    {"zero", 0.0},
                          {"small", 1.05e-5},   {"list", boost::json::array{2.5, -3.0}},
                          {"money", "1.10"},    {"count", 7},
                          {"quote\"d", "a\"b"}, {"inf", std::numeric_limits<double>::infinity()}};
    EXPECT_EQ(to_json_text(o),
              R"({"ratio":0.0123,"zero":0,"small":1.05e-05,"list":[2.5,-3],"money":"1.10",)"
              R"("count":7,"quote\"d":"a\"b","inf":null})");
    // Without doubles: exactly Boost.JSON's text.
    boost::json::object plain{{"qty", "10"}, {"n", 3}, {"ok", true}, {"none", nullptr}};
    EXPECT_EQ(to_json_text(plain), boost::json::serialize(plain));
    EXPECT_EQ(Response::json(200, o).body, to_json_text(o));
}

}  // namespace
}  // namespace meridian::net
