// The Trading API client against the fake Alpaca: every answer read, and every fault on the
// submit path settled without a second order.
#include "adapters/alpaca/rest.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "tests/support/fake_alpaca.hpp"

namespace meridian::alpaca {
namespace {

namespace asio = boost::asio;
using testing::FakeAlpaca;
using testing::FakeAlpacaFaults;

class AlpacaRest : public ::testing::Test {
protected:
    AlpacaRest() {
        auto env = fake.env();
        auto s = load_settings(
            [env](const std::string& k) -> std::optional<std::string> {
                auto it = env.find(k);
                if (it == env.end()) return std::nullopt;
                return it->second;
            },
            {});
        EXPECT_TRUE(s) << s.error().message;
        settings = *s;
        settings.timeout = std::chrono::milliseconds(1000);
    }

    template <class T>
    T run(asio::awaitable<T> task) {
        std::optional<T> out;
        asio::co_spawn(
            ioc, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(task)); },
            asio::detached);
        ioc.restart();
        ioc.run();
        return std::move(*out);
    }

    core::OrderRequest market(std::string coid, std::string qty = "10") {
        core::OrderRequest r;
        r.symbol = *core::Symbol::parse("AAPL");
        r.side = core::Side::Buy;
        r.type = core::OrderType::Market;
        r.time_in_force = core::TimeInForce::Day;
        r.qty = *core::Quantity::parse(qty);
        r.client_order_id = *core::ClientOrderId::parse(coid);
        return r;
    }

    FakeAlpaca fake;
    Settings settings;
    asio::io_context ioc;
};

TEST_F(AlpacaRest, SubmitsAndReadsTheOrderBack) {
    TradingClient client{ioc.get_executor(), settings};
    auto s = run(client.submit(market("t-1"), std::chrono::seconds(5)));
    ASSERT_EQ(s.kind, Submitted::Kind::Accepted);
    EXPECT_EQ(s.order.client_order_id, "t-1");
    EXPECT_EQ(s.order.request.qty->to_string(), "10");
    auto by_coid = run(client.by_client_order_id("t-1"));
    ASSERT_TRUE(by_coid && *by_coid);
    EXPECT_EQ((*by_coid)->id, s.order.id);
    auto none = run(client.by_client_order_id("nope"));
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

TEST_F(AlpacaRest, ALostAnswerIsLookedUpNotSentTwice) {
    TradingClient client{ioc.get_executor(), settings};
    FakeAlpacaFaults f;
    f.drop_submit_answers = 1;
    fake.set_faults(f);
    auto s = run(client.submit(market("lost-1"), std::chrono::seconds(5)));
    ASSERT_EQ(s.kind, Submitted::Kind::Accepted);
    EXPECT_EQ(s.order.client_order_id, "lost-1");
    EXPECT_EQ(fake.stats().orders_created, 1u);
    EXPECT_EQ(fake.stats().submit_requests, 1u);
}

TEST_F(AlpacaRest, GatewayTimeoutsAreRetriedWithTheSameId) {
    TradingClient client{ioc.get_executor(), settings};
    FakeAlpacaFaults f;
    f.fail_submits = 2;
    f.fail_status = 504;
    fake.set_faults(f);
    auto s = run(client.submit(market("gw-1"), std::chrono::seconds(10)));
    ASSERT_EQ(s.kind, Submitted::Kind::Accepted);
    EXPECT_EQ(fake.stats().submit_requests, 3u);
    EXPECT_EQ(fake.stats().orders_created, 1u);
    EXPECT_EQ(fake.client_order_ids(), std::vector<std::string>{"gw-1"});
}

TEST_F(AlpacaRest, AReusedClientOrderIdMeansAlpacaHasIt) {
    TradingClient client{ioc.get_executor(), settings};
    auto first = run(client.submit(market("dup-1"), std::chrono::seconds(5)));
    ASSERT_EQ(first.kind, Submitted::Kind::Accepted);
    auto again = run(client.submit(market("dup-1"), std::chrono::seconds(5)));
    ASSERT_EQ(again.kind, Submitted::Kind::Accepted);
    EXPECT_EQ(again.order.id, first.order.id);
    EXPECT_EQ(fake.stats().duplicate_client_ids, 1u);
    EXPECT_EQ(fake.stats().orders_created, 1u);
}

TEST_F(AlpacaRest, ThrottledRequestsWaitForTheWindow) {
    TradingClient client{ioc.get_executor(), settings};
    FakeAlpacaFaults f;
    f.throttle = 2;
    fake.set_faults(f);
    auto s = run(client.submit(market("slow-1"), std::chrono::seconds(10)));
    ASSERT_EQ(s.kind, Submitted::Kind::Accepted);
    EXPECT_EQ(fake.stats().throttled, 2u);
    EXPECT_EQ(fake.stats().orders_created, 1u);
}

TEST_F(AlpacaRest, ARefusalIsFinalAndNamesTheReason) {
    TradingClient client{ioc.get_executor(), settings};
    auto s = run(client.submit(market("big-1", "100000"), std::chrono::seconds(5)));
    ASSERT_EQ(s.kind, Submitted::Kind::Refused);
    EXPECT_EQ(s.refusal.http, 403);
    EXPECT_EQ(s.refusal.code, 40310000);
    EXPECT_EQ(s.refusal.message, "insufficient buying power");
    EXPECT_EQ(fake.stats().orders_created, 0u);
}

TEST_F(AlpacaRest, NoAnswerAtAllIsUnknownAfterTheDeadline) {
    TradingClient client{ioc.get_executor(), settings};
    FakeAlpacaFaults f;
    f.fail_submits = 1000;
    fake.set_faults(f);
    auto s = run(client.submit(market("never-1"), std::chrono::milliseconds(800)));
    EXPECT_EQ(s.kind, Submitted::Kind::Unknown);
    EXPECT_EQ(fake.stats().orders_created, 0u);
}

TEST_F(AlpacaRest, AccountPositionsClockCancelReplace) {
    TradingClient client{ioc.get_executor(), settings};
    auto account = run(client.account());
    ASSERT_TRUE(account) << account.error().message;
    EXPECT_EQ(account->cash.to_string(2, core::Rounding::HalfEven), "100000.00");
    auto clock = run(client.clock());
    ASSERT_TRUE(clock) << clock.error().message;
    EXPECT_TRUE(clock->is_open);
    auto limit = market("lim-1");
    limit.type = core::OrderType::Limit;
    limit.limit_price = *core::Price::parse("100");
    auto s = run(client.submit(limit, std::chrono::seconds(5)));
    ASSERT_EQ(s.kind, Submitted::Kind::Accepted);
    // Replace it once it is working (new), then cancel the replacement.
    std::optional<BrokerOrder> live;
    for (int i = 0; i < 50; ++i) {
        auto o = run(client.order(s.order.id));
        ASSERT_TRUE(o);
        if (o->status == core::OrderStatus::New) {
            live = *o;
            break;
        }
    }
    ASSERT_TRUE(live);
    core::OrderChange change;
    change.limit_price = core::Price::parse("101").value();
    change.time_in_force = core::TimeInForce::Gtc;
    auto r = run(client.replace(s.order.id, change, "lim-2"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->client_order_id, "lim-2");
    EXPECT_EQ(r->request.limit_price, change.limit_price);
    EXPECT_EQ(r->request.time_in_force, core::TimeInForce::Gtc);
    EXPECT_EQ(*r->replaces, s.order.id);
    auto old = run(client.order(s.order.id));
    EXPECT_EQ(old->status, core::OrderStatus::Replaced);
    EXPECT_TRUE(run(client.cancel(r->id)));
    auto gone = run(client.cancel("no-such-order"));
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, core::Errc::NotFound);
    auto positions = run(client.positions());
    ASSERT_TRUE(positions);
    EXPECT_TRUE(positions->empty());
}

TEST_F(AlpacaRest, CalendarAndAssets) {
    TradingClient client{ioc.get_executor(), settings};
    auto days = run(client.calendar({2024, 11, 25}, {2024, 12, 2}));
    ASSERT_TRUE(days) << days.error().message;
    // Thanksgiving (the 28th) is closed, the day after closes at 13:00, the weekend is out.
    ASSERT_EQ(days->size(), 5u);
    EXPECT_EQ((*days)[3].date, (core::CivilDate{2024, 11, 29}));
    EXPECT_EQ((*days)[3].close, 13 * 60);
    auto aapl = run(client.asset(*core::Symbol::parse("AAPL")));
    ASSERT_TRUE(aapl) << aapl.error().message;
    EXPECT_TRUE(aapl->tradable);
    auto none = run(client.asset(*core::Symbol::parse("ZZZZQX")));
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, core::Errc::NotFound);
    EXPECT_EQ(none.error().message, "asset not found for ZZZZQX");
}

TEST_F(AlpacaRest, BadKeysAreNamedAsSuch) {
    settings.secret_key = "wrong";
    TradingClient client{ioc.get_executor(), settings};
    auto a = run(client.account());
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().message.find("APCA_API_SECRET_KEY"), std::string::npos)
        << a.error().message;
}

TEST(AlpacaRateLimiter, NoMinuteEverHoldsMoreThanTheBudget) {
    RateLimiter limiter{200};
    auto t = std::chrono::steady_clock::now();
    std::vector<std::chrono::steady_clock::time_point> sent;
    // A caller that sends as fast as it is let, for three minutes.
    const auto end = t + std::chrono::minutes(3);
    while (t < end) {
        const auto wait = limiter.take(t);
        if (wait == std::chrono::steady_clock::duration::zero())
            sent.push_back(t);
        else
            t += wait;
    }
    std::size_t worst = 0;
    for (std::size_t i = 0, j = 0; j < sent.size(); ++j) {
        while (sent[j] - sent[i] >= std::chrono::seconds(60))
            ++i;
        worst = std::max(worst, j - i + 1);
    }
    EXPECT_LE(worst, 200u);
    // And it spends the budget: a burst of 20, then 180 a minute.
    EXPECT_GE(sent.size(), 20u + 3 * 180u - 2);
    // A server-named pause holds everything until then.
    limiter.pause_until(t + std::chrono::seconds(5));
    EXPECT_GE(limiter.take(t), std::chrono::seconds(4));
}

TEST(AlpacaSettings, EnvironmentWinsAndLiveNeedsArming) {
    std::map<std::string, std::string> env{{"APCA_API_KEY_ID", "k"}, {"APCA_API_SECRET_KEY", "s"}};
    std::map<std::string, std::string> config{{"APCA_API_KEY_ID", "from-config"},
                                              {"APCA_DATA_FEED", "sip"}};
    auto lookup = [](const std::map<std::string, std::string>& m) -> Lookup {
        return [&m](const std::string& k) -> std::optional<std::string> {
            auto it = m.find(k);
            if (it == m.end()) return std::nullopt;
            return it->second;
        };
    };
    auto s = load_settings(lookup(env), lookup(config));
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->key_id, "k");
    EXPECT_EQ(s->feed, "sip");
    EXPECT_EQ(s->trading.host, "paper-api.alpaca.markets");
    EXPECT_TRUE(s->trading.tls);
    EXPECT_EQ(s->trade_stream.host, "paper-api.alpaca.markets");
    EXPECT_EQ(s->trade_stream.target, "/stream");
    EXPECT_EQ(s->data_stream.target, "/v2/sip");
    EXPECT_FALSE(s->live);
    env["APCA_API_BASE_URL"] = "https://api.alpaca.markets";
    auto live = load_settings(lookup(env), {});
    ASSERT_FALSE(live);
    EXPECT_NE(live.error().message.find("MERIDIAN_ALPACA_LIVE"), std::string::npos);
    env["MERIDIAN_ALPACA_LIVE"] = "true";
    EXPECT_TRUE(load_settings(lookup(env), {}));
    env.erase("APCA_API_SECRET_KEY");
    EXPECT_FALSE(load_settings(lookup(env), {}));
    env["APCA_API_SECRET_KEY"] = "s";
    env["APCA_DATA_FEED"] = "nasdaq";
    EXPECT_FALSE(load_settings(lookup(env), {}));
}

}  // namespace
}  // namespace meridian::alpaca
