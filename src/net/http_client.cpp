// http_post over a Beast tcp_stream.
#include "net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace meridian::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use = asio::as_tuple(asio::use_awaitable);

core::Result<Url> Url::parse(std::string_view text) {
    constexpr std::string_view scheme = "http://";
    if (!text.starts_with(scheme))
        return core::invalid("url must start with http:// (got '" + std::string{text} + "')");
    text.remove_prefix(scheme.size());
    const auto slash = text.find('/');
    std::string_view authority = text.substr(0, slash);
    Url u;
    u.target = slash == std::string_view::npos ? "/" : std::string{text.substr(slash)};
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
        u.host = std::string{authority.substr(0, colon)};
        u.port = std::string{authority.substr(colon + 1)};
        if (u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos)
            return core::invalid("url has a bad port");
    } else {
        u.host = std::string{authority};
        u.port = "80";
    }
    if (u.host.empty()) return core::invalid("url has no host");
    return u;
}

asio::awaitable<core::Result<ClientReply>> http_post(asio::any_io_executor executor, const Url& url,
                                                     std::string body,
                                                     std::chrono::milliseconds timeout) {
    asio::ip::tcp::resolver resolver{executor};
    auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, use);
    if (rec)
        co_return core::Error{core::Errc::Unavailable,
                              "resolve " + url.host + ": " + rec.message()};
    beast::tcp_stream stream{executor};
    stream.expires_after(timeout);
    auto [cec, ep] = co_await stream.async_connect(results, use);
    if (cec) {
        const auto code =
            cec == beast::error::timeout ? core::Errc::Timeout : core::Errc::Unavailable;
        co_return core::Error{code, "connect " + url.host + ":" + url.port + ": " + cec.message()};
    }
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "meridian");
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, req, use);
    if (wec) co_return core::Error{core::Errc::Unavailable, "send: " + wec.message()};
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    auto [hec, hn] = co_await http::async_read(stream, buffer, parser, use);
    if (hec) {
        const auto code =
            hec == beast::error::timeout ? core::Errc::Timeout : core::Errc::Unavailable;
        co_return core::Error{code, "read: " + hec.message()};
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return ClientReply{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

}  // namespace meridian::net
