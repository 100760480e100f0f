// The HTTP pool over TLS against a real TLS server (openssl s_server with a certificate made
// for the test): the peer and its name are checked, and a bad certificate is refused.
#include <filesystem>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "net/http_client.hpp"
#include "tests/support/meridian_process.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/test_dir.hpp"

namespace meridian::net {
namespace {

namespace asio = boost::asio;

class TlsTest : public ::testing::Test {
protected:
    /// A self-signed certificate for `name`, and s_server serving with it.
    void serve(const std::string& name) {
        const auto key = (dir_.path() / "key.pem").string();
        cert_ = (dir_.path() / (name + ".pem")).string();
        int rc = 0;
        test::run_to_end({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                          "-days", "1", "-subj", "/CN=" + name, "-addext",
                          "subjectAltName=DNS:" + name, "-keyout", key, "-out", cert_},
                         &rc);
        ASSERT_EQ(rc, 0);
        port_ = test::free_port();
        server_.emplace(std::vector<std::string>{"/usr/bin/openssl", "s_server", "-quiet", "-www",
                                                 "-accept", "127.0.0.1:" + std::to_string(port_),
                                                 "-cert", cert_, "-key", key});
        for (int i = 0; i < 200 && !test::port_open(port_); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ASSERT_TRUE(test::port_open(port_));
    }

    core::Result<ClientReply> get(const std::string& url_text, TlsOptions tls) {
        asio::io_context ioc;
        std::optional<core::Result<ClientReply>> out;
        HttpPool pool{ioc.get_executor(), 4, std::chrono::milliseconds(5000), std::move(tls)};
        auto url = *Url::parse(url_text);
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
                ClientRequest req;
                req.target = "/";
                out = co_await pool.request(url, std::move(req), std::chrono::milliseconds(5000));
            },
            asio::detached);
        ioc.run();
        return std::move(*out);
    }

    test::TestDir dir_{"tls"};
    std::string cert_;
    std::uint16_t port_ = 0;
    std::optional<test::Process> server_;
};

TEST_F(TlsTest, AnHttpsUrlTalksTlsToATrustedPeer) {
    serve("localhost");
    // 127.0.0.1 by the name on the certificate.
    auto ok = get("https://localhost:" + std::to_string(port_) + "/", TlsOptions{cert_});
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->status, 200);
    EXPECT_NE(ok->body.find("s_server"), std::string::npos);
}

TEST_F(TlsTest, AnUntrustedCertificateIsRefused) {
    serve("localhost");
    auto bad = get("https://localhost:" + std::to_string(port_) + "/", TlsOptions{});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("TLS handshake"), std::string::npos) << bad.error().message;
}

TEST_F(TlsTest, ACertificateForAnotherNameIsRefused) {
    serve("elsewhere.example");
    auto bad = get("https://localhost:" + std::to_string(port_) + "/", TlsOptions{cert_});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("TLS handshake"), std::string::npos) << bad.error().message;
}

TEST(Url, SchemesAndDefaultPorts) {
    auto u = *Url::parse("https://paper-api.alpaca.markets");
    EXPECT_TRUE(u.tls);
    EXPECT_EQ(u.port, "443");
    EXPECT_EQ(u.target, "/");
    auto w = *Url::parse("wss://stream.data.alpaca.markets/v2/iex");
    EXPECT_TRUE(w.tls);
    EXPECT_EQ(w.target, "/v2/iex");
    auto p = *Url::parse("ws://127.0.0.1:9000/stream");
    EXPECT_FALSE(p.tls);
    EXPECT_EQ(p.port, "9000");
    EXPECT_FALSE(Url::parse("ftp://x"));
    EXPECT_FALSE(Url::parse("http://:80/"));
    EXPECT_FALSE(Url::parse("http://host:/"));
}

}  // namespace
}  // namespace meridian::net
