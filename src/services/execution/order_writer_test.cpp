// OrderWriter's outbox relay: events commit with their change, reach the bus, and leave the
// outbox once the bus has them; events a crash left behind go out at the next start.
#include "services/execution/order_writer.hpp"

#include <filesystem>
#include <future>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "adapters/sqlite/sqlite_store.hpp"
#include "bus/inproc_bus.hpp"
#include "tests/support/core_builders.hpp"
#include "tests/support/test_dir.hpp"

namespace meridian::services {
namespace {

class OrderWriterTest : public ::testing::Test {
protected:
    std::unique_ptr<adapters::sqlite::SqliteStore> open() {
        return adapters::sqlite::SqliteStore::open((dir_ / "orders.db").string()).value();
    }
    /// Runs the loop until `n` events arrived or two seconds passed.
    void wait_for(std::size_t n) {
        for (int i = 0; i < 200 && seen_.size() < n; ++i)
            ioc_.run_for(std::chrono::milliseconds(10));
    }
    static OrderWriter::Job insert_with_event(const char* id, const char* coid) {
        return
            [id, coid](store::OrderStore& st, OrderWriter::Events& events) -> core::Result<void> {
                auto order =
                    core::Order::create(test::market("AAPL", core::Side::Buy, "1"), test::oid(id),
                                        test::coid(coid), core::Timestamp::from_ns(1))
                        .value();
                if (auto ok = st.insert(order, "s"); !ok) return ok;
                events.push_back({"orders", "new", {{"id", id}}, core::Timestamp::from_ns(1)});
                return {};
            };
    }

    test::TestDir dir_{"writer"};
    core::SystemClock clock_;
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
        ioc_.get_executor()};  // run_for waits for posts from other threads
    std::vector<std::string> seen_;
};

TEST_F(OrderWriterTest, EventsOfKeptChangesArePublishedInOrderThenLeaveTheOutbox) {
    auto store = open();
    bus::InProcBus bus{clock_};
    auto sub = bus.subscribe("orders", "test", ioc_.get_executor(), [&](const bus::Envelope& e) {
        seen_.emplace_back(e.data.at("id").as_string());
    });
    {
        OrderWriter writer{*store, &bus};
        writer.submit(insert_with_event("o-1", "c-1"), ioc_.get_executor(), nullptr);
        writer.submit(insert_with_event("o-2", "c-1"), ioc_.get_executor(), nullptr);  // duplicate
        writer.submit(insert_with_event("o-3", "c-3"), ioc_.get_executor(), nullptr);
        wait_for(2);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // an idle removal
    }
    ioc_.run_for(std::chrono::milliseconds(50));
    EXPECT_EQ(seen_, (std::vector<std::string>{"o-1", "o-3"}));
    EXPECT_TRUE(open()->events_after(0, 10).value().empty());
}

TEST_F(OrderWriterTest, AnEventForSeveralTopicsIsOneOutboxRowPublishedOnEach) {
    auto store = open();
    bus::InProcBus bus{clock_};
    std::vector<std::string> topics;  // the subscriptions that got it
    auto fills = bus.subscribe("fills", "test", ioc_.get_executor(),
                               [&](const bus::Envelope&) { topics.emplace_back("fills"); });
    auto orders = bus.subscribe("orders", "test", ioc_.get_executor(),
                                [&](const bus::Envelope&) { topics.emplace_back("orders"); });
    {
        OrderWriter without_bus{*store};  // kept in the outbox, as a crash would leave it
        std::promise<void> done;
        without_bus.submit(
            [](store::OrderStore&, OrderWriter::Events& events) -> core::Result<void> {
                events.push_back({"fills,orders", "fill", {{"id", "x"}}, core::Timestamp{}});
                return {};
            },
            ioc_.get_executor(), [&](core::Result<void>) { done.set_value(); });
        ioc_.run_for(std::chrono::milliseconds(300));
    }
    ASSERT_EQ(open()->events_after(0, 10).value().size(), 1u);
    OrderWriter writer{*store, &bus};  // publishes what it finds, on both topics
    for (int i = 0; i < 200 && topics.size() < 2; ++i)
        ioc_.run_for(std::chrono::milliseconds(10));
    EXPECT_EQ(topics, (std::vector<std::string>{"fills", "orders"}));
}

TEST_F(OrderWriterTest, AJobThatFailsHalfwayLeavesNothingAndTheOthersCommit) {
    auto store = open();
    bus::InProcBus bus{clock_};
    auto sub = bus.subscribe("orders", "test", ioc_.get_executor(), [&](const bus::Envelope& e) {
        seen_.emplace_back(e.data.at("id").as_string());
    });
    std::vector<bool> outcomes;
    auto record = [&](core::Result<void> r) { outcomes.push_back(r.has_value()); };
    {
        OrderWriter writer{*store, &bus};
        auto inserted = insert_with_event("o-1", "c-1");
        // Stores an order and names its event, then fails: neither may outlive it.
        OrderWriter::Job half = [inserted](store::OrderStore& st,
                                           OrderWriter::Events& events) -> core::Result<void> {
            if (auto ok = inserted(st, events); !ok) return ok;
            return core::Error{core::Errc::Internal, "failed after its insert"};
        };
        writer.submit(half, ioc_.get_executor(), record);
        writer.submit(insert_with_event("o-2", "c-2"), ioc_.get_executor(), record);
        wait_for(1);
    }
    ioc_.run_for(std::chrono::milliseconds(50));
    EXPECT_EQ(outcomes, (std::vector<bool>{false, true}));
    EXPECT_EQ(seen_, std::vector<std::string>{"o-2"});
    auto again = open();
    EXPECT_FALSE(again->find(test::oid("o-1")).value());
    EXPECT_TRUE(again->find(test::oid("o-2")).value());
}

TEST_F(OrderWriterTest, EventsACrashLeftInTheOutboxArePublishedAtStart) {
    {
        auto store = open();
        OrderWriter without_bus{*store};  // as if the process died before publishing
        std::promise<void> done;
        without_bus.submit(insert_with_event("o-1", "c-1"), ioc_.get_executor(),
                           [&](core::Result<void>) { done.set_value(); });
        ioc_.run_for(std::chrono::milliseconds(500));
    }
    ASSERT_EQ(open()->events_after(0, 10).value().size(), 1u);
    auto store = open();
    bus::InProcBus bus{clock_};
    auto sub = bus.subscribe("orders", "test", ioc_.get_executor(), [&](const bus::Envelope& e) {
        seen_.emplace_back(e.data.at("id").as_string());
    });
    OrderWriter writer{*store, &bus};
    wait_for(1);
    EXPECT_EQ(seen_, std::vector<std::string>{"o-1"});
}

TEST_F(OrderWriterTest, AnOperatorSeesHowManyCommitsThereWereHowBigAndHowLong) {
    auto store = open();
    Metrics metrics;
    {
        OrderWriter writer{*store, nullptr, &metrics};
        bool first_done = false;
        writer.submit(insert_with_event("o-1", "c-1"), ioc_.get_executor(),
                      [&](const core::Result<void>&) { first_done = true; });
        for (int i = 0; i < 500 && !first_done; ++i)
            ioc_.run_for(std::chrono::milliseconds(10));
        ASSERT_TRUE(first_done);
        writer.submit(insert_with_event("o-2", "c-2"), ioc_.get_executor(), nullptr);
        writer.submit(insert_with_event("o-3", "c-3"), ioc_.get_executor(), nullptr);
    }  // stop writes what is queued
    const double commits = metrics.value("meridian_store_commits_total");
    EXPECT_GE(commits, 2);  // the first alone, the other two together or apart
    EXPECT_LE(commits, 3);
    const auto text = metrics.render();
    EXPECT_NE(text.find("# TYPE meridian_store_commits_total counter"), std::string::npos);
    EXPECT_NE(text.find("meridian_store_commit_seconds_count " +
                        std::to_string(static_cast<int>(commits))),
              std::string::npos);
    EXPECT_NE(text.find("meridian_store_commit_writes_sum 3"), std::string::npos);
    EXPECT_NE(text.find("meridian_store_write_seconds_count 3"), std::string::npos);
}

}  // namespace
}  // namespace meridian::services
