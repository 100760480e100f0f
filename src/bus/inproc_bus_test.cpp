#include "bus/inproc_bus.hpp"

#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace meridian::bus {
namespace {

namespace json = boost::json;

TEST(InProcBus, DeliversEveryMessageInOrderOnTheSubscribersLoop) {
    core::ManualClock clock{core::Timestamp::from_ns(1'000)};
    InProcBus bus{clock};
    boost::asio::io_context loop;
    std::vector<std::int64_t> seen;
    std::vector<std::uint64_t> seqs;
    auto sub = bus.subscribe("fills", "positions", loop.get_executor(), [&](const Envelope& e) {
        seen.push_back(e.data.at("n").as_int64());
        seqs.push_back(e.seq);
        EXPECT_EQ(e.type, "fill");
    });
    for (int i = 0; i < 100; ++i)
        bus.publish("fills", "fill", json::object{{"n", i}});

    EXPECT_TRUE(seen.empty());  // nothing runs until the subscriber's loop does
    // The burst is handed over in one task: one wake-up of the loop, not a hundred.
    EXPECT_EQ(loop.run(), 1u);

    ASSERT_EQ(seen.size(), 100u);
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
    EXPECT_EQ(seqs.front(), 1u);
    EXPECT_EQ(seqs.back(), 100u);
}

TEST(InProcBus, ALingeringSubscriberGetsWhatArrivesWithinItsLingerInOneWakeUp) {
    core::ManualClock clock{core::Timestamp::from_ns(1'000)};
    InProcBus bus{clock};
    boost::asio::io_context loop;
    std::vector<std::int64_t> seen;
    auto sub = bus.subscribe(
        "fills", "analytics", loop.get_executor(),
        [&](const Envelope& e) { seen.push_back(e.data.at("n").as_int64()); },
        std::chrono::milliseconds(100));
    for (int i = 0; i < 10; ++i)
        bus.publish("fills", "fill", json::object{{"n", i}});
    const auto start = std::chrono::steady_clock::now();
    loop.run_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(seen.empty());  // still lingering
    for (int i = 10; i < 20; ++i)
        bus.publish("fills", "fill", json::object{{"n", i}});
    // Everything published within the linger comes in one wake-up, once the linger is over.
    EXPECT_EQ(loop.run(), 1u);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
    ASSERT_EQ(seen.size(), 20u);
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(InProcBus, OneMessageOnSeveralTopicsReachesEachTopicsSubscribersShared) {
    core::ManualClock clock{core::Timestamp::from_ns(1'000)};
    InProcBus bus{clock};
    boost::asio::io_context loop;
    struct Seen {
        const void* message;  // compared, never read
        std::int64_t n;
        std::string topic;
        std::uint64_t seq;
    };
    std::vector<Seen> seen;
    auto on = [&](const Envelope& e) {
        seen.push_back({&e, e.data.at("n").as_int64(), e.topic, e.seq});
    };
    auto fills = bus.subscribe("fills", "positions", loop.get_executor(), on);
    auto orders = bus.subscribe("orders", "signals", loop.get_executor(), on);
    bus.publish("orders", "new", json::object{{"n", 0}});
    const std::vector<std::string_view> topics{"fills", "orders"};
    bus.publish_each(topics, "fill", json::object{{"n", 1}});
    loop.run();
    ASSERT_EQ(seen.size(), 3u);
    // The orders subscriber's mailbox was scheduled first: both its messages, then fills' one.
    EXPECT_EQ(seen[0].n, 0);
    EXPECT_EQ(seen[1].n, 1);
    EXPECT_EQ(seen[2].n, 1);
    EXPECT_EQ(seen[1].message, seen[2].message);  // one message, not a copy per topic
    EXPECT_EQ(seen[2].topic, "fills,orders");
    EXPECT_EQ(seen[2].seq, 1u);  // its number on "fills"
}

TEST(InProcBus, EverySubscriberGetsItsOwnCopyOnItsOwnLoop) {
    core::ManualClock clock{core::Timestamp::from_ns(1'000)};
    InProcBus bus{clock};
    boost::asio::io_context a;
    boost::asio::io_context b;
    int in_a = 0;
    int in_b = 0;
    auto s1 =
        bus.subscribe("quotes", "signals", a.get_executor(), [&](const Envelope&) { ++in_a; });
    auto s2 = bus.subscribe("quotes", "risk", b.get_executor(), [&](const Envelope&) { ++in_b; });
    bus.publish("quotes", "quote", {});
    bus.publish("other", "x", {});
    a.run();
    EXPECT_EQ(in_a, 1);
    EXPECT_EQ(in_b, 0);
    b.run();
    EXPECT_EQ(in_b, 1);
}

TEST(InProcBus, ACancelledSubscriptionReceivesNothingMoreEvenIfAlreadyQueued) {
    core::ManualClock clock{core::Timestamp::from_ns(1'000)};
    InProcBus bus{clock};
    boost::asio::io_context loop;
    int count = 0;
    auto sub = bus.subscribe("t", "s", loop.get_executor(), [&](const Envelope&) { ++count; });
    bus.publish("t", "x", {});
    sub.cancel();
    bus.publish("t", "x", {});
    loop.run();
    EXPECT_EQ(count, 0);
}

TEST(InProcBus, QueueDepthCountsMessagesNotYetHandled) {
    core::ManualClock clock{core::Timestamp::from_ns(1'000)};
    InProcBus bus{clock};
    boost::asio::io_context loop;
    auto sub = bus.subscribe("t", "slow", loop.get_executor(), [](const Envelope&) {});
    for (int i = 0; i < 5; ++i)
        bus.publish("t", "x", {});
    auto depths = bus.queue_depths();
    ASSERT_EQ(depths.size(), 1u);
    EXPECT_EQ(depths[0].subscriber, "slow");
    EXPECT_EQ(depths[0].depth, 5);
    loop.run();
    EXPECT_EQ(bus.queue_depths()[0].depth, 0);
}

TEST(InProcBus, PublishersOnManyThreadsLoseNothing) {
    core::ManualClock clock{core::Timestamp::from_ns(1'000)};
    InProcBus bus{clock};
    boost::asio::io_context loop;
    std::uint64_t last = 0;
    int count = 0;
    bool ordered = true;
    auto sub = bus.subscribe("t", "s", loop.get_executor(), [&](const Envelope& e) {
        ordered = ordered && e.seq > last;
        last = e.seq;
        ++count;
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i)
                bus.publish("t", "x", {});
        });
    for (auto& t : threads)
        t.join();
    loop.run();
    EXPECT_EQ(count, 4000);
    EXPECT_TRUE(ordered);
}

}  // namespace
}  // namespace meridian::bus
