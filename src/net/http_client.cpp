// http_post and HttpPool over Beast tcp_streams, TLS through OpenSSL when the URL says https.
#include "net/http_client.hpp"

#include <deque>
#include <map>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace meridian::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use = asio::as_tuple(asio::use_awaitable);

core::Result<Url> Url::parse(std::string_view text) {
    Url u;
    std::string_view default_port;
    for (auto [scheme, tls, port] : {std::tuple{"http://", false, "80"},
                                     {"https://", true, "443"},
                                     {"ws://", false, "80"},
                                     {"wss://", true, "443"}}) {
        if (text.starts_with(scheme)) {
            text.remove_prefix(std::string_view{scheme}.size());
            u.tls = tls;
            default_port = port;
            break;
        }
    }
    if (default_port.empty()) {
        return core::invalid("url must start with http://, https://, ws:// or wss:// (got '" +
                             std::string{text} + "')");
    }
    const auto slash = text.find('/');
    std::string_view authority = text.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string{text.substr(slash)};
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
        u.host = std::string{authority.substr(0, colon)};
        u.port = std::string{authority.substr(colon + 1)};
        if (u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos) {
            return core::invalid("url has a bad port");
        }
    } else {
        u.host = std::string{authority};
        u.port = std::string{default_port};
    }
    if (u.host.empty()) return core::invalid("url has no host");
    return u;
}

bool set_sni(void* ssl_handle, const std::string& host) {
    // SSL_set_tlsext_host_name, without its macro's casts.
    return SSL_ctrl(static_cast<SSL*>(ssl_handle), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                    TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) == 1;
}

asio::awaitable<core::Result<ClientReply>> http_post(asio::any_io_executor executor, const Url& url,
                                                     std::string body,
                                                     std::chrono::milliseconds timeout) {
    HttpPool pool{std::move(executor), 0};  // keeps no connection
    ClientRequest req{"POST", url.target, {{"Content-Type", "application/json"}}, std::move(body)};
    auto reply = co_await pool.request(url, std::move(req), timeout);
    co_return reply;
}

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

core::Errc errc_of(const boost::system::error_code& ec) {
    return ec == beast::error::timeout ? core::Errc::Timeout : core::Errc::Unavailable;
}

}  // namespace

struct HttpPool::Impl {
    struct Conn {
        std::unique_ptr<beast::tcp_stream> plain;
        std::unique_ptr<TlsStream> tls;
        beast::flat_buffer buffer;
        std::chrono::steady_clock::time_point idle_since;
        beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
    };
    asio::any_io_executor executor;
    std::size_t max_idle_per_host;
    std::chrono::milliseconds max_idle;
    std::map<std::string, std::deque<std::unique_ptr<Conn>>> idle;
    std::unique_ptr<asio::ssl::context> ssl;  // made on the first https request
    TlsOptions tls_options;

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

    core::Result<asio::ssl::context*> context() {
        if (ssl) return ssl.get();
        auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        boost::system::error_code ec;
        ctx->set_default_verify_paths(ec);
        if (ec) {
            return core::Error{core::Errc::Unavailable, "TLS: no CA certificates: " + ec.message()};
        }
        if (!tls_options.ca_file.empty()) {
            ctx->load_verify_file(tls_options.ca_file, ec);
            if (ec) {
                return core::Error{core::Errc::InvalidArgument,
                                   "TLS: cannot load " + tls_options.ca_file + ": " + ec.message()};
            }
        }
        ctx->set_verify_mode(asio::ssl::verify_peer);
        ssl = std::move(ctx);
        return ssl.get();
    }

    /// A new connection to `base`, TLS handshake done when it is https.
    asio::awaitable<core::Result<std::unique_ptr<Conn>>> open(const Url& base,
                                                              std::chrono::milliseconds timeout) {
        const std::string key = base.authority();
        asio::ip::tcp::resolver resolver{executor};
        auto [rec, results] = co_await resolver.async_resolve(base.host, base.port, use);
        if (rec) {
            co_return core::Error{core::Errc::Unavailable,
                                  "resolve " + base.host + ": " + rec.message()};
        }
        auto conn = std::make_unique<Conn>();
        if (base.tls) {
            auto ctx = context();
            if (!ctx) co_return ctx.error();
            conn->tls = std::make_unique<TlsStream>(executor, **ctx);
            if (!set_sni(conn->tls->native_handle(), base.host)) {
                co_return core::Error{core::Errc::Unavailable, "TLS: cannot set SNI"};
            }
            conn->tls->set_verify_callback(asio::ssl::host_name_verification(base.host));
        } else {
            conn->plain = std::make_unique<beast::tcp_stream>(executor);
        }
        conn->tcp().expires_after(timeout);
        auto [cec, ep] = co_await conn->tcp().async_connect(results, use);
        if (cec) co_return core::Error{errc_of(cec), "connect " + key + ": " + cec.message()};
        if (conn->tls) {
            auto [hec] = co_await conn->tls->async_handshake(asio::ssl::stream_base::client, use);
            if (hec) {
                co_return core::Error{errc_of(hec),
                                      "TLS handshake with " + key + ": " + hec.message()};
            }
        }
        co_return conn;
    }
};

HttpPool::HttpPool(asio::any_io_executor executor, std::size_t max_idle_per_host,
                   std::chrono::milliseconds max_idle, TlsOptions tls)
    : impl_{std::make_unique<Impl>()} {
    impl_->executor = std::move(executor);
    impl_->max_idle_per_host = max_idle_per_host;
    impl_->max_idle = max_idle;
    impl_->tls_options = std::move(tls);
}

HttpPool::~HttpPool() = default;

std::size_t HttpPool::idle() const {
    std::size_t n = 0;
    for (const auto& [key, conns] : impl_->idle) {
        n += conns.size();
    }
    return n;
}

asio::awaitable<core::Result<ClientReply>> HttpPool::request(const Url& base, ClientRequest request,
                                                             std::chrono::milliseconds timeout) {
    const std::string key = (base.tls ? "tls:" : "") + base.authority();
    const bool idempotent = request.method == "GET" || request.method == "HEAD" ||
                            request.method == "PUT" || request.method == "DELETE" ||
                            request.method == "OPTIONS";
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    req.set(http::field::host, base.host);
    req.set(http::field::user_agent, "meridian");
    for (const auto& [name, value] : request.headers) {
        req.set(name, value);
    }
    req.body() = std::move(request.body);
    req.keep_alive(true);
    req.prepare_payload();

    for (int attempt = 0;; ++attempt) {
        auto conn = impl_->take(key);
        const bool reused = conn != nullptr;
        if (!conn) {
            auto opened = co_await impl_->open(base, timeout);
            if (!opened) co_return opened.error();
            conn = std::move(*opened);
        }
        conn->tcp().expires_after(timeout);
        auto [wec, wn] = conn->tls ? co_await http::async_write(*conn->tls, req, use)
                                   : co_await http::async_write(*conn->plain, req, use);
        if (wec) {
            if (reused && attempt == 0) continue;  // never reached the server: send again
            co_return core::Error{core::Errc::Unavailable,
                                  "send to " + base.authority() + ": " + wec.message()};
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        auto [rec, rn] = conn->tls
                             ? co_await http::async_read(*conn->tls, conn->buffer, parser, use)
                             : co_await http::async_read(*conn->plain, conn->buffer, parser, use);
        if (rec) {
            if (reused && attempt == 0 && idempotent) continue;
            co_return core::Error{
                errc_of(rec), "no answer from " + base.authority() + " (" + rec.message() + ")"};
        }
        auto& res = parser.get();
        ClientReply reply;
        reply.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            reply.headers.emplace_back(std::string{field.name_string()},
                                       std::string{field.value()});
        }
        reply.body = std::move(res.body());
        if (res.keep_alive()) {
            auto& slot = impl_->idle[key];
            if (slot.size() < impl_->max_idle_per_host) {
                conn->tcp().expires_never();
                conn->idle_since = std::chrono::steady_clock::now();
                slot.push_back(std::move(conn));
            }
        }
        co_return reply;
    }
}

}  // namespace meridian::net
