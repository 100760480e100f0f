// http_post over a Beast tcp_stream.
#include "net/http_client.hpp"

#include <deque>
#include <map>

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
    co_return ClientReply{static_cast<int>(parser.get().result_int()), parser.get().body(), {}};
}

struct HttpPool::Impl {
    struct Conn {
        explicit Conn(asio::any_io_executor ex) : stream{std::move(ex)} {}
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        std::chrono::steady_clock::time_point idle_since;
    };
    asio::any_io_executor executor;
    std::size_t max_idle_per_host;
    std::chrono::milliseconds max_idle;
    std::map<std::string, std::deque<std::unique_ptr<Conn>>> idle;

    std::unique_ptr<Conn> take(const std::string& key) {
        auto it = idle.find(key);
        if (it == idle.end()) return nullptr;
        const auto now = std::chrono::steady_clock::now();
        while (!it->second.empty()) {
            auto c = std::move(it->second.back());
            it->second.pop_back();
            if (now - c->idle_since < max_idle) return c;
        }
        return nullptr;
    }
};

HttpPool::HttpPool(asio::any_io_executor executor, std::size_t max_idle_per_host,
                   std::chrono::milliseconds max_idle)
    : impl_{std::make_unique<Impl>(Impl{std::move(executor), max_idle_per_host, max_idle, {}})} {}

HttpPool::~HttpPool() = default;

std::size_t HttpPool::idle() const {
    std::size_t n = 0;
    for (const auto& [key, conns] : impl_->idle)
        n += conns.size();
    return n;
}

asio::awaitable<core::Result<ClientReply>> HttpPool::request(const Url& base, ClientRequest request,
                                                             std::chrono::milliseconds timeout) {
    const std::string key = base.host + ":" + base.port;
    const bool idempotent = request.method == "GET" || request.method == "HEAD" ||
                            request.method == "PUT" || request.method == "DELETE" ||
                            request.method == "OPTIONS";
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    req.set(http::field::host, base.host);
    req.set(http::field::user_agent, "meridian");
    for (const auto& [name, value] : request.headers)
        req.set(name, value);
    req.body() = std::move(request.body);
    req.keep_alive(true);
    req.prepare_payload();

    for (int attempt = 0;; ++attempt) {
        auto conn = impl_->take(key);
        const bool reused = conn != nullptr;
        if (!conn) {
            asio::ip::tcp::resolver resolver{impl_->executor};
            auto [rec, results] = co_await resolver.async_resolve(base.host, base.port, use);
            if (rec)
                co_return core::Error{core::Errc::Unavailable,
                                      "resolve " + base.host + ": " + rec.message()};
            conn = std::make_unique<Impl::Conn>(impl_->executor);
            conn->stream.expires_after(timeout);
            auto [cec, ep] = co_await conn->stream.async_connect(results, use);
            if (cec)
                co_return core::Error{
                    cec == beast::error::timeout ? core::Errc::Timeout : core::Errc::Unavailable,
                    "connect " + key + ": " + cec.message()};
        }
        conn->stream.expires_after(timeout);
        auto [wec, wn] = co_await http::async_write(conn->stream, req, use);
        if (wec) {
            if (reused && attempt == 0) continue;  // never reached the server: send again
            co_return core::Error{core::Errc::Unavailable, "send to " + key + ": " + wec.message()};
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(16 << 20);
        auto [rec, rn] = co_await http::async_read(conn->stream, conn->buffer, parser, use);
        if (rec) {
            if (reused && attempt == 0 && idempotent) continue;
            co_return core::Error{
                rec == beast::error::timeout ? core::Errc::Timeout : core::Errc::Unavailable,
                "no answer from " + key + " (" + rec.message() + ")"};
        }
        auto& res = parser.get();
        ClientReply reply;
        reply.status = static_cast<int>(res.result_int());
        for (const auto& field : res)
            reply.headers.emplace_back(std::string{field.name_string()},
                                       std::string{field.value()});
        reply.body = std::move(res.body());
        if (res.keep_alive()) {
            auto& slot = impl_->idle[key];
            if (slot.size() < impl_->max_idle_per_host) {
                conn->stream.expires_never();
                conn->idle_since = std::chrono::steady_clock::now();
                slot.push_back(std::move(conn));
            }
        }
        co_return reply;
    }
}

}  // namespace meridian::net
