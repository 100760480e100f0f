// `meridian run --broker alpaca --feed alpaca` against the fake Alpaca: the order lifecycle end
// to end, then scripted faults (lost answers, 504s, 429s, duplicate and reordered events,
// dropped and silent streams, kill -9): no order twice, every unknown outcome settled, the
// positions Alpaca's.
#include <csignal>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/fake_alpaca.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/meridian_process.hpp"
#include "tests/support/meridian_system.hpp"
#include "tests/support/test_dir.hpp"

namespace meridian::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::FakeAlpaca;
using testing::FakeAlpacaFaults;
using testing::FakeAlpacaOptions;

FakeAlpacaOptions fake_options() {
    FakeAlpacaOptions o;
    o.fills_per_order = 2;  // every order fills in a partial fill and a fill
    o.ticks_per_second = 10;
    o.requests_per_minute = 100'000;  // the 429s here are scripted
    return o;
}

class AlpacaRun : public ::testing::Test {
protected:
    /// The fake Alpaca each test of the fixture starts with.
    virtual FakeAlpacaOptions options() const { return fake_options(); }
    void SetUp() override {
        fake_ = std::make_unique<FakeAlpaca>(options());
        for (const auto& [k, v] : fake_->env())
            ::setenv(k.c_str(), v.c_str(), 1);
        ::setenv("MERIDIAN_ALPACA_DATA_AROUND_THE_CLOCK", "true", 1);
        ::setenv("MERIDIAN_ALPACA_RECONCILE_SECONDS", "1", 1);
        ::setenv("MERIDIAN_ALPACA_DATA_SILENCE_SECONDS", "3", 1);
        // Alpaca's 200 a minute would pace these tests to one order in 300 ms (the limiter's
        // own test is in src/adapters/alpaca).
        ::setenv("MERIDIAN_ALPACA_RATE_LIMIT", "6000", 1);
        start();
        key_ = system_->admin_key();
        ASSERT_FALSE(key_.empty());
    }
    void start(std::vector<std::string> more = {}) {
        std::vector<std::string> args{"--config", kConfig,  "--broker",
                                      "alpaca",   "--feed", "alpaca"};
        args.insert(args.end(), more.begin(), more.end());
        system_ = std::make_unique<RunningSystem>(dir_.path(), key_, std::move(args));
        auto c = client();
        ASSERT_TRUE(
            eventually([&] { return c.request("GET", "/health/ready").status == 200; }, 30s))
            << system_->process().output();
    }
    HttpClient client() { return HttpClient{system_->port()}; }

    json::array orders(HttpClient& c, const std::string& status = "all") {
        return c.request("GET", "/orders?status=" + status + "&limit=500", {}, auth(key_))
            .json()
            .as_array();
    }
    std::map<std::string, std::string> positions(HttpClient& c) {
        std::map<std::string, std::string> out;
        auto body = c.request("GET", "/positions", {}, auth(key_)).json();
        for (const auto& p : body.as_array())
            if (p.at("qty").as_string() != "0")
                out[std::string{p.at("symbol").as_string()}] = std::string{p.at("qty").as_string()};
        return out;
    }
    double metric(HttpClient& c, const std::string& name) {
        const auto text = c.request("GET", "/metrics", {}, auth(key_)).body;
        double total = 0;
        std::size_t at = 0;
        while ((at = text.find("\n" + name, at)) != std::string::npos) {
            at += 1;
            const auto end = text.find('\n', at);
            const auto line = text.substr(at, end - at);
            if (line[name.size()] == ' ' || line[name.size()] == '{')
                total += std::stod(line.substr(line.rfind(' ') + 1));
        }
        return total;
    }
    /// Every order final, none stuck pending, positions equal Alpaca's.
    void expect_settled(HttpClient& c) {
        ASSERT_TRUE(eventually([&] { return orders(c, "open").empty(); }, 40s))
            << json::serialize(orders(c, "open"));
        ASSERT_TRUE(eventually([&] { return positions(c) == fake_->positions(); }, 20s))
            << "ours: " << json::serialize(c.request("GET", "/positions", {}, auth(key_)).json());
        // Cash too: Meridian's account started from Alpaca's and applied the same fills.
        ASSERT_TRUE(eventually([&] {
            return c.request("GET", "/portfolio/metrics", {}, auth(key_)).json().at("cash") ==
                   json::value(fake_->cash());
        })) << c.request("GET", "/portfolio/metrics", {}, auth(key_)).body
            << " vs " << fake_->cash();
        const auto ids = fake_->client_order_ids();
        EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size())
            << "an order reached Alpaca twice";
    }

    std::unique_ptr<FakeAlpaca> fake_;
    TestDir dir_{"alpaca"};
    std::unique_ptr<RunningSystem> system_;
    std::string key_;
};

TEST_F(AlpacaRun, AnOrderLivesItsWholeLifeThroughAlpaca) {
    auto c = client();
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).status == 200; }));
    auto r = c.request("POST", "/orders", order_body("AAPL", "10", "buy", "life-1"), auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string id{r.json().at("id").as_string()};
    ASSERT_TRUE(eventually([&] {
        auto o = c.request("GET", "/orders/" + id, {}, auth(key_)).json();
        return o.at("status") == "filled";
    }));
    // A partial fill, then the fill (stored a moment after the order shows them).
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/fills", {}, auth(key_)).json().as_array().size() == 2;
    })) << c.request("GET", "/fills", {}, auth(key_)).body;
    // A limit well below the market works; it is replaced (a new order), then canceled.
    r = c.request("POST", "/orders", order_body("MSFT", "5", "buy", "life-2", "limit", "250.00"),
                  auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string limit_id{r.json().at("id").as_string()};
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/orders/" + limit_id, {}, auth(key_)).json().at("status") == "new";
    }));
    r = c.request("PATCH", "/orders/" + limit_id,
                  R"({"limit_price": "260.00", "client_order_id": "life-2b"})", auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string new_id{r.json().at("id").as_string()};
    EXPECT_NE(new_id, limit_id);
    EXPECT_EQ(r.json().at("limit_price"), "260");
    EXPECT_EQ(r.json().at("client_order_id"), "life-2b");
    EXPECT_EQ(r.json().at("replaces"), json::value(limit_id));
    auto old = c.request("GET", "/orders/" + limit_id, {}, auth(key_)).json();
    EXPECT_EQ(old.at("status"), "replaced");
    EXPECT_EQ(old.at("replaced_by"), json::value(new_id));
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/orders/" + new_id, {}, auth(key_)).json().at("status") == "new";
    }));
    EXPECT_EQ(c.request("DELETE", "/orders/" + new_id, {}, auth(key_)).status, 204);
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/orders/" + new_id, {}, auth(key_)).json().at("status") ==
               "canceled";
    }));
    // Dollars, not shares: Alpaca decides the shares, and the order ends filled as Alpaca's.
    r = c.request(
        "POST", "/orders",
        R"({"symbol":"MSFT","notional":"1000","side":"buy","type":"market","time_in_force":"day","client_order_id":"dollars"})",
        auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/orders/by-client-id/dollars", {}, auth(key_))
                   .json()
                   .at("status") == "filled";
    })) << c.request("GET", "/orders/by-client-id/dollars", {}, auth(key_)).body;
    ASSERT_TRUE(eventually([&] { return positions(c) == fake_->positions(); }));
    // A refusal by Alpaca is the user's 4xx, with Alpaca's reason, and nothing trades.
    r = c.request("POST", "/orders", order_body("AAPL", "1000", "buy", "too-big"), auth(key_));
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find("insufficient buying power"), std::string::npos) << r.body;
    EXPECT_EQ(r.json().at("order").at("status"), "rejected");
    // Secrets stay secret: not in the API's answers, not in what it prints.
    for (const char* route : {"/config", "/health", "/services", "/openapi.json"})
        EXPECT_EQ(c.request("GET", route, {}, auth(key_))
                      .body.find(fake_->env().at("APCA_API_SECRET_KEY")),
                  std::string::npos)
            << route;
    EXPECT_EQ(system_->process().output().find(fake_->env().at("APCA_API_SECRET_KEY")),
              std::string::npos);
    expect_settled(c);
    EXPECT_EQ(fake_->positions().at("AAPL"), "10");
}

TEST_F(AlpacaRun, ABracketsLegsAreFollowedToTheEnd) {
    auto c = client();
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).status == 200; }));
    const std::string body = R"({"symbol":"AAPL","qty":"10","side":"buy","type":"market",
        "time_in_force":"gtc","order_class":"bracket","client_order_id":"br-1",
        "take_profit":{"limit_price":"250"},"stop_loss":{"stop_price":"150"}})";
    auto r = c.request("POST", "/orders", body, auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    // Entry filled; its two exits (Alpaca's orders) are ours to follow, working.
    ASSERT_TRUE(eventually([&] {
        auto all = orders(c);
        int working = 0;
        for (const auto& o : all)
            working += o.at("status") == "new" ? 1 : 0;
        return all.size() == 3 && working == 2;
    })) << json::serialize(orders(c));
    ASSERT_TRUE(eventually([&] { return positions(c) == fake_->positions(); }));
    // Nested, the exits come with their entry, as Alpaca's nested=true has them.
    const std::string entry{r.json().at("id").as_string()};
    auto nested = c.request("GET", "/orders/" + entry + "?nested=true", {}, auth(key_)).json();
    ASSERT_TRUE(nested.at("legs").is_array()) << json::serialize(nested);
    EXPECT_EQ(nested.at("legs").as_array().size(), 2u) << json::serialize(nested);
    // The price reaches the take-profit: it fills, the stop-loss is canceled, the position is flat.
    fake_->set_price("AAPL", "260");
    expect_settled(c);
    std::map<std::string, int> statuses;
    for (const auto& o : orders(c))
        ++statuses[std::string{o.at("status").as_string()}];
    EXPECT_EQ(statuses["filled"], 2) << json::serialize(orders(c));
    EXPECT_EQ(statuses["canceled"], 1);
    EXPECT_TRUE(positions(c).empty());
}

TEST_F(AlpacaRun, ATrailingStopFollowsThePriceAndSells) {
    auto c = client();
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).status == 200; }));
    auto r = c.request("POST", "/orders", order_body("AAPL", "5", "buy", "ts-buy"), auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(
        eventually([&] { return positions(c) == fake_->positions() && !positions(c).empty(); }));
    r = c.request("POST", "/orders",
                  R"({"symbol":"AAPL","qty":"5","side":"sell","type":"trailing_stop",
                      "time_in_force":"gtc","trail_price":"5","client_order_id":"ts-sell"})",
                  auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string id{r.json().at("id").as_string()};
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/orders/" + id, {}, auth(key_)).json().at("status") == "new";
    }));
    fake_->set_price("AAPL", "200");  // the stop follows up to about 195
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(c.request("GET", "/orders/" + id, {}, auth(key_)).json().at("status"), "new");
    fake_->set_price("AAPL", "190");
    ASSERT_TRUE(eventually([&] {
        return c.request("GET", "/orders/" + id, {}, auth(key_)).json().at("status") == "filled";
    }));
    expect_settled(c);
    EXPECT_TRUE(positions(c).empty());
}

TEST_F(AlpacaRun, ASymbolAlpacaDoesNotTradeIsRefusedBeforeItIsSent) {
    system_.reset();
    start({"--symbols", "AAPL,OLDCO"});
    auto c = client();
    const auto before = fake_->stats().submit_requests;
    auto r = c.request("POST", "/orders", order_body("OLDCO", "1", "buy", "old-1"), auth(key_));
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("cannot be traded on Alpaca"), std::string::npos) << r.body;
    EXPECT_EQ(fake_->stats().submit_requests, before) << "nothing went to Alpaca";
}

TEST_F(AlpacaRun, FaultsNeitherLoseNorDuplicateAnOrder) {
    auto c = client();
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/marketdata/quotes/MSFT", {}, auth(key_)).status == 200; }));
    std::set<std::string> sent;
    int refused_while_down = 0;
    auto submit = [&](int i) {
        const std::string coid = "fault-" + std::to_string(i);
        // While the trade stream is down orders are refused (503): a client sends the same
        // order again, under the same client_order_id, until it is taken.
        HttpReply r;
        EXPECT_TRUE(eventually([&] {
            r = c.request("POST", "/orders",
                          order_body(i % 2 ? "AAPL" : "MSFT", std::to_string(1 + i % 3),
                                     i % 4 == 3 ? "sell" : "buy", coid),
                          auth(key_));
            if (r.status == 503) refused_while_down += 1;
            return r.status != 503;
        }));
        EXPECT_EQ(r.status, 200) << r.body;
        sent.insert(coid);
    };
    FakeAlpacaFaults f;
    f.drop_submit_answers = 3;
    f.fail_submits = 3;
    f.fail_status = 504;
    f.throttle = 3;
    fake_->set_faults(f);
    for (int i = 0; i < 10; ++i)
        submit(i);
    f = FakeAlpacaFaults{};
    f.duplicate_events = true;
    f.reorder_events = true;
    fake_->set_faults(f);
    for (int i = 10; i < 20; ++i)
        submit(i);
    fake_->drop_streams();
    for (int i = 20; i < 25; ++i)
        submit(i);
    EXPECT_GT(refused_while_down, 0) << "orders were taken while the trade stream was down";
    f = FakeAlpacaFaults{};
    f.silent = true;  // open but silent: every event meanwhile is lost
    fake_->set_faults(f);
    for (int i = 25; i < 35; ++i)
        submit(i);
    std::this_thread::sleep_for(1500ms);
    f = FakeAlpacaFaults{};
    f.fail_submits = 2;
    f.fail_status = 500;
    fake_->set_faults(f);
    for (int i = 35; i < 40; ++i)
        submit(i);

    expect_settled(c);
    const auto ids = fake_->client_order_ids();
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), sent);
    for (const auto& o : orders(c))
        EXPECT_EQ(o.at("status"), "filled") << json::serialize(o);
    EXPECT_GT(metric(c, "meridian_alpaca_duplicate_fills_total"), 0) << "duplicates were sent";
    EXPECT_GT(metric(c, "meridian_alpaca_reconciled_changes_total"), 0) << "events were lost";
    EXPECT_GE(metric(c, "meridian_alpaca_stream_connects_total"), 2);
}

TEST_F(AlpacaRun, Kill9MidFlightLeavesNothingUnsettledAfterRestart) {
    auto c = client();
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).status == 200; }));
    std::set<std::string> acknowledged;
    FakeAlpacaFaults f;
    f.silent = true;  // Alpaca fills, nobody hears: the restart must find out
    fake_->set_faults(f);
    for (int i = 0; i < 15; ++i) {
        auto r = c.request("POST", "/orders",
                           order_body("AAPL", "2", "buy", "k9-" + std::to_string(i)), auth(key_));
        ASSERT_EQ(r.status, 200) << r.body;
        acknowledged.insert(std::string{r.json().at("client_order_id").as_string()});
    }
    system_->process().signal(SIGKILL);
    fake_->set_faults(FakeAlpacaFaults{});
    start();
    auto c2 = client();
    expect_settled(c2);
    std::set<std::string> ours;
    for (const auto& o : orders(c2)) {
        ours.insert(std::string{o.at("client_order_id").as_string()});
        EXPECT_EQ(o.at("status"), "filled") << json::serialize(o);
    }
    EXPECT_EQ(ours, acknowledged);
    EXPECT_EQ(fake_->positions().at("AAPL"), "30");
}

TEST_F(AlpacaRun, ClosingEverythingCancelsTheOrdersThatHoldTheSharesFirst) {
    auto c = client();
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).status == 200; }));
    ASSERT_EQ(
        c.request("POST", "/orders", order_body("AAPL", "10", "buy", "own-10"), auth(key_)).status,
        200);
    ASSERT_TRUE(eventually([&] {
        auto p = c.request("GET", "/positions/AAPL", {}, auth(key_));
        return p.status == 200 && p.json().at("qty") == "10";
    }));
    // A sell above the market holds all ten shares: closing alone is refused.
    const auto bid = c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).json().at("bp");
    char limit[32];
    std::snprintf(limit, sizeof limit, "%.2f", std::stod(std::string{bid.as_string()}) * 1.05);
    ASSERT_EQ(c.request("POST", "/orders", order_body("AAPL", "10", "sell", "held", "limit", limit),
                        auth(key_))
                  .status,
              200);
    ASSERT_TRUE(eventually([&] { return orders(c, "open").size() == 1; }));
    EXPECT_EQ(c.request("DELETE", "/positions/AAPL", {}, auth(key_)).status, 403);
    // Canceling first (Alpaca confirms a cancel on its stream, after answering), then closing.
    auto r = c.request("DELETE", "/positions?cancel_orders=true", {}, auth(key_));
    ASSERT_EQ(r.status, 207) << r.body;
    const auto items = r.json();
    ASSERT_EQ(items.as_array().size(), 1u) << r.body;
    EXPECT_EQ(items.as_array()[0].at("status").as_int64(), 200) << r.body;
    ASSERT_TRUE(eventually([&] { return positions(c).empty() && fake_->positions().empty(); }))
        << positions(c).size();
    expect_settled(c);
}

TEST_F(AlpacaRun, CancelingAllIsOneRequestUnlessTheAccountHasOrdersOfItsOwn) {
    auto c = client();
    ASSERT_TRUE(eventually(
        [&] { return c.request("GET", "/marketdata/quotes/AAPL", {}, auth(key_)).status == 200; }));
    auto rest = [&](const std::string& coid) {
        const std::string body = R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit",
            "limit_price":"100","time_in_force":"gtc","client_order_id":")" +
                                 coid + R"("})";
        auto r = c.request("POST", "/orders", body, auth(key_));
        ASSERT_EQ(r.status, 200) << r.body;
    };
    auto all_new = [&](std::size_t n) {
        return eventually([&] {
            auto open = orders(c, "open");
            std::size_t working = 0;
            for (const auto& o : open)
                working += o.at("status") == "new" ? 1u : 0u;
            return working == n;
        });
    };
    for (int i = 0; i < 3; ++i)
        rest("rest-" + std::to_string(i));
    ASSERT_TRUE(all_new(3)) << json::serialize(orders(c, "open"));
    // Every open order is Meridian's: Alpaca's own cancel-everything, one request.
    auto r = c.request("DELETE", "/orders", {}, auth(key_));
    ASSERT_EQ(r.status, 207) << r.body;
    const auto answers = r.json();
    EXPECT_EQ(answers.as_array().size(), 3u) << r.body;
    for (const auto& item : answers.as_array())
        EXPECT_EQ(item.at("status").as_int64(), 200) << r.body;
    EXPECT_EQ(fake_->stats().cancel_all_requests, 1u);
    EXPECT_EQ(fake_->stats().cancel_requests, 0u);
    EXPECT_TRUE(eventually([&] { return orders(c, "open").empty(); }))
        << json::serialize(orders(c, "open"));

    // An order placed outside Meridian: Meridian cancels its own one by one and leaves it be.
    HttpClient alpaca{fake_->port()};
    const std::map<std::string, std::string> keys{{"APCA-API-KEY-ID", "fake-key"},
                                                  {"APCA-API-SECRET-KEY", "fake-secret"}};
    auto theirs = alpaca.request("POST", "/v2/orders",
                                 R"({"symbol":"MSFT","qty":"1","side":"buy","type":"limit",
                                     "limit_price":"100","time_in_force":"gtc"})",
                                 keys);
    ASSERT_EQ(theirs.status, 200) << theirs.body;
    for (int i = 3; i < 5; ++i)
        rest("rest-" + std::to_string(i));
    ASSERT_TRUE(all_new(2)) << json::serialize(orders(c, "open"));
    r = c.request("DELETE", "/orders", {}, auth(key_));
    ASSERT_EQ(r.status, 207) << r.body;
    EXPECT_EQ(r.json().as_array().size(), 2u) << r.body;
    EXPECT_EQ(fake_->stats().cancel_all_requests, 1u);
    EXPECT_EQ(fake_->stats().cancel_requests, 2u);
    const std::string their_id{theirs.json().at("id").as_string()};
    EXPECT_EQ(alpaca.request("GET", "/v2/orders/" + their_id, {}, keys).json().at("status"), "new");
}

/// An Alpaca account that already holds positions when Meridian first connects to it.
class AlpacaRunWithHoldings : public AlpacaRun {
protected:
    FakeAlpacaOptions options() const override {
        FakeAlpacaOptions o = fake_options();
        o.cash = "90000";
        o.positions = {{"MSFT", {"10", "400"}}, {"NVDA", {"-20", "125.5"}}};
        return o;
    }
};

TEST_F(AlpacaRunWithHoldings, PositionsHeldBeforeMeridianAreItsToManageFromTheFirstStart) {
    auto c = client();
    // Booked at their average entry price; the cash is Alpaca's; nothing to reconcile.
    ASSERT_TRUE(eventually([&] { return positions(c) == fake_->positions(); }))
        << c.request("GET", "/positions", {}, auth(key_)).body;
    auto msft = c.request("GET", "/positions/MSFT", {}, auth(key_)).json();
    EXPECT_EQ(msft.at("avg_entry_price").as_string(), "400");
    EXPECT_EQ(c.request("GET", "/portfolio/metrics", {}, auth(key_)).json().at("cash"),
              json::value(fake_->cash()));
    std::this_thread::sleep_for(2500ms);  // two reconciliations (every second here)
    EXPECT_EQ(metric(c, "meridian_alpaca_position_mismatches"), 0);
    // Selling what was held closes it (not a short), realizing the gain over its entry price.
    fake_->set_price("MSFT", "410");
    auto r =
        c.request("POST", "/orders", order_body("MSFT", "10", "sell", "close-msft"), auth(key_));
    ASSERT_EQ(r.status, 200) << r.body;
    expect_settled(c);
    EXPECT_FALSE(positions(c).contains("MSFT"));
    // (The fake's price walks: the gain is the fills' over 400.)
    double gain = 0;
    const auto fills = c.request("GET", "/fills", {}, auth(key_)).json();
    for (const auto& f : fills.as_array()) {
        if (f.at("symbol") != "MSFT") continue;
        gain += (std::stod(std::string{f.at("price").as_string()}) - 400) *
                std::stod(std::string{f.at("qty").as_string()});
    }
    EXPECT_GT(gain, 0);
    const auto pnl = c.request("GET", "/portfolio/pnl", {}, auth(key_)).json();
    EXPECT_NEAR(std::stod(std::string{pnl.at("realized").as_string()}), gain, 0.005)
        << json::serialize(pnl) << json::serialize(fills);
    // After a restart the book is the same: the holdings were taken once.
    system_->process().signal(SIGTERM);
    start();
    auto c2 = client();
    expect_settled(c2);
    EXPECT_EQ(positions(c2).at("NVDA"), "-20");
}

TEST(AlpacaHistory, FetchStoresEveryPageWithProgressAndServesTheBars) {
    FakeAlpaca fake{fake_options()};
    for (const auto& [k, v] : fake.env())
        ::setenv(k.c_str(), v.c_str(), 1);
    TestDir dir{"alpaca-history"};
    auto fetch = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv{kBinary, "history", "fetch", "--data-dir",
                                      dir.path().string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        int rc = 0;
        auto output = run_to_end(std::move(argv), &rc);
        return std::pair{rc, output};
    };
    // 2024 has 262 weekdays; 1-minute bars span several 10,000-bar pages.
    auto [rc, out] = fetch({"--symbols", "AAPL,MSFT", "--timeframe", "1Day", "--start",
                            "2024-01-01", "--end", "2024-12-31"});
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("AAPL: 262 1Day bars"), std::string::npos) << out;
    EXPECT_NE(out.find("MSFT: 262 1Day bars"), std::string::npos) << out;
    std::tie(rc, out) = fetch({"--symbols", "AAPL", "--timeframe", "1Min", "--start", "2024-03-04",
                               "--end", "2024-03-29"});
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("AAPL: 7800 1Min bars"), std::string::npos) << out;  // 20 days x 390
    // Again: replaced, not added.
    std::tie(rc, out) = fetch({"--symbols", "AAPL", "--timeframe", "1Day", "--start", "2024-01-01",
                               "--end", "2024-12-31"});
    ASSERT_EQ(rc, 0) << out;
    // Bad input: a clear error, nothing fetched.
    std::tie(rc, out) =
        fetch({"--symbols", "AAPL", "--timeframe", "2Day", "--start", "2024-01-01"});
    EXPECT_EQ(rc, 2);
    std::tie(rc, out) = fetch({"--symbols", "AAPL", "--timeframe", "1Day", "--start", "2024-02-01",
                               "--end", "2024-01-01"});
    EXPECT_EQ(rc, 2);

    RunningSystem sys{dir.path()};
    HttpClient c{sys.port()};
    auto bars =
        c.request("GET", "/history/bars/AAPL?timeframe=1Day&start=2024-01-01&end=2025-01-01", {},
                  auth(sys.admin_key()));
    ASSERT_EQ(bars.status, 200) << bars.body;
    EXPECT_EQ(bars.json().as_array().size(), 262u);
}

}  // namespace
}  // namespace meridian::test
