// WsClient over Beast: a websocket stream on a tcp_stream, or on an OpenSSL stream for wss.
#include "net/ws_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace meridian::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
constexpr auto use = asio::as_tuple(asio::use_awaitable);

namespace {

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

core::Error failure(const boost::system::error_code& ec, std::string_view what) {
    const auto code = ec == beast::error::timeout ? core::Errc::Timeout : core::Errc::Unavailable;
    return core::Error{code, std::string{what} + ": " + ec.message()};
}

}  // namespace

struct WsClient::Impl {
    asio::any_io_executor executor;
    TlsOptions tls_options;
    std::unique_ptr<asio::ssl::context> ssl;
    std::unique_ptr<PlainWs> plain;
    std::unique_ptr<TlsWs> tls;
    beast::flat_buffer buffer;

    template <class F>
    decltype(auto) with(F&& f) {
        return tls ? f(*tls) : f(*plain);
    }
    beast::tcp_stream& tcp() {
        return tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain);
    }
};

WsClient::WsClient(asio::any_io_executor executor, TlsOptions tls)
    : impl_{std::make_unique<Impl>()} {
    impl_->executor = std::move(executor);
    impl_->tls_options = std::move(tls);
}

WsClient::~WsClient() = default;

bool WsClient::is_open() const {
    return impl_->tls ? impl_->tls->is_open() : impl_->plain && impl_->plain->is_open();
}

void WsClient::abort() {
    if (!impl_->plain && !impl_->tls) return;
    boost::system::error_code ignored;
    impl_->tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    impl_->tcp().close();
}

asio::awaitable<core::Result<void>> WsClient::connect(
    const Url& url, std::vector<std::pair<std::string, std::string>> headers,
    std::chrono::milliseconds timeout, std::chrono::milliseconds idle_timeout) {
    auto& im = *impl_;
    im.plain.reset();
    im.tls.reset();
    im.buffer.clear();
    asio::ip::tcp::resolver resolver{im.executor};
    auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, use);
    if (rec) {
        co_return core::Error{core::Errc::Unavailable,
                              "resolve " + url.host + ": " + rec.message()};
    }
    if (url.tls) {
        if (!im.ssl) {
            auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
            boost::system::error_code ec;
            ctx->set_default_verify_paths(ec);
            if (!im.tls_options.ca_file.empty()) ctx->load_verify_file(im.tls_options.ca_file, ec);
            if (ec) co_return core::Error{core::Errc::Unavailable, "TLS: " + ec.message()};
            ctx->set_verify_mode(asio::ssl::verify_peer);
            im.ssl = std::move(ctx);
        }
        im.tls = std::make_unique<TlsWs>(im.executor, *im.ssl);
        if (!set_sni(im.tls->next_layer().native_handle(), url.host)) {
            co_return core::Error{core::Errc::Unavailable, "TLS: cannot set SNI"};
        }
        im.tls->next_layer().set_verify_callback(asio::ssl::host_name_verification(url.host));
    } else {
        im.plain = std::make_unique<PlainWs>(im.executor);
    }
    im.tcp().expires_after(timeout);
    auto [cec, ep] = co_await im.tcp().async_connect(results, use);
    if (cec) co_return failure(cec, "connect " + url.authority());
    if (im.tls) {
        auto [hec] =
            co_await im.tls->next_layer().async_handshake(asio::ssl::stream_base::client, use);
        if (hec) co_return failure(hec, "TLS handshake with " + url.authority());
    }
    im.tcp().expires_never();
    const std::string host = url.host + ":" + url.port;
    auto decorate = [headers = std::move(headers)](websocket::request_type& req) {
        req.set(http::field::user_agent, "meridian");
        for (const auto& [name, value] : headers) {
            req.set(name, value);
        }
    };
    websocket::stream_base::timeout opt{timeout, idle_timeout, true};
    websocket::response_type response;
    auto [wec] = co_await im.with([&](auto& ws) {
        ws.set_option(opt);
        ws.set_option(websocket::stream_base::decorator(decorate));
        ws.read_message_max(16 << 20);
        return ws.async_handshake(response, host, url.target, use);
    });
    if (wec) {
        if (wec == websocket::error::upgrade_declined) {
            co_return core::Error{core::Errc::Unavailable,
                                  "upgrade refused: HTTP " + std::to_string(response.result_int()) +
                                      (response.body().empty() ? "" : " " + response.body())};
        }
        co_return failure(wec, "WebSocket handshake with " + url.authority());
    }
    co_return core::Result<void>{};
}

asio::awaitable<core::Result<WsMessage>> WsClient::read() {
    auto& im = *impl_;
    if (!im.plain && !im.tls) co_return core::Error{core::Errc::Unavailable, "not connected"};
    im.buffer.clear();
    auto [ec, n] = co_await im.with([&](auto& ws) { return ws.async_read(im.buffer, use); });
    if (ec) {
        if (ec == websocket::error::closed) {
            const auto reason = im.with([](auto& ws) { return ws.reason(); });
            co_return core::Error{
                core::Errc::Unavailable,
                "closed by the server (" + std::to_string(reason.code) +
                    (reason.reason.empty()
                         ? ""
                         : " " + std::string{reason.reason.data(), reason.reason.size()}) +
                    ")"};
        }
        co_return failure(ec, "read");
    }
    WsMessage m;
    m.data = beast::buffers_to_string(im.buffer.data());
    m.binary = im.with([](auto& ws) { return ws.got_binary(); });
    co_return m;
}

asio::awaitable<core::Result<void>> WsClient::write(std::string text) {
    auto& im = *impl_;
    if (!im.plain && !im.tls) co_return core::Error{core::Errc::Unavailable, "not connected"};
    auto [ec, n] = co_await im.with([&](auto& ws) {
        ws.text(true);
        return ws.async_write(asio::buffer(text), use);
    });
    if (ec) co_return failure(ec, "write");
    co_return core::Result<void>{};
}

asio::awaitable<void> WsClient::close() {
    auto& im = *impl_;
    if (!is_open()) co_return;
    auto [ec] = co_await im.with(
        [&](auto& ws) { return ws.async_close(websocket::close_code::normal, use); });
    if (ec) abort();
}

}  // namespace meridian::net
