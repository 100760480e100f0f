// Alpaca is reached over TLS (https and wss): the REST client, the trade stream and the market
// data stream against the fake Alpaca behind a TLS proxy with a certificate made for the test.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "adapters/alpaca/data.hpp"
#include "adapters/alpaca/rest.hpp"
#include "adapters/alpaca/trade_stream.hpp"
#include "services/common/metrics.hpp"
#include "tests/support/fake_alpaca.hpp"
#include "tests/support/meridian_process.hpp"
#include "tests/support/test_dir.hpp"
#include "tests/support/tls_proxy.hpp"

namespace meridian::alpaca {
namespace {

namespace asio = boost::asio;

TEST(AlpacaTls, RestAndBothStreamsWorkOverTls) {
    testing::FakeAlpaca fake;
    test::TestDir dir{"alpaca-tls"};
    const std::string cert = (dir.path() / "cert.pem").string();
    const std::string key = (dir.path() / "key.pem").string();
    int rc = 0;
    test::run_to_end(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert},
        &rc);
    ASSERT_EQ(rc, 0);
    test::TlsProxy proxy{fake.port(), cert, key};
    const std::string host = "localhost:" + std::to_string(proxy.port());
    std::map<std::string, std::string> env{{"APCA_API_KEY_ID", "fake-key"},
                                           {"APCA_API_SECRET_KEY", "fake-secret"},
                                           {"APCA_API_BASE_URL", "https://" + host},
                                           {"APCA_API_DATA_URL", "https://" + host},
                                           {"APCA_API_DATA_STREAM_URL", "wss://" + host},
                                           {"MERIDIAN_ALPACA_CA_FILE", cert}};
    auto settings = load_settings(
        [&env](const std::string& k) -> std::optional<std::string> {
            auto it = env.find(k);
            if (it == env.end()) return std::nullopt;
            return it->second;
        },
        {});
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->trade_stream.host, "localhost");  // derived: wss://<trading host>/stream
    EXPECT_TRUE(settings->trade_stream.tls);

    asio::io_context ioc;
    auto run_until = [&](auto done) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < end && !done()) {
            ioc.restart();
            ioc.run_for(std::chrono::milliseconds(20));
        }
        return done();
    };
    // The trade stream over wss.
    bool connected = false;
    std::vector<std::string> events;
    TradeStream stream{
        ioc.get_executor(), *settings,
        TradeStream::Handlers{
            [&](TradeUpdate u) { events.push_back(u.event); }, [&] { connected = true; }, {}}};
    stream.start();
    ASSERT_TRUE(run_until([&] { return connected; })) << stream.state();
    // REST over https: the account, then an order whose events come back over wss.
    TradingClient client{ioc.get_executor(), *settings};
    std::optional<core::Result<Account>> account;
    std::optional<Submitted> sent;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            account = co_await client.account();
            core::OrderRequest r;
            r.symbol = *core::Symbol::parse("AAPL");
            r.qty = core::Quantity::from_units(1);
            r.client_order_id = *core::ClientOrderId::parse("tls-1");
            sent = co_await client.submit(r, std::chrono::seconds(5));
        },
        asio::detached);
    ASSERT_TRUE(run_until([&] { return sent.has_value(); }));
    ASSERT_TRUE(*account) << account->error().message;
    EXPECT_EQ(sent->kind, Submitted::Kind::Accepted);
    ASSERT_TRUE(
        run_until([&] { return std::find(events.begin(), events.end(), "fill") != events.end(); }));
    stream.stop();
    // The market data stream over wss.
    services::Metrics metrics;
    int quotes = 0;
    bool data_up = false;
    auto feed = feed_factory(*settings)(ioc.get_executor(), metrics);
    services::Feed::Handlers h;
    h.quote = [&](const engine::Quote&) { ++quotes; };
    h.status = [&](bool up, const std::string&) { data_up = up; };
    feed->start({*core::Symbol::parse("AAPL")}, h);
    ASSERT_TRUE(run_until([&] { return data_up && quotes > 2; })) << feed->state();
    feed->stop();
}

}  // namespace
}  // namespace meridian::alpaca
