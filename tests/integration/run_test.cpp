// `meridian run` end to end: real HTTP and WebSocket against the real binary on a free port.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/meridian_process.hpp"
#include "tests/support/meridian_system.hpp"
#include "tests/support/test_dir.hpp"

namespace meridian::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class RunTest : public ::testing::Test {
protected:
    void SetUp() override {
        system_ = std::make_unique<RunningSystem>(dir_.path());
        key_ = system_->admin_key();
        ASSERT_FALSE(key_.empty()) << "no admin key printed on first start";
        wait_for_quotes();
    }
    /// Orders need a price: wait for the market's first quotes.
    void wait_for_quotes() {
        auto c = client();
        for (const char* sym : {"AAPL", "MSFT"}) {
            ASSERT_TRUE(eventually([&] {
                return c.request("GET", std::string{"/marketdata/quotes/"} + sym, {}, auth(key_))
                           .status == 200;
            }));
        }
    }
    void TearDown() override { system_.reset(); }
    HttpClient client() { return HttpClient{system_->port()}; }
    std::string create_key(const std::string& role) {
        auto c = client();
        auto r = c.request("POST", "/auth/keys", json::serialize(json::object{{"role", role}}),
                           auth(key_));
        EXPECT_EQ(r.status, 201) << r.body;
        return std::string{r.json().at("key").as_string()};
    }

    test::TestDir dir_{"run"};
    std::unique_ptr<RunningSystem> system_;
    std::string key_;
};

TEST_F(RunTest, AMarketOrderIsAcknowledgedThenFilledAndMakesAPosition) {
    auto c = client();
    auto r = c.request("POST", "/orders", order_body("AAPL", "7", "buy", "life-1"), auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto order = r.json().as_object();
    EXPECT_EQ(order.at("client_order_id").as_string(), "life-1");
    EXPECT_EQ(order.at("qty").as_string(), "7");
    const std::string id{order.at("id").as_string()};

    json::object filled;
    ASSERT_TRUE(eventually([&] {
        auto g = c.request("GET", "/orders/" + id, {}, auth(key_));
        if (g.status != 200) return false;
        filled = g.json().as_object();
        return filled.at("status") == "filled";
    }));
    EXPECT_EQ(filled.at("filled_qty").as_string(), "7");
    EXPECT_FALSE(filled.at("filled_avg_price").is_null());
    // The same order, read back from the store (a final order's home): created and submitted
    // when the answer said.
    json::object stored;
    ASSERT_TRUE(eventually([&] {
        auto g = c.request("GET", "/orders/by-client-id/life-1", {}, auth(key_));
        if (g.status != 200) return false;
        stored = g.json().as_object();
        return stored.at("status") == "filled";
    }));
    EXPECT_EQ(stored.at("created_at"), order.at("created_at"));
    EXPECT_EQ(stored.at("submitted_at"), order.at("submitted_at"));
    EXPECT_EQ(stored.at("filled_at"), filled.at("filled_at"));

    // The broker's state leads the store by one group commit: the fill is listed once stored.
    boost::json::array fills;
    ASSERT_TRUE(eventually([&] {
        fills = c.request("GET", "/fills", {}, auth(key_)).json().as_array();
        return !fills.empty();
    }));
    EXPECT_EQ(fills[0].at("order_id").as_string(), id);
    ASSERT_TRUE(eventually([&] {
        auto p = c.request("GET", "/positions/AAPL", {}, auth(key_));
        return p.status == 200 && p.json().at("qty") == "7";
    }));
    EXPECT_EQ(c.request("GET", "/positions/MSFT", {}, auth(key_)).status, 404);
}

TEST_F(RunTest, ANotionalOrderBuysFractionalSharesForItsDollars) {
    auto c = client();
    auto r = c.request(
        "POST", "/orders",
        R"({"symbol":"AAPL","notional":"500","side":"buy","type":"market","time_in_force":"day","client_order_id":"dollars"})",
        auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("notional"), "500");
    EXPECT_TRUE(r.json().at("qty").is_null());
    json::object filled;
    ASSERT_TRUE(eventually([&] {
        auto g = c.request("GET", "/orders/by-client-id/dollars", {}, auth(key_));
        filled = g.json().as_object();
        return g.status == 200 && filled.at("status") == "filled";
    }));
    // Shares to the nano-share, worth at most the dollars given, and at most a nano-share less.
    const std::string qty{filled.at("filled_qty").as_string()};
    const double shares = std::stod(qty);
    const double price = std::stod(std::string{filled.at("filled_avg_price").as_string()});
    EXPECT_LE(shares * price, 500.0 + 1e-6);
    EXPECT_GT(shares * price, 500.0 - price * 1e-9 - 1e-6);
    EXPECT_NE(qty.find('.'), std::string::npos);  // fractional
    ASSERT_TRUE(eventually([&] {
        auto p = c.request("GET", "/positions/AAPL", {}, auth(key_));
        return p.status == 200 && p.json().at("qty") == json::value(qty);
    }));
    // Notional is for market day orders only, as on Alpaca.
    EXPECT_EQ(
        c.request(
             "POST", "/orders",
             R"({"symbol":"AAPL","notional":"500","side":"buy","type":"limit","limit_price":"1","time_in_force":"day"})",
             auth(key_))
            .status,
        422);
}

TEST_F(RunTest, PositionsCloseWholeOrInPartButNeverPastWhatOrdersHold) {
    auto c = client();
    auto position_qty = [&](const std::string& sym) -> std::string {
        auto p = c.request("GET", "/positions/" + sym, {}, auth(key_));
        return p.status == 200 ? std::string{p.json().at("qty").as_string()} : "none";
    };
    ASSERT_EQ(c.request("POST", "/orders", order_body("AAPL", "10", "buy"), auth(key_)).status,
              200);
    ASSERT_EQ(c.request("POST", "/orders", order_body("MSFT", "3", "buy"), auth(key_)).status, 200);
    ASSERT_TRUE(
        eventually([&] { return position_qty("AAPL") == "10" && position_qty("MSFT") == "3"; }));
    // A sell resting above the market holds 4 of the 10 shares.
    const auto bid = c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).json().at("bp");
    const double above = std::stod(std::string{bid.as_string()}) * 1.05;
    char limit[32];
    std::snprintf(limit, sizeof limit, "%.2f", above);
    ASSERT_EQ(c.request("POST", "/orders",
                        order_body("AAPL", "4", "sell", "held-4", "limit", limit), auth(key_))
                  .status,
              200);

    auto r = c.request("DELETE", "/positions/AAPL?qty=7", {}, auth(key_));
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.json().at("available"), "6");
    EXPECT_EQ(r.json().at("held_for_orders"), "4");
    for (const char* bad : {"?qty=abc", "?qty=-1", "?qty=1&percentage=10", "?percentage=0",
                            "?percentage=150", "?percentage=5"}) {  // 5 % of 10 is no share
        EXPECT_EQ(c.request("DELETE", std::string{"/positions/AAPL"} + bad, {}, auth(key_)).status,
                  422)
            << bad;
    }
    EXPECT_EQ(c.request("DELETE", "/positions/NVDA", {}, auth(key_)).status, 404);
    EXPECT_EQ(position_qty("AAPL"), "10");  // refusals change nothing

    r = c.request("DELETE", "/positions/AAPL?percentage=55", {}, auth(key_));  // 5.5: 5 shares
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("qty"), "5");
    EXPECT_EQ(r.json().at("side"), "sell");
    ASSERT_TRUE(eventually([&] { return position_qty("AAPL") == "5"; }));

    // Everything at once: the resting sell canceled first, then each position closed.
    r = c.request("DELETE", "/positions?cancel_orders=true", {}, auth(key_));
    ASSERT_EQ(r.status, 207) << r.body;
    std::map<std::string, std::int64_t> statuses;
    const auto closed = r.json();
    for (const auto& item : closed.as_array()) {
        statuses[std::string{item.at("symbol").as_string()}] = item.at("status").as_int64();
    }
    EXPECT_EQ(statuses, (std::map<std::string, std::int64_t>{{"AAPL", 200}, {"MSFT", 200}}));
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/positions", {}, auth(key_)).json().as_array().empty(); }));
    EXPECT_EQ(c.request("GET", "/orders/by-client-id/held-4", {}, auth(key_)).json().at("status"),
              "canceled");
    EXPECT_EQ(c.request("DELETE", "/positions?cancel_orders=maybe", {}, auth(key_)).status, 422);
}

TEST_F(RunTest, ALimitOrderCanBeReplacedAndCanceledOnce) {
    auto c = client();
    auto r = c.request("POST", "/orders", order_body("MSFT", "3", "buy", "lim-1", "limit", "60.00"),
                       auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string id{r.json().at("id").as_string()};
    auto p = c.request("PATCH", "/orders/" + id, R"({"limit_price":"61.00"})", auth(key_));
    ASSERT_EQ(p.status, 200) << p.body;
    const std::string new_id{p.json().at("id").as_string()};
    EXPECT_NE(new_id, id);
    EXPECT_EQ(p.json().at("limit_price").as_string(), "61");
    EXPECT_EQ(p.json().at("replaces"), json::value(id));  // as Alpaca's replacement says
    EXPECT_EQ(c.request("GET", "/orders/" + id, {}, auth(key_)).json().at("status"), "replaced");
    // Alpaca's other replace fields: the new order's client_order_id, time_in_force. A
    // client_order_id in use (the first order's), or alone, changes nothing.
    EXPECT_EQ(c.request("PATCH", "/orders/" + new_id,
                        R"({"time_in_force":"gtc","client_order_id":"lim-1"})", auth(key_))
                  .status,
              422);
    EXPECT_EQ(c.request("PATCH", "/orders/" + new_id, R"({"client_order_id":"lim-2"})", auth(key_))
                  .status,
              403);
    EXPECT_EQ(c.request("PATCH", "/orders/" + new_id, R"({"trail":"1"})", auth(key_)).status,
              422);  // not a trailing stop
    p = c.request("PATCH", "/orders/" + new_id,
                  R"({"time_in_force":"gtc","client_order_id":"lim-2"})", auth(key_));
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_EQ(p.json().at("client_order_id"), "lim-2");
    EXPECT_EQ(p.json().at("time_in_force"), "gtc");
    EXPECT_EQ(p.json().at("limit_price"), "61");
    EXPECT_EQ(p.json().at("replaces"), json::value(new_id));
    const std::string third{p.json().at("id").as_string()};
    EXPECT_EQ(c.request("GET", "/orders/by-client-id/lim-2", {}, auth(key_)).json().at("id"),
              json::value(third));
    EXPECT_EQ(c.request("DELETE", "/orders/" + third, {}, auth(key_)).status, 204);
    EXPECT_EQ(c.request("DELETE", "/orders/" + new_id, {}, auth(key_)).status, 422);  // replaced
    EXPECT_EQ(c.request("GET", "/orders/" + third, {}, auth(key_)).json().at("status"), "canceled");
    EXPECT_EQ(c.request("DELETE", "/orders/" + third, {}, auth(key_)).status, 422);
    EXPECT_EQ(
        c.request("DELETE", "/orders/00000000-0000-4000-8000-000000000000", {}, auth(key_)).status,
        404);
    auto open = c.request("GET", "/orders?status=open", {}, auth(key_)).json().as_array();
    EXPECT_TRUE(open.empty());
    // Read back from the store, each still names the other.
    json::array listed;
    ASSERT_TRUE(eventually([&] {
        listed = c.request("GET", "/orders?status=closed", {}, auth(key_)).json().as_array();
        return listed.size() == 3;
    }));
    // Newest first: the third replaced the second, which replaced the first.
    EXPECT_EQ(listed[0].at("id"), json::value(third));
    EXPECT_EQ(listed[0].at("replaces"), json::value(new_id));
    EXPECT_EQ(listed[1].at("replaces"), json::value(id));
    EXPECT_EQ(listed[1].at("replaced_by"), json::value(third));
    EXPECT_EQ(listed[2].at("replaced_by"), json::value(new_id));
}

TEST_F(RunTest, ARepeatedClientOrderIdNeverMakesASecondOrder) {
    std::vector<std::thread> threads;
    std::vector<std::string> ids(8);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        threads.emplace_back([&, i] {
            HttpClient c{system_->port()};
            auto r = c.request("POST", "/orders", order_body("AAPL", "1", "buy", "same-key"),
                               auth(key_));
            if (r.status == 200) ids[i] = std::string{r.json().at("id").as_string()};
        });
    }
    for (auto& t : threads)
        t.join();
    for (const auto& id : ids)
        EXPECT_EQ(id, ids[0]);
    auto c = client();
    // Once the order is final, the key still names it (the store answers).
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/orders/" + ids[0], {}, auth(key_)).json().at("status") ==
               "filled";
    }));
    auto again =
        c.request("POST", "/orders", order_body("AAPL", "1", "buy", "same-key"), auth(key_));
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("id").as_string(), ids[0]);
    EXPECT_EQ(again.json().at("status"), "filled");
    auto all = c.request("GET", "/orders?status=all&limit=500", {}, auth(key_)).json().as_array();
    EXPECT_EQ(all.size(), 1u);
}

TEST_F(RunTest, EveryRouteAnswersEachRoleAsItsDocumentSays) {
    const std::string viewer = create_key("viewer");
    const std::string trader = create_key("trader");
    auto c = client();
    auto doc = c.request("GET", "/openapi.json");
    ASSERT_EQ(doc.status, 200);
    const auto paths = doc.json().at("paths").as_object();
    int checked = 0;
    for (const auto& [path, ops] : paths) {
        for (const auto& [method_lower, op] : ops.as_object()) {
            std::string method{method_lower};
            for (auto& ch : method)
                ch = static_cast<char>(std::toupper(ch));
            const std::string need{op.at("x-meridian-role").as_string()};
            if (path == "/risk/halt") continue;  // would halt the other checks; tested elsewhere
            std::string target{path};
            for (auto pos = target.find('{'); pos != std::string::npos; pos = target.find('{'))
                target.replace(pos, target.find('}', pos) - pos + 1, "ZZZZ");
            const std::string body = method == "GET" || method == "DELETE" ? "" : "{}";
            auto status_for = [&](const std::string& key) {
                HttpClient h{system_->port()};
                return h
                    .request(method, target, body,
                             key.empty() ? std::map<std::string, std::string>{} : auth(key))
                    .status;
            };
            const int rank = need == "public" ? 0 : need == "viewer" ? 1 : need == "trader" ? 2 : 3;
            const int none = status_for("");
            if (rank == 0) {
                EXPECT_NE(none, 401) << method << " " << path;
            } else {
                EXPECT_EQ(none, 401) << method << " " << path;
            }
            for (auto [key, key_rank] :
                 {std::pair{viewer, 1}, std::pair{trader, 2}, std::pair{key_, 3}}) {
                const int s = status_for(key);
                EXPECT_NE(s, 401) << method << " " << path;
                if (key_rank < rank)
                    EXPECT_EQ(s, 403) << method << " " << path << " as rank " << key_rank;
                else
                    EXPECT_NE(s, 403) << method << " " << path << " as rank " << key_rank;
                EXPECT_LT(s, 500) << method << " " << path;
            }
            ++checked;
        }
    }
    EXPECT_GE(checked, 52);  // every operation but the halt (53 in 43 paths)
    EXPECT_EQ(c.request("GET", "/health/live").status, 200);

    // Each documented query parameter of a GET is read: a value outside its schema is 422.
    int params = 0;
    for (const auto& [path, ops] : paths) {
        const auto* get = ops.as_object().if_contains("get");
        const auto* list = get ? get->as_object().if_contains("parameters") : nullptr;
        if (!list) continue;
        for (const auto& p : list->as_array()) {
            if (p.at("in") != "query") continue;
            const auto& schema = p.at("schema").as_object();
            std::string bad;
            if (schema.contains("enum") || schema.at("type") == "boolean") bad = "sideways";
            if (schema.at("type") == "integer") bad = "0";
            if (bad.empty()) continue;
            std::string target{path};
            for (auto pos = target.find('{'); pos != std::string::npos; pos = target.find('{'))
                target.replace(pos, target.find('}', pos) - pos + 1, "AAPL");
            target += "?" + std::string{p.at("name").as_string()} + "=" + bad;
            EXPECT_EQ(c.request("GET", target, {}, auth(key_)).status, 422) << target;
            ++params;
        }
    }
    EXPECT_GT(params, 10);
}

TEST_F(RunTest, BadInputGets4xxAndChangesNothing) {
    auto c = client();
    struct Case {
        std::string body;
        int status;
    };
    const std::vector<Case> cases{
        {"{not json", 400},
        {"[1,2]", 400},
        {std::string(200, '[') + std::string(200, ']'), 400},
        {R"({"symbol":"AAPL","qty":"-5","side":"buy","type":"market","time_in_force":"day"})", 422},
        {R"({"symbol":"AAPL","qty":"0","side":"buy","type":"market","time_in_force":"day"})", 422},
        {R"({"symbol":"AAPL","qty":"NaN","side":"buy","type":"market","time_in_force":"day"})",
         422},
        {R"({"symbol":"AAPL","qty":"1e400","side":"buy","type":"market","time_in_force":"day"})",
         422},
        {R"({"symbol":"AAPL","qty":99999999999999999999999,"side":"buy","type":"market","time_in_force":"day"})",
         422},
        {R"({"symbol":"AAPL","qty":{"x":1},"side":"buy","type":"market","time_in_force":"day"})",
         422},
        {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","time_in_force":"day"})", 422},
        {R"({"symbol":"ZZZZ","qty":"1","side":"buy","type":"market","time_in_force":"day"})", 422},
        {R"({"symbol":"AAPL","qty":"1","side":"sideways","type":"market","time_in_force":"day"})",
         422},
    };
    for (const auto& k : cases) {
        auto r = c.request("POST", "/orders", k.body, auth(key_));
        EXPECT_EQ(r.status, k.status) << k.body.substr(0, 120) << " -> " << r.body;
        if (r.status >= 400 && r.status != 413) {
            auto err = r.json().as_object();
            EXPECT_TRUE(err.at("code").is_int64());
            EXPECT_TRUE(err.at("message").is_string());
        }
    }
    auto big = c.request("POST", "/orders", std::string(10 << 20, ' '), auth(key_));
    EXPECT_EQ(big.status, 413);
    auto c2 = client();
    EXPECT_EQ(c2.request("GET", "/health/live").status, 200);
    auto all = c2.request("GET", "/orders?status=all", {}, auth(key_)).json().as_array();
    EXPECT_TRUE(all.empty());
    EXPECT_EQ(c2.request("GET", "/orders?limit=abc", {}, auth(key_)).status, 422);
    for (const char* query : {"limit=0", "limit=10001", "direction=up", "after=yesterday",
                              "symbols=a%20b", "page_token=no-such-fill"}) {
        EXPECT_EQ(c2.request("GET", std::string{"/fills?"} + query, {}, auth(key_)).status, 422)
            << query;
    }
    EXPECT_EQ(c2.request("GET", "/nope", {}, auth(key_)).status, 404);
    EXPECT_EQ(c2.request("GET", "/orders", {}, auth("mk_wrong")).status, 401);
}

TEST_F(RunTest, RiskLimitsRefuseOrdersWith403AndTheHaltSwitchWith503) {
    auto c = client();
    ASSERT_EQ(c.request("PUT", "/risk/limits", R"({"max_order_qty":"100"})", auth(key_)).status,
              200);
    // The execution service applies the limits it hears about from risk: give it a moment.
    ASSERT_TRUE(eventually([&] {
        auto r = c.request("POST", "/orders", order_body("AAPL", "500", "buy"), auth(key_));
        return r.status == 403 && r.json().at("reason") == "max_order_qty";
    }));
    ASSERT_EQ(c.request("POST", "/risk/halt", {}, auth(key_)).status, 200);
    ASSERT_TRUE(eventually([&] {
        auto r = c.request("POST", "/orders", order_body("AAPL", "1", "buy"), auth(key_));
        return r.status == 503 && r.json().at("reason") == "halted";
    }));
    auto events = c.request("GET", "/risk/events", {}, auth(key_)).json().as_array();
    EXPECT_FALSE(events.empty());
    ASSERT_EQ(c.request("POST", "/risk/resume", {}, auth(key_)).status, 200);
    ASSERT_TRUE(eventually([&] {
        return c.request("POST", "/orders", order_body("AAPL", "1", "buy"), auth(key_)).status ==
               200;
    }));
    // The audit log is written in batches by its own thread: it shows up within moments.
    std::set<std::string> actions;
    EXPECT_TRUE(eventually([&] {
        auto audit = c.request("GET", "/audit?limit=10000", {}, auth(key_)).json().as_array();
        for (const auto& a : audit)
            actions.insert(std::string{a.at("action").as_string()});
        return actions.contains("POST /risk/halt") && actions.contains("PUT /risk/limits");
    }));
}

TEST_F(RunTest, AWebSocketClientSeesItsOrdersEvents) {
    WsClient ws{system_->port(), "/ws"};
    ws.send(R"({"action":"subscribe","channels":["orders"]})");
    auto refused = json::parse(ws.receive().value_or("{}"));
    EXPECT_EQ(refused.at("data").at("status"), "error");  // not authenticated yet

    // The gateway takes a topic from the bus only while some client's channels need it.
    auto c = client();
    auto gateway_on_orders = [&] {
        const auto m = c.request("GET", "/metrics", {}, auth(key_)).body;
        return m.find(R"(topic="orders",subscriber="gateway")") != std::string::npos;
    };
    EXPECT_FALSE(gateway_on_orders());
    WsClient ws2{system_->port(), "/ws"};
    ws2.send(json::serialize(json::object{{"action", "auth"}, {"key", key_}}));
    EXPECT_EQ(json::parse(ws2.receive().value_or("{}")).at("data").at("status"), "authenticated");
    ws2.send(R"({"action":"subscribe","channels":["orders","fills"],"symbols":["AAPL"]})");
    EXPECT_EQ(json::parse(ws2.receive().value_or("{}")).at("data").at("status"), "subscribed");
    EXPECT_TRUE(gateway_on_orders());

    auto r = c.request("POST", "/orders", order_body("AAPL", "2", "buy", "ws-1"), auth(key_));
    ASSERT_EQ(r.status, 200);
    const std::string id{r.json().at("id").as_string()};
    std::set<std::string> seen;
    bool fill_seen = false;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline && !(seen.contains("fill") && fill_seen)) {
        auto msg = ws2.receive(2s);
        if (!msg) continue;
        auto m = json::parse(*msg).as_object();
        if (m.at("channel") == "orders" && m.at("data").at("order").at("id") == id.c_str())
            seen.insert(std::string{m.at("type").as_string()});
        if (m.at("channel") == "fills" && m.at("data").at("order_id") == id.c_str())
            fill_seen = true;
    }
    EXPECT_TRUE(seen.contains("new"));
    EXPECT_TRUE(seen.contains("fill"));
    EXPECT_TRUE(fill_seen);
    ws2.send(R"({"action":"unsubscribe","channels":["orders","fills"]})");
    for (int i = 0; i < 50 && gateway_on_orders(); ++i)
        std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(gateway_on_orders());
}

TEST_F(RunTest, Kill9LosesNoAcknowledgedOrderOrFillAndAppliesNothingTwice) {
    std::set<std::string> acknowledged;
    {
        auto c = client();
        for (int i = 0; i < 60; ++i) {
            const std::string side = i % 3 == 2 ? "sell" : "buy";
            auto r =
                c.request("POST", "/orders",
                          order_body(i % 2 ? "AAPL" : "MSFT", "1", side, "k9-" + std::to_string(i)),
                          auth(key_));
            ASSERT_EQ(r.status, 200) << r.body;
            acknowledged.insert(std::string{r.json().at("id").as_string()});
        }
    }
    auto c = client();
    const auto fills_before =
        c.request("GET", "/fills?limit=10000", {}, auth(key_)).json().as_array();
    system_->process().signal(SIGKILL);

    system_ = std::make_unique<RunningSystem>(dir_.path(), key_);
    wait_for_quotes();
    auto c2 = client();
    auto all = c2.request("GET", "/orders?status=all&limit=500", {}, auth(key_)).json().as_array();
    std::set<std::string> kept;
    for (const auto& o : all)
        kept.insert(std::string{o.at("id").as_string()});
    for (const auto& id : acknowledged)
        EXPECT_TRUE(kept.contains(id)) << id;
    EXPECT_EQ(kept.size(), acknowledged.size());

    // Every fill published before the kill is kept; after the restart the rest may fill.
    auto fills_after = c2.request("GET", "/fills?limit=10000", {}, auth(key_)).json().as_array();
    std::set<std::string> after_ids;
    for (const auto& f : fills_after)
        after_ids.insert(std::string{f.at("id").as_string()});
    for (const auto& f : fills_before)
        EXPECT_TRUE(after_ids.contains(std::string{f.at("id").as_string()}));
    ASSERT_TRUE(eventually([&] {
        auto open = c2.request("GET", "/orders?status=open", {}, auth(key_)).json().as_array();
        return open.empty();
    }));
    // Positions rebuilt from the fills exactly once: qty = signed sum of the fills.
    fills_after = c2.request("GET", "/fills?limit=10000", {}, auth(key_)).json().as_array();
    // Paged seven at a time (each page going on from the last fill's id), the same fills.
    std::vector<std::string> paged;
    for (std::string token;;) {
        auto page = c2.request("GET", "/fills?limit=7&page_token=" + token, {}, auth(key_))
                        .json()
                        .as_array();
        for (const auto& f : page)
            paged.emplace_back(f.at("id").as_string());
        if (page.size() < 7) break;
        token = paged.back();
    }
    ASSERT_EQ(paged.size(), fills_after.size());
    for (std::size_t i = 0; i < paged.size(); ++i)
        EXPECT_EQ(paged[i], fills_after[i].at("id").as_string());
    std::map<std::string, long> expected;
    for (const auto& f : fills_after) {
        const long q = std::stol(std::string{f.at("qty").as_string()});
        expected[std::string{f.at("symbol").as_string()}] += f.at("side") == "buy" ? q : -q;
    }
    ASSERT_TRUE(eventually([&] {
        auto positions = c2.request("GET", "/positions", {}, auth(key_)).json().as_array();
        std::map<std::string, long> got;
        for (const auto& p : positions)
            got[std::string{p.at("symbol").as_string()}] =
                std::stol(std::string{p.at("qty").as_string()});
        for (auto it = expected.begin(); it != expected.end();)
            it = it->second == 0 ? expected.erase(it) : std::next(it);
        return got == expected;
    }));
}

TEST_F(RunTest, ARestingOrdersAcceptanceIsStoredAndOutlivesKill9) {
    auto c = client();
    auto r = c.request("POST", "/orders",
                       order_body("MSFT", "2", "buy", "rest-1", "limit", "60.00"), auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    json::object accepted;
    ASSERT_TRUE(eventually([&] {
        accepted =
            c.request("GET", "/orders/by-client-id/rest-1", {}, auth(key_)).json().as_object();
        return accepted.at("status") == "new";
    }));
    // Published at once, stored within a second and a half (with the order's next change, or
    // on its own once it has rested half a second).
    std::this_thread::sleep_for(3500ms);
    system_->process().signal(SIGKILL);
    system_ = std::make_unique<RunningSystem>(dir_.path(), key_);
    wait_for_quotes();
    auto c2 = client();
    auto after =
        c2.request("GET", "/orders/by-client-id/rest-1", {}, auth(key_)).json().as_object();
    EXPECT_EQ(after.at("status"), "new");
    EXPECT_EQ(after.at("submitted_at"), accepted.at("submitted_at"));
    EXPECT_EQ(after.at("updated_at"), accepted.at("updated_at"));
}

TEST_F(RunTest, ABracketsPartsStillWorkAsOneAfterKill9) {
    auto c = client();
    auto price = [&](const char* symbol, const char* side, double factor) {
        auto q = c.request("GET", std::string{"/marketdata/quotes/"} + symbol, {}, auth(key_));
        const double p = std::stod(std::string{q.json().at(side).as_string()}) * factor;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", p);
        return std::string{buf};
    };
    auto bracket = [&](const char* symbol, const char* coid, const char* type,
                       const std::string& limit, const std::string& take_profit,
                       const std::string& stop_loss) {
        json::object o{{"symbol", symbol},
                       {"qty", "1"},
                       {"side", "buy"},
                       {"type", type},
                       {"time_in_force", "gtc"},
                       {"client_order_id", coid},
                       {"order_class", "bracket"},
                       {"take_profit", {{"limit_price", take_profit}}},
                       {"stop_loss", {{"stop_price", stop_loss}}}};
        if (!limit.empty()) o["limit_price"] = limit;
        auto r = c.request("POST", "/orders", json::serialize(o), auth(key_));
        EXPECT_EQ(r.status, 200) << r.body;
    };
    // A: filled at once, its exits (far from the market) working. B: its entry rests far below
    // the market, its exits held until it fills.
    bracket("AAPL", "a", "market", {}, price("AAPL", "ap", 1.4), price("AAPL", "bp", 0.6));
    bracket("MSFT", "b", "limit", price("MSFT", "bp", 0.7), price("MSFT", "bp", 1.4),
            price("MSFT", "bp", 0.5));
    // The legs: open sell orders of each symbol, the limit (take-profit) and the stop.
    auto legs = [&](HttpClient& http, const char* symbol) {
        std::map<std::string, json::object> out;
        auto list = http.request("GET", std::string{"/orders?status=open&symbols="} + symbol, {},
                                 auth(key_))
                        .json();
        for (const auto& v : list.as_array()) {
            const auto& o = v.as_object();
            if (o.at("side") == "sell") out[std::string{o.at("type").as_string()}] = o;
        }
        return out;
    };
    ASSERT_TRUE(eventually([&] {
        auto a = legs(c, "AAPL");
        return a.size() == 2 && a["limit"].at("status") == "new" && a["stop"].at("status") == "new";
    }));
    ASSERT_TRUE(eventually([&] {
        auto b = legs(c, "MSFT");
        return b.size() == 2 && b["limit"].at("status") == "held";
    }));
    system_->process().signal(SIGKILL);
    system_ = std::make_unique<RunningSystem>(dir_.path(), key_);
    wait_for_quotes();
    auto c2 = client();
    auto a = legs(c2, "AAPL");
    auto b = legs(c2, "MSFT");
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), 2u);
    // Canceling one exit of A cancels the other: they are still one-cancels-other.
    auto id = [](const json::object& o) { return std::string{o.at("id").as_string()}; };
    auto status = [&](const std::string& order) {
        return std::string{
            c2.request("GET", "/orders/" + order, {}, auth(key_)).json().at("status").as_string()};
    };
    EXPECT_EQ(c2.request("DELETE", "/orders/" + id(a["limit"]), {}, auth(key_)).status, 204);
    EXPECT_TRUE(eventually([&] { return status(id(a["stop"])) == "canceled"; }))
        << status(id(a["stop"]));
    // Canceling B's entry takes its held exits with it: they still wait for it.
    auto entry = c2.request("GET", "/orders/by-client-id/b", {}, auth(key_)).json();
    EXPECT_EQ(c2.request("DELETE", "/orders/" + id(entry.as_object()), {}, auth(key_)).status, 204);
    EXPECT_TRUE(eventually([&] {
        return status(id(b["limit"])) == "canceled" && status(id(b["stop"])) == "canceled";
    }));
}

TEST_F(RunTest, AnAdvancedOrdersLegsComeNestedAndCancelingAllTakesTheExitsToo) {
    auto c = client();
    auto q = c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).json();
    const double ask = std::stod(std::string{q.at("ap").as_string()});
    auto at = [&](double factor) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", ask * factor);
        return std::string{buf};
    };
    const json::object bracket{{"symbol", "AAPL"},
                               {"qty", "2"},
                               {"side", "buy"},
                               {"type", "market"},
                               {"time_in_force", "gtc"},
                               {"client_order_id", "nest-1"},
                               {"order_class", "bracket"},
                               {"take_profit", {{"limit_price", at(1.4)}}},
                               {"stop_loss", {{"stop_price", at(0.6)}}}};
    // Alpaca answers a bracket with its two exits in "legs".
    auto r = c.request("POST", "/orders", json::serialize(bracket), auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto answer = r.json().as_object();
    ASSERT_TRUE(answer.at("legs").is_array()) << r.body;
    const auto& legs = answer.at("legs").as_array();
    ASSERT_EQ(legs.size(), 2u) << r.body;
    EXPECT_EQ(legs[0].at("type"), "limit");
    // The same price ("139.8" for "139.80": decimals come without trailing zeros).
    EXPECT_EQ(std::stod(std::string{legs[0].at("limit_price").as_string()}), std::stod(at(1.4)));
    EXPECT_EQ(legs[1].at("type"), "stop");
    EXPECT_EQ(legs[1].at("side"), "sell");
    EXPECT_EQ(legs[1].at("order_class"), "bracket");  // a leg says its order's class
    const std::string id{answer.at("id").as_string()};

    // Without nested=true legs are null and each is listed as an order; with it, they come with
    // their entry, in their newest state (working once the entry filled).
    auto one = [&](const std::string& query) {
        return c.request("GET", "/orders/" + id + query, {}, auth(key_)).json().as_object();
    };
    EXPECT_TRUE(one("").at("legs").is_null());
    ASSERT_TRUE(eventually([&] {
        auto nested = one("?nested=true");
        return nested.at("status") == "filled" && nested.at("legs").as_array().size() == 2 &&
               nested.at("legs").as_array()[0].at("status") == "new" &&
               nested.at("legs").as_array()[1].at("status") == "new";
    })) << json::serialize(one("?nested=true"));
    auto list = [&](const std::string& query) {
        return c.request("GET", "/orders?status=all&symbols=AAPL" + query, {}, auth(key_))
            .json()
            .as_array();
    };
    const auto plain = list("");
    ASSERT_EQ(plain.size(), 3u);
    for (const auto& o : plain)
        EXPECT_EQ(o.at("order_class"), "bracket") << json::serialize(o);
    const auto nested = list("&nested=true");
    ASSERT_EQ(nested.size(), 1u);
    EXPECT_EQ(nested[0].at("id").as_string(), id);
    EXPECT_EQ(nested[0].at("legs").as_array().size(), 2u);
    EXPECT_EQ(c.request("GET", "/orders?nested=maybe", {}, auth(key_)).status, 422);
    // The entry filled: its working exits are what is open, listed on their own.
    const auto open =
        c.request("GET", "/orders?status=open&symbols=AAPL&nested=true", {}, auth(key_)).json();
    EXPECT_EQ(open.as_array().size(), 2u) << json::serialize(open);

    // The exits of a filled entry are open orders of their own: canceling all cancels them.
    EXPECT_EQ(c.request("DELETE", "/orders", {}, auth(key_)).status, 207);
    EXPECT_TRUE(eventually([&] {
        auto n = one("?nested=true");
        return n.at("legs").as_array()[0].at("status") == "canceled" &&
               n.at("legs").as_array()[1].at("status") == "canceled";
    })) << json::serialize(one("?nested=true"));
    EXPECT_EQ(list("").size(), 3u);
}

TEST_F(RunTest, KeysCreatedFromTheCommandLineWorkWhileItRuns) {
    int code = -1;
    const std::string out = run_to_end(
        {kBinary, "keys", "create", "--role", "viewer", "--data-dir", dir_.path().string()}, &code);
    ASSERT_EQ(code, 0) << out;
    std::string last = out.substr(0, out.size() - 1);
    last = last.substr(last.rfind('\n') + 1);
    ASSERT_TRUE(last.starts_with("mk_")) << out;
    auto c = client();
    EXPECT_EQ(c.request("GET", "/positions", {}, auth(last)).status, 200);
    EXPECT_EQ(c.request("POST", "/orders", order_body("AAPL", "1", "buy"), auth(last)).status, 403);
    // A short-lived token works in place of the key.
    auto t = c.request("POST", "/auth/token", {}, auth(last));
    ASSERT_EQ(t.status, 200);
    EXPECT_EQ(
        c.request("GET", "/positions", {}, auth(std::string{t.json().at("token").as_string()}))
            .status,
        200);
}

TEST_F(RunTest, SigtermStopsCleanly) {
    system_->process().signal(SIGTERM);
    EXPECT_EQ(system_->process().wait_exit(), 0);
}

TEST_F(RunTest, HealthAndMetricsReportEveryService) {
    auto c = client();
    ASSERT_TRUE(eventually([&] { return c.request("GET", "/health").status == 200; }));
    auto health = c.request("GET", "/health").json();
    EXPECT_EQ(health.at("services").as_object().size(), 11u);
    auto services = c.request("GET", "/services", {}, auth(key_)).json().as_array();
    EXPECT_EQ(services.size(), 11u);
    auto metrics = c.request("GET", "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("# TYPE meridian_http_requests_total counter"), std::string::npos);
    EXPECT_NE(metrics.body.find("meridian_bus_queue_depth{"), std::string::npos);
    EXPECT_NE(metrics.body.find("meridian_equity_dollars"), std::string::npos);
}

TEST_F(RunTest, TheDaysPnLIsExactMoneyFromTheDaysFirstEquity) {
    auto c = client();
    ASSERT_EQ(c.request("POST", "/orders", order_body("AAPL", "3", "buy"), auth(key_)).status, 200);
    json::object m;
    ASSERT_TRUE(eventually([&] {
        m = c.request("GET", "/risk/metrics", {}, auth(key_)).json().as_object();
        return m.contains("day_start_equity") && m.contains("equity");
    }));
    // Decimal strings, to the cent: the equity now less the trading day's first.
    auto money = [&](const char* k) { return std::string{m.at(k).as_string()}; };
    const auto pnl = money("daily_pnl");
    ASSERT_NE(pnl.find('.'), std::string::npos) << pnl;
    EXPECT_EQ(pnl.size() - pnl.find('.'), 3u) << pnl;  // cents
    const double expected = std::stod(money("equity")) - std::stod(money("day_start_equity"));
    EXPECT_NEAR(std::stod(pnl), expected, 0.005) << json::serialize(m);
}

TEST_F(RunTest, ConfigChangesApplyLiveOrAreRefusedWithTheReason) {
    auto c = client();
    auto refused = c.request("PATCH", "/config", R"({"symbols":["TSLA"]})", auth(key_));
    EXPECT_EQ(refused.status, 409);
    EXPECT_NE(refused.body.find("restart"), std::string::npos);
    EXPECT_EQ(c.request("PATCH", "/config", R"({"rate_limit_per_minute":-3})", auth(key_)).status,
              422);
    ASSERT_EQ(c.request("PATCH", "/config", R"({"rate_limit_per_minute":3})", auth(key_)).status,
              200);
    const std::string viewer = create_key("viewer");
    ASSERT_TRUE(eventually([&] {
        auto r = c.request("GET", "/positions", {}, auth(viewer));
        return r.status == 429 && !r.headers["Retry-After"].empty();
    }));
    EXPECT_EQ(c.request("GET", "/config", {}, auth(key_)).json().at("rate_limit_per_minute"), 3);
}

TEST_F(RunTest, ImportedHistoryCanBeBacktestedInTheBackground) {
    auto c = client();
    std::ifstream in{std::string{MERIDIAN_SOURCE_DIR} + "/data/orcl-1995-2014.csv"};
    const std::string csv{std::istreambuf_iterator<char>{in}, {}};
    auto imported = c.request("POST", "/history/import?symbol=ORCL", csv, auth(key_));
    ASSERT_EQ(imported.status, 200) << imported.body;
    EXPECT_EQ(imported.json().at("timeframe"), "1Day");
    auto bars = c.request(
        "GET", "/history/bars/ORCL?timeframe=1Day&start=2014-01-01&end=2015-01-01", {}, auth(key_));
    ASSERT_EQ(bars.status, 200);
    EXPECT_EQ(bars.json().as_array().size(), 252u);
    EXPECT_EQ(
        c.request("POST", "/history/import?symbol=ORCL", "Date,Open\nxx,1\n", auth(key_)).status,
        422);

    auto started = c.request("POST", "/analytics/backtests",
                             R"({"strategy":"sma_crossover","params":{"fast":20,"slow":50},
                                 "symbols":["ORCL"],"timeframe":"1Day"})",
                             auth(key_));
    ASSERT_EQ(started.status, 202) << started.body;
    const std::string id{started.json().at("id").as_string()};
    json::object state;
    ASSERT_TRUE(eventually([&] {
        state = c.request("GET", "/analytics/backtests/" + id, {}, auth(key_)).json().as_object();
        return state.at("state") != "running";
    }));
    EXPECT_EQ(state.at("state"), "done");
    EXPECT_TRUE(state.at("summary").as_object().contains("sharpe"));
    EXPECT_GT(state.at("summary").at("num_fills").to_number<int>(), 0);
}

/// A webhook receiver: answers 500 to the first request and 200 after, keeping the bodies.
class WebhookServer {
public:
    WebhookServer() : acceptor_{ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}} {
        thread_ = std::thread{[this] {
            namespace http = boost::beast::http;
            for (;;) {
                boost::system::error_code ec;
                boost::asio::ip::tcp::socket socket{ioc_};
                acceptor_.accept(socket, ec);
                if (ec || stop_) return;
                boost::beast::flat_buffer buffer;
                http::request<http::string_body> req;
                http::read(socket, buffer, req, ec);
                if (ec) continue;
                int n = 0;
                {
                    std::lock_guard lock{mutex_};
                    bodies_.push_back(req.body());
                    n = static_cast<int>(bodies_.size());
                }
                http::response<http::string_body> res{
                    n == 1 ? http::status::internal_server_error : http::status::ok, 11};
                res.body() = "{}";
                res.prepare_payload();
                http::write(socket, res, ec);
            }
        }};
    }
    ~WebhookServer() {
        stop_ = true;
        {
            // Unblocks accept; the loop sees stop_ and ends.
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket s{ioc_};
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port()}, ec);
        }
        if (thread_.joinable()) thread_.join();
    }
    std::uint16_t port() { return port_ = acceptor_.local_endpoint().port(); }
    std::vector<std::string> bodies() {
        std::lock_guard lock{mutex_};
        return bodies_;
    }

private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<std::string> bodies_;
    std::thread thread_;
};

TEST_F(RunTest, WebhooksGetFillNotificationsRetriedUntilDelivered) {
    WebhookServer hook;
    auto c = client();
    EXPECT_EQ(
        c.request("POST", "/notifications/channels", R"({"url":"ftp://x"})", auth(key_)).status,
        422);
    auto ch = c.request("POST", "/notifications/channels",
                        json::serialize(json::object{
                            {"url", "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook"},
                            {"events", json::array{"fill"}}}),
                        auth(key_));
    ASSERT_EQ(ch.status, 201) << ch.body;
    ASSERT_EQ(c.request("POST", "/orders", order_body("AAPL", "4", "buy"), auth(key_)).status, 200);
    ASSERT_TRUE(eventually([&] { return hook.bodies().size() >= 2; }));
    const auto bodies = hook.bodies();
    EXPECT_EQ(bodies[0], bodies[1]);  // the same notification, delivered again after the 500
    auto n = json::parse(bodies[1]).as_object();
    EXPECT_EQ(n.at("event"), "fill");
    auto listed = c.request("GET", "/notifications", {}, auth(key_)).json().as_array();
    ASSERT_FALSE(listed.empty());
    EXPECT_EQ(listed[0].at("event"), "fill");
    // Kept across a restart: stored when it stops, listed again when it starts.
    system_->process().signal(SIGTERM);
    EXPECT_EQ(system_->process().wait_exit(), 0);
    system_ = std::make_unique<RunningSystem>(dir_.path(), key_);
    auto again = client().request("GET", "/notifications", {}, auth(key_)).json().as_array();
    std::set<std::string> ids;
    for (const auto& n2 : again)
        ids.insert(std::string{n2.at("id").as_string()});
    EXPECT_TRUE(ids.contains(std::string{listed[0].at("id").as_string()}));
}

TEST(RunReplay, RecordedBarsReplayAsALiveMarketThatStrategiesTrade) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("meridian-replay-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    {
        RunningSystem sys{
            dir,
            {},
            {"--replay", std::string{MERIDIAN_SOURCE_DIR} + "/data/orcl-1995-2014.csv", "--speed",
             "2592000"}};  // a month of market a second
        HttpClient c{sys.port()};
        const auto key = sys.admin_key();
        EXPECT_EQ(c.request("GET", "/marketdata/symbols", {}, auth(key)).body, R"(["ORCL"])");
        ASSERT_TRUE(eventually([&] {
            return c.request("GET", "/marketdata/quotes/ORCL", {}, auth(key)).status == 200;
        }));
        // The built-in strategies trade the replayed symbol: some of their orders fill.
        ASSERT_TRUE(eventually([&] {
            auto fills = c.request("GET", "/fills", {}, auth(key));
            return fills.status == 200 && !fills.json().as_array().empty();
        }));
        auto bars = c.request("GET", "/history/bars/ORCL?timeframe=1Day", {}, auth(key));
        ASSERT_EQ(bars.status, 200);
        EXPECT_FALSE(bars.json().as_array().empty());
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace meridian::test
