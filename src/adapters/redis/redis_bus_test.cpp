// RedisBus against a real redis-server on a free loopback port.
#include "adapters/redis/redis_bus.hpp"

#include <numeric>
#include <set>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "tests/support/servers.hpp"

namespace meridian::redis {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

/// A service loop for handlers.
struct Loop {
    boost::asio::io_context ioc{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{
        ioc.get_executor()};
    std::thread thread{[this] { ioc.run(); }};
    ~Loop() {
        guard.reset();
        ioc.stop();
        thread.join();
    }
};

/// Thread-safe record of what a handler saw.
struct Seen {
    std::mutex mutex;
    std::vector<bus::Envelope> envelopes;
    void add(const bus::Envelope& e) {
        std::lock_guard lock{mutex};
        envelopes.push_back(e);
    }
    std::size_t size() {
        std::lock_guard lock{mutex};
        return envelopes.size();
    }
    std::vector<std::int64_t> values() {
        std::lock_guard lock{mutex};
        std::vector<std::int64_t> out;
        for (const auto& e : envelopes)
            out.push_back(e.data.at("n").as_int64());
        return out;
    }
};

template <typename F>
bool eventually(F f, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (f()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return f();
}

class RedisBusTest : public ::testing::Test {
protected:
    RedisBusConfig config(std::string instance = "test") {
        RedisBusConfig c;
        c.endpoint = *parse_url(server.url());
        c.instance = std::move(instance);
        c.claim_idle = 300ms;
        c.max_deliveries = 3;
        c.trim_every = 100ms;
        c.ungrouped_keep = 10;
        return c;
    }
    std::unique_ptr<RedisClient> raw() {
        auto c = RedisClient::connect(*parse_url(server.url()), 2s);
        EXPECT_TRUE(c);
        return std::move(*c);
    }
    long long xlen(const std::string& stream) { return raw()->command({"XLEN", stream})->integer; }

    test::RedisServer server;
    core::SystemClock clock;
};

TEST(RedisUrl, ParsesHostPortPasswordAndDatabase) {
    auto e = parse_url("redis://:secret@10.0.0.5:6380/2");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->host, "10.0.0.5");
    EXPECT_EQ(e->port, 6380);
    EXPECT_EQ(e->password, "secret");
    EXPECT_EQ(e->db, 2);
    EXPECT_EQ(e->to_string(), "redis://10.0.0.5:6380/2");  // never the password
    auto d = parse_url("redis://localhost");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->port, 6379);
}

TEST(RedisUrl, RefusesWhatIsNotARedisUrl) {
    EXPECT_FALSE(parse_url("http://localhost:6379"));
    EXPECT_FALSE(parse_url("redis://localhost:99999"));
    EXPECT_FALSE(parse_url("redis://localhost:port"));
    EXPECT_FALSE(parse_url("redis://localhost/x"));
}

TEST(RedisEntryIds, SequenceFollowsTheEntryId) {
    EXPECT_LT(seq_of("1700000000000-0"), seq_of("1700000000000-1"));
    EXPECT_LT(seq_of("1700000000000-99"), seq_of("1700000000001-0"));
}

TEST_F(RedisBusTest, DeliversEveryMessageInOrderWithItsData) {
    RedisBus bus{config(), clock};
    Loop loop;
    Seen seen;
    auto sub = bus.subscribe("md.quotes", "positions", loop.ioc.get_executor(),
                             [&](const bus::Envelope& e) { seen.add(e); });
    std::this_thread::sleep_for(300ms);  // the group is created at the stream's end
    for (int i = 0; i < 1000; ++i)
        bus.publish("md.quotes", "quote", {{"n", i}, {"bid", "187.24"}});
    ASSERT_TRUE(bus.flush(5s));
    ASSERT_TRUE(eventually([&] { return seen.size() == 1000; })) << seen.size();
    std::vector<std::int64_t> expected(1000);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(seen.values(), expected);
    std::lock_guard lock{seen.mutex};
    EXPECT_EQ(seen.envelopes[0].type, "quote");
    EXPECT_EQ(seen.envelopes[0].topic, "md.quotes");
    EXPECT_EQ(seen.envelopes[0].data.at("bid").as_string(), "187.24");
    EXPECT_FALSE(seen.envelopes[0].id.empty());
    for (std::size_t i = 1; i < seen.envelopes.size(); ++i)
        ASSERT_LT(seen.envelopes[i - 1].seq, seen.envelopes[i].seq);
}

TEST_F(RedisBusTest, WhatIsPublishedOnceSubscribeReturnsIsDelivered) {
    // No pause: a service subscribes, then reads its state, and must miss nothing in between.
    RedisBus publisher{config("pub"), clock};
    RedisBus bus{config("sub"), clock};
    Loop loop;
    Seen seen;
    auto sub = bus.subscribe("fills", "positions", loop.ioc.get_executor(),
                             [&](const bus::Envelope& e) { seen.add(e); });
    publisher.publish("fills", "fill", {{"n", 1}});
    ASSERT_TRUE(publisher.flush(5s));
    EXPECT_TRUE(eventually([&] { return seen.size() == 1; }));
}

TEST_F(RedisBusTest, EveryGroupGetsEveryMessageAndInstancesOfOneGroupShareThem) {
    RedisBus a{config("a"), clock};
    RedisBus b{config("b"), clock};
    Loop loop;
    Seen risk;
    Seen exec_a;
    Seen exec_b;
    auto s1 = a.subscribe("fills", "risk", loop.ioc.get_executor(),
                          [&](const bus::Envelope& e) { risk.add(e); });
    auto s2 = a.subscribe("fills", "execution", loop.ioc.get_executor(),
                          [&](const bus::Envelope& e) { exec_a.add(e); });
    auto s3 = b.subscribe("fills", "execution", loop.ioc.get_executor(),
                          [&](const bus::Envelope& e) { exec_b.add(e); });
    std::this_thread::sleep_for(300ms);
    for (int i = 0; i < 400; ++i)
        a.publish("fills", "fill", {{"n", i}});
    ASSERT_TRUE(a.flush(5s));
    ASSERT_TRUE(
        eventually([&] { return risk.size() == 400 && exec_a.size() + exec_b.size() == 400; }));
    std::set<std::int64_t> both;
    for (auto v : exec_a.values())
        both.insert(v);
    for (auto v : exec_b.values())
        both.insert(v);
    EXPECT_EQ(both.size(), 400U);  // each message handled once in the group
}

TEST_F(RedisBusTest, AFailedHandlerGetsTheMessageAgainAndItIsAcknowledgedOnceHandled) {
    RedisBus bus{config(), clock};
    Loop loop;
    std::atomic<int> calls{0};
    auto sub = bus.subscribe("orders.commands", "execution", loop.ioc.get_executor(),
                             [&](const bus::Envelope&) {
                                 if (calls.fetch_add(1) == 0)
                                     throw std::runtime_error("store down");
                             });
    std::this_thread::sleep_for(300ms);
    bus.publish("orders.commands", "submit", {{"n", 1}});
    ASSERT_TRUE(eventually([&] { return calls.load() == 2; }));
    std::this_thread::sleep_for(1s);  // acknowledged: never delivered a third time
    EXPECT_EQ(calls.load(), 2);
    EXPECT_EQ(bus.stats().failed, 1U);
    EXPECT_GE(bus.stats().redelivered, 1U);
    auto pending = raw()->command({"XPENDING", bus.stream_key("orders.commands"), "execution"});
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->elements[0].integer, 0);
}

TEST_F(RedisBusTest, AMessageWhoseReceiptIsKeptIsAcknowledgedOnlyWhenItIsReleased) {
    RedisBus bus{config(), clock};
    Loop loop;
    std::mutex m;
    std::vector<std::shared_ptr<const void>> kept;  // a batch not yet stored
    auto sub =
        bus.subscribe("md.bars", "history", loop.ioc.get_executor(), [&](const bus::Envelope& e) {
            std::lock_guard lock{m};
            kept.push_back(e.receipt.keep());
        });
    std::this_thread::sleep_for(300ms);
    bus.publish("md.bars", "bar", {{"n", 1}});
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock{m};
        return kept.size() == 1;
    }));
    auto pending = [&] {
        return raw()
            ->command({"XPENDING", bus.stream_key("md.bars"), "history"})
            ->elements[0]
            .integer;
    };
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(pending(), 1);  // handled, not stored yet: not acknowledged
    {
        std::lock_guard lock{m};
        kept.clear();  // stored
    }
    EXPECT_TRUE(eventually([&] { return pending() == 0; }));
}

TEST_F(RedisBusTest, AMessageNoHandlerCanTakeEndsInTheDeadLetterStream) {
    RedisBus bus{config(), clock};
    Loop loop;
    std::atomic<int> calls{0};
    auto sub = bus.subscribe("orders.commands", "execution", loop.ioc.get_executor(),
                             [&](const bus::Envelope&) {
                                 ++calls;
                                 throw std::runtime_error("cannot");
                             });
    std::this_thread::sleep_for(300ms);
    bus.publish("orders.commands", "submit", {{"n", 7}});
    const std::string dead = "meridian:dead:orders.commands";
    ASSERT_TRUE(eventually([&] { return xlen(dead) == 1; }));
    EXPECT_EQ(calls.load(), 3);  // max_deliveries
    auto entry = raw()->command({"XRANGE", dead, "-", "+"});
    ASSERT_TRUE(entry);
    const auto& fields = entry->elements[0].elements[1].elements;
    std::map<std::string, std::string> f;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
        f[fields[i].str] = fields[i + 1].str;
    EXPECT_EQ(f["type"], "submit");
    EXPECT_EQ(f["data"], R"({"n":7})");
    EXPECT_EQ(f["group"], "execution");
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(calls.load(), 3);  // not delivered again
}

TEST_F(RedisBusTest, AMalformedEntryGoesToTheDeadLetterStreamWithoutReachingHandlers) {
    RedisBus bus{config(), clock};
    Loop loop;
    Seen seen;
    auto sub = bus.subscribe("config", "gateway", loop.ioc.get_executor(),
                             [&](const bus::Envelope& e) { seen.add(e); });
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(
        raw()->command({"XADD", "meridian:config", "*", "type", "changed", "data", "{oops"}));
    bus.publish("config", "changed", {{"n", 2}});
    ASSERT_TRUE(eventually([&] { return seen.size() == 1; }));
    EXPECT_EQ(seen.values(), std::vector<std::int64_t>{2});
    EXPECT_TRUE(eventually([&] { return xlen("meridian:dead:config") == 1; }));
}

TEST_F(RedisBusTest, EntriesADeadConsumerLeftPendingAreClaimedByALiveOne) {
    // A consumer of the group takes two entries and dies without acknowledging them.
    {
        auto c = raw();
        ASSERT_TRUE(c->command(
            {"XGROUP", "CREATE", "meridian:orders.commands", "execution", "$", "MKSTREAM"}));
        ASSERT_TRUE(c->command({"XADD", "meridian:orders.commands", "*", "type", "submit", "ts",
                                "0", "data", R"({"n":1})"}));
        ASSERT_TRUE(c->command({"XADD", "meridian:orders.commands", "*", "type", "submit", "ts",
                                "0", "data", R"({"n":2})"}));
        auto r = c->command({"XREADGROUP", "GROUP", "execution", "execution@dead", "COUNT", "10",
                             "STREAMS", "meridian:orders.commands", ">"});
        ASSERT_TRUE(r);
        ASSERT_EQ(r->elements[0].elements[1].elements.size(), 2U);
    }
    RedisBus bus{config("live"), clock};
    Loop loop;
    Seen seen;
    auto sub = bus.subscribe("orders.commands", "execution", loop.ioc.get_executor(),
                             [&](const bus::Envelope& e) { seen.add(e); });
    ASSERT_TRUE(eventually([&] { return seen.size() == 2; }));
    EXPECT_EQ(seen.values(), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(bus.stats().redelivered, 2U);
}

TEST_F(RedisBusTest, ARestartedServiceGetsWhatWasPublishedWhileItWasAway) {
    Loop loop;
    Seen first;
    {
        RedisBus bus{config("one"), clock};
        auto sub = bus.subscribe("fills", "positions", loop.ioc.get_executor(),
                                 [&](const bus::Envelope& e) { first.add(e); });
        std::this_thread::sleep_for(300ms);
        bus.publish("fills", "fill", {{"n", 1}});
        ASSERT_TRUE(eventually([&] { return first.size() == 1; }));
        std::this_thread::sleep_for(300ms);  // its acknowledgement goes out
    }
    RedisBus publisher{config("pub"), clock};
    publisher.publish("fills", "fill", {{"n", 2}});
    publisher.publish("fills", "fill", {{"n", 3}});
    ASSERT_TRUE(publisher.flush(5s));
    RedisBus restarted{config("two"), clock};
    Seen second;
    auto sub = restarted.subscribe("fills", "positions", loop.ioc.get_executor(),
                                   [&](const bus::Envelope& e) { second.add(e); });
    ASSERT_TRUE(eventually([&] { return second.size() == 2; }));
    EXPECT_EQ(second.values(), (std::vector<std::int64_t>{2, 3}));
}

TEST_F(RedisBusTest, NothingPublishedIsLostWhenRedisIsKilledAndRestarted) {
    RedisBus bus{config(), clock};
    Loop loop;
    Seen seen;
    auto sub = bus.subscribe("fills", "positions", loop.ioc.get_executor(),
                             [&](const bus::Envelope& e) { seen.add(e); });
    std::this_thread::sleep_for(300ms);
    for (int i = 0; i < 200; ++i)
        bus.publish("fills", "fill", {{"n", i}});
    ASSERT_TRUE(bus.flush(5s));
    server.kill();
    for (int i = 200; i < 400; ++i)
        bus.publish("fills", "fill", {{"n", i}});
    EXPECT_FALSE(bus.flush(300ms));  // held until the server is back
    server.start();
    ASSERT_TRUE(bus.flush(20s));
    ASSERT_TRUE(eventually(
        [&] {
            std::set<std::int64_t> got;
            for (auto v : seen.values())
                got.insert(v);
            return got.size() == 400;
        },
        20s))
        << seen.size();
    EXPECT_GE(bus.stats().reconnects, 1U);
}

TEST_F(RedisBusTest, TrimmingKeepsWhatAGroupHasNotAcknowledged) {
    RedisBus bus{config(), clock};
    boost::asio::io_context stalled;  // nobody runs it: its handlers never finish
    Loop loop;
    Seen seen;
    auto slow =
        bus.subscribe("md.bars", "history", stalled.get_executor(), [](const bus::Envelope&) {});
    auto fast = bus.subscribe("md.bars", "signals", loop.ioc.get_executor(),
                              [&](const bus::Envelope& e) { seen.add(e); });
    std::this_thread::sleep_for(300ms);
    for (int i = 0; i < 100; ++i)
        bus.publish("md.bars", "bar", {{"n", i}});
    ASSERT_TRUE(eventually([&] { return seen.size() == 100; }));
    std::this_thread::sleep_for(500ms);        // several trims
    EXPECT_EQ(xlen("meridian:md.bars"), 100);  // history has acknowledged none
    // Entries every group has acknowledged go.
    Seen trades;
    auto only = bus.subscribe("md.trades", "signals", loop.ioc.get_executor(),
                              [&](const bus::Envelope& e) { trades.add(e); });
    std::this_thread::sleep_for(300ms);
    for (int i = 0; i < 100; ++i)
        bus.publish("md.trades", "trade", {{"n", i}});
    ASSERT_TRUE(eventually([&] { return trades.size() == 100; }));
    EXPECT_TRUE(eventually([&] { return xlen("meridian:md.trades") == 0; }));
    // A stream no group reads keeps only its latest entries.
    for (int i = 0; i < 50; ++i)
        bus.publish("notifications", "n", {{"n", i}});
    ASSERT_TRUE(bus.flush(5s));
    EXPECT_TRUE(eventually([&] { return xlen("meridian:notifications") <= 20; }));
    slow.cancel();
}

}  // namespace
}  // namespace meridian::redis
