// TlsProxy: TLS in front of a plain loopback server (the fake Alpaca), so that https:// and
// wss:// clients can be tested against it with a certificate made for the test.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace meridian::test {

/// Accepts TLS on a free loopback port (its certificate and key from PEM files) and relays the
/// bytes of each connection to 127.0.0.1:`target`. Runs on its own thread.
class TlsProxy {
public:
    TlsProxy(std::uint16_t target, const std::string& cert_file, const std::string& key_file)
        : target_{target}, ssl_{boost::asio::ssl::context::tls_server} {
        ssl_.use_certificate_chain_file(cert_file);
        ssl_.use_private_key_file(key_file, boost::asio::ssl::context::pem);
        acceptor_.open(boost::asio::ip::tcp::v4());
        acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
        acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        boost::asio::co_spawn(ioc_, accept(), boost::asio::detached);
        thread_ = std::thread{[this] { ioc_.run(); }};
    }
    ~TlsProxy() {
        ioc_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return port_; }

private:
    using Tls = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
    static constexpr auto use = boost::asio::as_tuple(boost::asio::use_awaitable);

    boost::asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(use);
            if (ec) co_return;
            boost::asio::co_spawn(ioc_, serve(std::move(socket)), boost::asio::detached);
        }
    }
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
        auto tls = std::make_shared<Tls>(std::move(socket), ssl_);
        auto [hec] = co_await tls->async_handshake(boost::asio::ssl::stream_base::server, use);
        if (hec) co_return;
        auto plain = std::make_shared<boost::asio::ip::tcp::socket>(ioc_);
        auto [cec] = co_await plain->async_connect(
            {boost::asio::ip::make_address("127.0.0.1"), target_}, use);
        if (cec) co_return;
        boost::asio::co_spawn(ioc_, pump(tls, plain), boost::asio::detached);
        co_await pump(plain, tls);
    }
    template <class From, class To>
    static boost::asio::awaitable<void> pump(std::shared_ptr<From> from, std::shared_ptr<To> to) {
        char buf[16384];
        for (;;) {
            auto [rec, n] = co_await from->async_read_some(boost::asio::buffer(buf), use);
            if (rec) break;
            auto [wec, m] =
                co_await boost::asio::async_write(*to, boost::asio::buffer(buf, n), use);
            if (wec) break;
        }
        boost::system::error_code ignored;
        lowest(*to).shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        lowest(*from).close(ignored);
    }
    static boost::asio::ip::tcp::socket& lowest(boost::asio::ip::tcp::socket& s) { return s; }
    static boost::asio::ip::tcp::socket& lowest(Tls& s) { return s.next_layer(); }

    std::uint16_t target_;
    boost::asio::io_context ioc_;
    boost::asio::ssl::context ssl_;
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace meridian::test
