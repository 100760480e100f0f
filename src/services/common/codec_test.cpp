#include "services/common/codec.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::services {
namespace {

namespace json = boost::json;

core::Result<core::OrderRequest> parse(std::string_view text) {
    return order_request_from_json(json::parse(text));
}

TEST(OrderRequestJson, AcceptsStringsOrNumbersAndKeepsThemExact) {
    auto a = parse(R"({"symbol":"AAPL","qty":"10","side":"buy","type":"limit",
                      "time_in_force":"day","limit_price":"187.24"})");
    ASSERT_TRUE(a) << a.error().message;
    auto b = parse(R"({"symbol":"AAPL","qty":10,"side":"buy","type":"limit",
                      "time_in_force":"day","limit_price":187.24})");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->limit_price, test::px("187.24"));
    EXPECT_EQ(a->limit_price, b->limit_price);
    EXPECT_EQ(b->qty, test::qty("10"));
}

TEST(OrderChangeJson, ReadsAlpacasReplaceFieldsAndNamesABadOne) {
    auto c = order_change_from_json(json::parse(
        R"({"qty":5,"time_in_force":"gtc","limit_price":"189.90","trail":"1.5","client_order_id":"mine"})"));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->qty, test::qty("5"));
    EXPECT_EQ(c->time_in_force, core::TimeInForce::Gtc);
    EXPECT_EQ(c->limit_price, test::px("189.90"));
    EXPECT_FALSE(c->stop_price);
    EXPECT_EQ(c->trail, test::px("1.5"));
    EXPECT_EQ(c->client_order_id, test::coid("mine"));
    EXPECT_FALSE(c->changes_nothing());
    EXPECT_TRUE(
        order_change_from_json(json::parse(R"({"client_order_id":"x"})"))->changes_nothing());
    for (const char* field : {"qty", "limit_price", "stop_price", "trail"}) {
        const std::string body = std::string{R"({")"} + field + R"(":"abc"})";
        auto bad = order_change_from_json(json::parse(body));
        ASSERT_FALSE(bad) << body;
        EXPECT_NE(bad.error().message.find(field), std::string::npos) << bad.error().message;
    }
    auto tif = order_change_from_json(json::parse(R"({"time_in_force":"soon"})"));
    ASSERT_FALSE(tif);
    EXPECT_NE(tif.error().message.find("time_in_force"), std::string::npos);
    auto coid = order_change_from_json(json::parse(R"({"client_order_id":7})"));
    ASSERT_FALSE(coid);
    EXPECT_NE(coid.error().message.find("client_order_id"), std::string::npos);
    EXPECT_FALSE(order_change_from_json(json::parse("[1]")));
}

TEST(OrderRequestJson, RefusesBadValuesNamingTheField) {
    struct Case {
        const char* body;
        const char* field;
    };
    for (
        const Case& c : {
            Case{R"({"qty":"1","side":"buy","type":"market","time_in_force":"day"})", "symbol"},
            Case{
                R"({"symbol":"AAPL","qty":"-1","side":"buy","type":"market","time_in_force":"day"})",
                "qty"},
            Case{
                R"({"symbol":"AAPL","qty":"0","side":"buy","type":"market","time_in_force":"day"})",
                "qty"},
            Case{
                R"({"symbol":"AAPL","qty":"NaN","side":"buy","type":"market","time_in_force":"day"})",
                "qty"},
            Case{
                R"({"symbol":"AAPL","qty":1e300,"side":"buy","type":"market","time_in_force":"day"})",
                "qty"},
            Case{
                R"({"symbol":"AAPL","qty":true,"side":"buy","type":"market","time_in_force":"day"})",
                "qty"},
            Case{R"({"symbol":"AAPL","qty":"1","side":"up","type":"market","time_in_force":"day"})",
                 "side"},
            Case{R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","time_in_force":"day"})",
                 "limit_price"},
        }) {
        auto r = parse(c.body);
        ASSERT_FALSE(r) << c.body;
        EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
        EXPECT_NE(r.error().message.find(c.field), std::string::npos)
            << c.body << " -> " << r.error().message;
    }
}

TEST(OrderJson, IsAlpacasShapeWithDecimalStrings) {
    auto o =
        core::Order::create(test::limit("AAPL", core::Side::Buy, "10", "187.24"), test::oid("o-1"),
                            test::coid("c-1"), test::ts("2024-03-01T14:30:00Z"))
            .value();
    auto j = to_json(o);
    EXPECT_EQ(j.at("id").as_string(), "o-1");
    EXPECT_EQ(j.at("client_order_id").as_string(), "c-1");
    EXPECT_EQ(j.at("limit_price").as_string(), "187.24");
    EXPECT_EQ(j.at("qty").as_string(), "10");
    EXPECT_EQ(j.at("filled_qty").as_string(), "0");
    EXPECT_TRUE(j.at("filled_avg_price").is_null());
    EXPECT_EQ(j.at("status").as_string(), "pending_new");
    EXPECT_EQ(j.at("created_at").as_string(), "2024-03-01T14:30:00Z");
}

TEST(MarketDataJson, QuotesAndBarsRoundTrip) {
    engine::Quote q{test::sym("MSFT"), test::ts("2024-03-01T14:30:00.5Z"),
                    test::px("410.1"), test::px("410.12"),
                    test::qty("3"),    test::qty("4")};
    auto back = quote_from_json(to_json(q)).value();
    EXPECT_EQ(back.ask, q.ask);
    EXPECT_EQ(back.ts, q.ts);
    engine::Bar b{test::sym("MSFT"), test::ts("2024-03-01T14:30:00Z"),
                  test::px("1"),     test::px("2"),
                  test::px("0.5"),   test::px("1.5"),
                  test::qty("100"),  test::px("1.25"),
                  std::nullopt,      7};
    auto bb = bar_from_json(to_json(b)).value();
    EXPECT_EQ(bb.close, b.close);
    EXPECT_EQ(bb.vwap, b.vwap);
    EXPECT_EQ(bb.trade_count, 7u);
}

TEST(RiskLimitsJson, AppliesNamedChangesAndRefusesUnknownOnes) {
    engine::RiskLimits base;
    auto l = risk_limits_from_json(
                 json::parse(R"({"max_order_qty":"500","max_open_orders":10})").as_object(), base)
                 .value();
    EXPECT_EQ(l.max_order_qty, test::qty("500"));
    EXPECT_EQ(l.max_open_orders, 10u);
    EXPECT_FALSE(risk_limits_from_json(json::parse(R"({"max_ordr_qty":"5"})").as_object(), base));
    EXPECT_FALSE(risk_limits_from_json(json::parse(R"({"max_order_qty":"-5"})").as_object(), base));
    EXPECT_FALSE(risk_limits_from_json(json::parse(R"({"max_drawdown":2})").as_object(), base));
    auto cleared = risk_limits_from_json(json::parse(R"({"max_order_qty":null})").as_object(), l);
    EXPECT_FALSE(cleared->max_order_qty);
}

TEST(ParseObject, RefusesMalformedDeepAndNonObjectBodies) {
    EXPECT_FALSE(parse_object("{"));
    EXPECT_FALSE(parse_object("[1]"));
    EXPECT_FALSE(parse_object(std::string(100, '[') + std::string(100, ']')));
    EXPECT_TRUE(parse_object(R"({"a":1})"));
}

}  // namespace
}  // namespace meridian::services
