#include "net/http_server.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "net/websocket.hpp"
#include "tests/support/http_client.hpp"

namespace meridian::net {
namespace {

/// Echoes the request; refuses requests without "authorization: ok" before reading bodies.
class EchoHandler final : public HttpHandler {
public:
    std::optional<Response> admit(Request& req) override {
        ++admitted;
        if (req.header("authorization") != "ok") return Response::error(401, "no credentials");
        return std::nullopt;
    }
    boost::asio::awaitable<Response> handle(Request& req) override {
        boost::json::object o;
        o["method"] = req.method;
        o["path"] = req.path;
        o["body_size"] = req.body.size();
        if (auto q = req.query_param("q")) o["q"] = *q;
        co_return Response::json(200, o);
    }
    void upgrade(Request&, std::shared_ptr<WsConnection> c) override {
        // A weak reference: the connection owns this callback.
        std::weak_ptr<WsConnection> weak = c;
        c->on_message([weak](std::string_view text) {
            if (auto conn = weak.lock()) conn->send("echo:" + std::string{text});
        });
    }
    int admitted = 0;
};

class ServerTest : public ::testing::Test {
protected:
    void start(ServerOptions options = {}) {
        server_ = std::make_unique<HttpServer>(ioc_, options, handler_);
        auto port = server_->listen();
        ASSERT_TRUE(port.has_value()) << port.error().message;
        port_ = *port;
        thread_ = std::thread{[this] { ioc_.run(); }};
    }
    void TearDown() override {
        if (server_) server_->stop();
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }
    boost::asio::io_context ioc_;
    EchoHandler handler_;
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
};

const std::map<std::string, std::string> kAuth{{"Authorization", "ok"}};

TEST_F(ServerTest, AnswersManyRequestsOnOneKeptAliveConnection) {
    start();
    test::HttpClient client{port_};
    for (int i = 0; i < 3; ++i) {
        auto r = client.request("GET", "/x?q=" + std::to_string(i), {}, kAuth);
        ASSERT_EQ(r.status, 200);
        EXPECT_FALSE(r.closed);
        EXPECT_EQ(r.json().at("q").as_string(), std::to_string(i));
    }
    auto r = client.request("POST", "/y", R"({"a":1})", kAuth);
    EXPECT_EQ(r.json().at("body_size").as_int64(), 7);
}

TEST_F(ServerTest, RefusesBeforeReadingTheBodyAndClosesWhenThereIsOne) {
    start();
    test::HttpClient client{port_};
    auto r = client.request("GET", "/x");
    EXPECT_EQ(r.status, 401);
    EXPECT_FALSE(r.closed);  // no body: the connection stays usable
    EXPECT_EQ(r.json().at("code").as_int64(), 40110000);
    r = client.request("POST", "/x", std::string(1000, 'a'));
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.closed);
}

TEST_F(ServerTest, AnswersTooLargeBodiesWith413BeforeClosing) {
    ServerOptions o;
    o.body_limit = 1024;
    start(o);
    test::HttpClient client{port_};
    auto r = client.request("POST", "/x", std::string(10 << 20, 'a'), kAuth);
    EXPECT_EQ(r.status, 413);
    EXPECT_TRUE(r.closed);
    // curl's way: Expect: 100-continue, and the body only if the server says continue.
    r = client.raw(
        "POST /x HTTP/1.1\r\nHost: a\r\nAuthorization: ok\r\n"
        "Content-Length: 99999999\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(r.status, 413);
    // Chunked bodies have no length up front: the limit stops them while reading.
    r = client.raw(
        "POST /x HTTP/1.1\r\nHost: a\r\nAuthorization: ok\r\n"
        "Transfer-Encoding: chunked\r\n\r\n800\r\n" +
        std::string(2048, 'b') + "\r\n0\r\n\r\n");
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(client.request("POST", "/x", "{}", kAuth).status, 200);  // still serving
}

TEST_F(ServerTest, MalformedRequestsGet400AndTheServerStaysUp) {
    start();
    test::HttpClient client{port_};
    EXPECT_EQ(client.raw("NONSENSE\r\n\r\n").status, 400);
    EXPECT_EQ(client.raw("GET /x%zz HTTP/1.1\r\nHost: a\r\n\r\n").status, 400);
    EXPECT_EQ(client.request("GET", "/ok", {}, kAuth).status, 200);
}

TEST_F(ServerTest, ConnectionsBeyondTheCapGet503) {
    ServerOptions o;
    o.max_connections = 2;
    start(o);
    test::HttpClient a{port_};
    test::HttpClient b{port_};
    ASSERT_EQ(a.request("GET", "/", {}, kAuth).status, 200);
    ASSERT_EQ(b.request("GET", "/", {}, kAuth).status, 200);
    test::HttpClient c{port_};
    auto r = c.request("GET", "/", {}, kAuth);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.headers.at("Retry-After"), "1");
}

TEST_F(ServerTest, IdleConnectionsAreClosedAfterTheReadTimeout) {
    ServerOptions o;
    o.read_timeout = std::chrono::milliseconds(200);
    start(o);
    test::HttpClient a{port_};
    ASSERT_EQ(a.request("GET", "/", {}, kAuth).status, 200);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_->connections() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(ServerTest, UpgradesToWebSocketAfterAdmission) {
    start();
    test::WsClient ws{port_, "/ws", kAuth};
    ws.send("hi");
    EXPECT_EQ(ws.receive().value_or(""), "echo:hi");
}

}  // namespace
}  // namespace meridian::net
