#include "services/signals/signals_service.hpp"

#include <filesystem>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "adapters/sqlite/sqlite_store.hpp"
#include "bus/inproc_bus.hpp"
#include "services/common/codec.hpp"
#include "tests/support/core_builders.hpp"
#include "tests/support/test_dir.hpp"

namespace meridian::services {
namespace {

engine::Bar bar(std::int64_t minute, const char* close) {
    engine::Bar b;
    b.symbol = test::sym("AAPL");
    b.ts = test::ts("2024-03-01T14:30:00Z") + core::Duration::minutes(minute);
    b.open = b.high = b.low = b.close = test::px(close);
    b.volume = test::qty("100");
    return b;
}

class SignalsTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = adapters::sqlite::SqliteStore::open((dir_ / "m.db").string()).value();
    }

    /// Starts signals with one sma_crossover(2, 3) on AAPL, feeds `live` bars, and returns the
    /// orders it sent.
    std::vector<bus::Envelope> run(const std::vector<engine::Bar>& live) {
        core::ManualClock clock{test::ts("2024-03-01T15:00:00Z")};
        bus::InProcBus bus{clock};
        Metrics metrics;
        SignalsConfig config;
        config.strategies.push_back({"trend",
                                     "sma_crossover",
                                     {test::sym("AAPL")},
                                     {{"fast", "2"}, {"slow", "3"}, {"qty", "5"}},
                                     true});
        SignalsService signals{bus, clock, metrics, *store_, *store_, config};
        boost::asio::io_context test_loop;
        std::vector<bus::Envelope> commands;
        auto sub = bus.subscribe("orders.commands", "test", test_loop.get_executor(),
                                 [&](const bus::Envelope& e) { commands.push_back(e); });
        signals.start();
        for (const auto& b : live)
            bus.publish("md.bars", "bar", to_json(b));
        // Until the signals loop has taken every bar (stop() then waits for the last one).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            bool idle = true;
            for (const auto& q : bus.queue_depths())
                idle = idle && (q.subscriber == "test" || q.depth == 0);
            if (idle) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        signals.stop();
        test_loop.run();
        return commands;
    }

    /// Stores one-minute AAPL bars closing at `closes`; the minute after the last.
    int keep_history(std::initializer_list<const char*> closes) {
        std::vector<store::StoredBar> history;
        int minute = 0;
        for (const char* close : closes) {
            const auto b = bar(minute++, close);
            history.push_back({b.symbol, "1Min", b.ts, b.open, b.high, b.low, b.close, b.volume,
                               std::nullopt, 0});
        }
        EXPECT_TRUE(store_->put_bars(history));
        return minute;
    }

    test::TestDir dir_{"signals"};
    std::unique_ptr<adapters::sqlite::SqliteStore> store_;
};

TEST_F(SignalsTest, AStrategyWarmedUpOnStoredBarsActsOnTheFirstLiveBar) {
    // Stored history: a falling market, so the fast average is below the slow one.
    const int minute = keep_history({"110", "108", "106", "104", "102", "100"});

    // One live bar jumps up: SMA(2) crosses above SMA(3) only if the history was replayed.
    const auto commands = run({bar(minute, "120")});
    ASSERT_EQ(commands.size(), 1u);
    const auto& order = commands[0].data.at("order").as_object();
    EXPECT_EQ(order.at("symbol").as_string(), "AAPL");
    EXPECT_EQ(order.at("side").as_string(), "buy");
    EXPECT_EQ(order.at("qty").as_string(), "5");
    EXPECT_EQ(commands[0].data.at("strategy").as_string(), "trend");
}

TEST_F(SignalsTest, AStrategyDoesNotSendAgainWhileItsOrderIsStillWorking) {
    const int minute = keep_history({"110", "108", "106", "104", "102", "100"});
    // Up cross (buy sent), down cross (nothing held yet), up cross again: the first buy has not
    // filled (no broker here), so a second one would double the position.
    const auto commands = run({bar(minute, "120"), bar(minute + 1, "70"), bar(minute + 2, "200")});
    EXPECT_EQ(commands.size(), 1u);
}

TEST_F(SignalsTest, WithoutHistoryTheSameBarIsOnlyWarmUp) {
    EXPECT_TRUE(run({bar(0, "120")}).empty());
}

TEST_F(SignalsTest, OrdersDuringWarmUpAreNeverSent) {
    // A history with crossings in it: a strategy replaying it would buy and sell.
    keep_history({"100", "90", "80", "120", "130", "70", "60", "140"});
    EXPECT_TRUE(run({}).empty());
}

}  // namespace
}  // namespace meridian::services
