// The market data adapter against the fake Alpaca: REST pages, the stream, and its failures
// (a second session refused with 406, bad keys, a silent connection).
#include "adapters/alpaca/data.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "net/ws_client.hpp"
#include "services/common/metrics.hpp"
#include "tests/support/fake_alpaca.hpp"

namespace meridian::alpaca {
namespace {

namespace asio = boost::asio;
using testing::FakeAlpaca;

class AlpacaData : public ::testing::Test {
protected:
    AlpacaData() : fake{options()} {
        auto env = fake.env();
        env["MERIDIAN_ALPACA_DATA_AROUND_THE_CLOCK"] = "true";
        env["MERIDIAN_ALPACA_DATA_SILENCE_SECONDS"] = "1";
        settings = *load_settings(
            [env](const std::string& k) -> std::optional<std::string> {
                auto it = env.find(k);
                if (it == env.end()) return std::nullopt;
                return it->second;
            },
            {});
    }
    static testing::FakeAlpacaOptions options() {
        testing::FakeAlpacaOptions o;
        o.ticks_per_second = 20;
        o.bar_seconds = 1;
        return o;
    }
    template <class F>
    bool run_until(F done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            ioc.restart();
            ioc.run_for(std::chrono::milliseconds(20));
            if (done()) return true;
        }
        return false;
    }
    services::Feed::Handlers count() {
        services::Feed::Handlers h;
        h.quote = [this](const engine::Quote& q) {
            ++quotes;
            EXPECT_LT(q.bid, q.ask);
        };
        h.trade = [this](const engine::Trade&) { ++trades; };
        h.bar = [this](const engine::Bar& b, bool) {
            ++bars;
            EXPECT_LE(b.low, b.high);
        };
        h.status = [this](bool up, const std::string& state) {
            connected = up;
            last_state = state;
        };
        return h;
    }

    FakeAlpaca fake;
    Settings settings;
    asio::io_context ioc;
    services::Metrics metrics;
    std::vector<core::Symbol> symbols{*core::Symbol::parse("AAPL"), *core::Symbol::parse("MSFT")};
    int quotes = 0, trades = 0, bars = 0;
    bool connected = false;
    std::string last_state;
};

TEST_F(AlpacaData, StreamsQuotesTradesAndBarsOverOneConnection) {
    auto feed = feed_factory(settings)(ioc.get_executor(), metrics);
    feed->start(symbols, count());
    ASSERT_TRUE(run_until([&] { return quotes > 10 && trades > 10 && bars >= 2; })) << last_state;
    EXPECT_TRUE(feed->connected());
    EXPECT_EQ(fake.stats().data_connections, 1u);
    feed->stop();
}

TEST_F(AlpacaData, ASecondSessionIsRefusedUntilTheFirstLeaves) {
    // Someone else holds the account's one connection.
    net::WsClient other{ioc.get_executor()};
    bool held = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto url = *net::Url::parse(fake.env().at("APCA_API_DATA_STREAM_URL") + "/v2/iex");
            (void)co_await other.connect(url, {}, std::chrono::seconds(2));
            (void)co_await other.read();  // connected
            std::string auth = R"({"action":"auth","key":"fake-key","secret":"fake-secret"})";
            (void)co_await other.write(std::move(auth));
            auto m = co_await other.read();
            held = m && m->data.find("authenticated") != std::string::npos;
        },
        asio::detached);
    ASSERT_TRUE(run_until([&] { return held; }));
    auto feed = feed_factory(settings)(ioc.get_executor(), metrics);
    feed->start(symbols, count());
    ASSERT_TRUE(run_until([&] { return last_state.find("406") != std::string::npos; }))
        << last_state;
    EXPECT_FALSE(feed->connected());
    EXPECT_EQ(metrics.value("meridian_alpaca_data_errors_total", {"406"}), 1);
    other.abort();
    ASSERT_TRUE(run_until([&] { return connected && quotes > 0; }, std::chrono::seconds(20)))
        << last_state;
    feed->stop();
}

TEST_F(AlpacaData, BadKeysAreReportedNotHammered) {
    settings.secret_key = "wrong";
    auto feed = feed_factory(settings)(ioc.get_executor(), metrics);
    feed->start(symbols, count());
    ASSERT_TRUE(run_until([&] { return last_state.find("402") != std::string::npos; }))
        << last_state;
    EXPECT_NE(last_state.find("auth failed"), std::string::npos);
    EXPECT_NE(last_state.find("reconnecting in 6"), std::string::npos)
        << "a minute's pause: " << last_state;
    EXPECT_EQ(quotes, 0);
    feed->stop();
}

TEST_F(AlpacaData, ASilentConnectionIsMadeAgain) {
    auto feed = feed_factory(settings)(ioc.get_executor(), metrics);
    feed->start(symbols, count());
    ASSERT_TRUE(run_until([&] { return quotes > 5; }));
    testing::FakeAlpacaFaults f;
    f.silent = true;
    fake.set_faults(f);
    ASSERT_TRUE(run_until([&] { return metrics.value("meridian_alpaca_data_silent_total") >= 1; }));
    fake.set_faults({});
    const int before = quotes;
    ASSERT_TRUE(
        run_until([&] { return connected && quotes > before + 5; }, std::chrono::seconds(15)));
    EXPECT_GE(fake.stats().data_connections, 2u);
    feed->stop();
}

TEST_F(AlpacaData, LatestValuesAndSnapshots) {
    DataClient data{ioc.get_executor(), settings};
    std::optional<std::size_t> quotes_n, trades_n, bars_n;
    std::optional<core::Result<std::vector<Snapshot>>> snaps;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto q = co_await data.latest_quotes(symbols);
            quotes_n = q ? q->size() : 0;
            auto t = co_await data.latest_trades(symbols);
            trades_n = t ? t->size() : 0;
            auto b = co_await data.latest_bars(symbols);
            bars_n = b ? b->size() : 0;
            std::vector<core::Symbol> with_unknown = symbols;
            with_unknown.push_back(*core::Symbol::parse("ZZZZ"));
            snaps = co_await data.snapshots(with_unknown);
        },
        asio::detached);
    ASSERT_TRUE(run_until([&] { return snaps.has_value(); }));
    EXPECT_EQ(quotes_n, 2u);
    EXPECT_EQ(trades_n, 2u);
    EXPECT_EQ(bars_n, 2u);
    ASSERT_TRUE(*snaps) << (*snaps).error().message;
    ASSERT_EQ((*snaps)->size(), 2u);  // ZZZZ has no data: null, left out
    for (const auto& s : **snaps) {
        ASSERT_TRUE(s.latest_quote && s.latest_trade && s.minute_bar);
        EXPECT_LT(s.latest_quote->bid, s.latest_quote->ask);
    }
}

TEST_F(AlpacaData, HistoricalBarsComeEveryPage) {
    DataClient data{ioc.get_executor(), settings};
    std::size_t pages = 0;
    std::map<std::string, std::size_t> per_symbol;
    core::Timestamp last;
    bool ordered = true;
    std::optional<core::Result<void>> result;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            result =
                co_await data.bars(symbols, "1Min", *core::Timestamp::parse("2024-03-01"),
                                   *core::Timestamp::parse("2024-03-31T23:59:59Z"),
                                   [&](const std::vector<engine::Bar>& page) {
                                       ++pages;
                                       for (const auto& b : page) {
                                           if (per_symbol[b.symbol.str()]++ > 0 && b.ts <= last)
                                               ordered = false;
                                           last = b.ts;
                                       }
                                   });
        },
        asio::detached);
    ASSERT_TRUE(run_until([&] { return result.has_value(); }));
    ASSERT_TRUE(*result) << result->error().message;
    EXPECT_EQ(per_symbol["AAPL"], 21u * 390);  // March 2024's 21 weekdays of 390 minutes
    EXPECT_EQ(per_symbol["MSFT"], 21u * 390);
    EXPECT_EQ(pages, 2u);  // 16,380 bars in pages of 10,000: the second starts inside MSFT
    EXPECT_TRUE(ordered);
}

}  // namespace
}  // namespace meridian::alpaca
