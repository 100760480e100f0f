// HttpServer and the WebSocket connections it upgrades: Beast stays in this file.
#include "net/http_server.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "net/websocket.hpp"

namespace meridian::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto use = asio::as_tuple(asio::use_awaitable);

namespace {

std::string lower(std::string_view s) {
    std::string out{s};
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

http::response<http::string_body> to_beast(const Response& r, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "meridian");
    res.set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) {
        res.set(k, v);
    }
    res.keep_alive(keep_alive && !r.close);
    res.body() = r.body;
    res.prepare_payload();
    return res;
}

/// A WebSocket session: a reader coroutine and a writer coroutine over one stream; the queue
/// between them is bounded.
class WsSession final : public WsConnection, public std::enable_shared_from_this<WsSession> {
public:
    static constexpr std::size_t kQueueLimit = 1024;
    explicit WsSession(websocket::stream<beast::tcp_stream> ws)
        : ws_{std::move(ws)}, wake_{ws_.get_executor()} {
        wake_.expires_at(std::chrono::steady_clock::time_point::max());
    }

    bool send(std::string text) override { return enqueue(std::move(text), false); }
    bool send_binary(std::string bytes) override { return enqueue(std::move(bytes), true); }
    bool enqueue(std::string data, bool binary) {
        {
            std::lock_guard lock{mutex_};
            if (closed_) return false;
            if (queue_.size() >= kQueueLimit) {
                closed_ = true;
                slow_ = true;
            } else {
                queue_.emplace_back(std::move(data), binary);
            }
        }
        asio::post(ws_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
        return !slow_;
    }
    void close() override {
        {
            std::lock_guard lock{mutex_};
            closed_ = true;
        }
        asio::post(ws_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
    }
    void on_message(std::function<void(std::string_view)> f) override {
        on_message_ = std::move(f);
    }
    void on_close(std::function<void()> f) override { on_close_ = std::move(f); }
    std::size_t queue_limit() const override { return kQueueLimit; }

    asio::awaitable<void> run() {
        auto self = shared_from_this();
        asio::co_spawn(ws_.get_executor(), writer(), asio::detached);
        beast::flat_buffer buffer;
        for (;;) {
            auto [ec, n] = co_await ws_.async_read(buffer, use);
            if (ec) break;
            if (on_message_) on_message_(beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
        }
        {
            std::lock_guard lock{mutex_};
            closed_ = true;
        }
        wake_.cancel();
        if (on_close_) on_close_();
        on_close_ = nullptr;
        on_message_ = nullptr;
    }

private:
    asio::awaitable<void> writer() {
        auto self = shared_from_this();
        for (;;) {
            std::deque<std::pair<std::string, bool>> batch;
            bool closed = false;
            bool slow = false;
            {
                std::lock_guard lock{mutex_};
                batch.swap(queue_);
                closed = closed_;
                slow = slow_;
            }
            for (auto& [data, binary] : batch) {
                ws_.binary(binary);
                auto [ec, n] = co_await ws_.async_write(asio::buffer(data), use);
                if (ec) co_return;
            }
            if (closed) {
                websocket::close_reason why{slow ? websocket::close_code::policy_error
                                                 : websocket::close_code::normal};
                if (slow) why.reason = "slow consumer: queue full";
                auto [ec] = co_await ws_.async_close(why, use);
                (void)ec;
                co_return;
            }
            bool empty = false;
            {
                std::lock_guard lock{mutex_};
                empty = queue_.empty() && !closed_;
            }
            if (empty) {
                wake_.expires_at(std::chrono::steady_clock::time_point::max());
                auto [ec] = co_await wake_.async_wait(use);
                (void)ec;
            }
        }
    }

    websocket::stream<beast::tcp_stream> ws_;
    asio::steady_timer wake_;
    std::mutex mutex_;
    std::deque<std::pair<std::string, bool>> queue_;  // data, binary
    bool closed_ = false;
    std::atomic<bool> slow_ = false;
    std::function<void(std::string_view)> on_message_;
    std::function<void()> on_close_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Impl(asio::io_context& io, ServerOptions o, HttpHandler& h)
        : ioc{io}, options{std::move(o)}, handler{h}, acceptor{io} {}

    asio::io_context& ioc;
    ServerOptions options;
    HttpHandler& handler;
    tcp::acceptor acceptor;
    std::atomic<std::size_t> active{0};
    bool stopping = false;
    // Connections waiting for a request (closed at stop); touched only on the loop.
    std::set<beast::tcp_stream*> idle;

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use);
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
                continue;  // e.g. too many open files: keep serving the others
            }
            socket.set_option(tcp::no_delay{true}, ec);
            asio::co_spawn(ioc, session(beast::tcp_stream{std::move(socket)}), asio::detached);
        }
    }

    asio::awaitable<void> reply(beast::tcp_stream& stream, const Response& r, unsigned version,
                                bool keep_alive) {
        auto res = to_beast(r, version, keep_alive);
        auto [ec, n] = co_await http::async_write(stream, res, use);
        (void)ec;
    }

    /// After refusing a request whose body was not read: stop sending, then read and discard what
    /// the client is still sending for a while, so that it reads our answer instead of a reset
    /// (nginx's lingering close).
    static asio::awaitable<void> linger(beast::tcp_stream& stream) {
        boost::system::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream.expires_after(std::chrono::seconds(2));
        std::array<char, 16384> sink{};
        std::size_t total = 0;
        while (total < (64u << 20)) {
            auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), use);
            if (rec) break;
            total += n;
        }
    }

    asio::awaitable<void> session(beast::tcp_stream stream) {
        auto self = shared_from_this();
        const std::size_t now_active = active.fetch_add(1) + 1;
        struct Guard {
            Impl& impl;
            beast::tcp_stream* s;
            ~Guard() {
                impl.idle.erase(s);
                impl.active.fetch_sub(1);
            }
        } guard{*this, &stream};
        if (now_active > options.max_connections) {
            Response r = Response::error(503, "too many connections");
            r.headers.emplace_back("Retry-After", "1");
            co_await reply(stream, r, 11, false);
            stream.socket().shutdown(tcp::socket::shutdown_send);
            co_return;
        }
        std::string remote;
        {
            boost::system::error_code ec;
            auto ep = stream.socket().remote_endpoint(ec);
            if (!ec) remote = ep.address().to_string();
        }
        beast::flat_buffer buffer;
        for (;;) {
            if (stopping) break;
            http::request_parser<http::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
            // No limit while reading the header (Beast would refuse a large Content-Length there,
            // before the credentials are checked); the limit applies to the body below.
            parser.body_limit(boost::none);
            stream.expires_after(options.read_timeout);
            idle.insert(&stream);
            auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use);
            idle.erase(&stream);
            if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
                ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
                break;
            }
            if (ec) {
                const bool too_big = ec == http::error::header_limit;
                // Named, not a temporary: GCC 12 destroys temporaries in co_await twice.
                const Response err = Response::error(
                    too_big ? 431 : 400, too_big ? std::string{"request headers too large"}
                                                 : "malformed HTTP request: " + ec.message());
                co_await reply(stream, err, 11, false);
                break;
            }
            auto& head = parser.get();
            const unsigned version = head.version();
            Request req;
            req.method = std::string{head.method_string()};
            req.remote = remote;
            for (const auto& field : head) {
                req.headers[lower(field.name_string())] = std::string{field.value()};
            }
            if (!parse_target(head.target(), req.path, req.query)) {
                const Response err = Response::error(400, "malformed request target");
                co_await reply(stream, err, version, false);
                break;
            }
            if (auto refused = handler.admit(req)) {
                // The body is not read: answer and close unless there is none.
                const bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
                co_await reply(stream, *refused, version, head.keep_alive() && !has_body);
                if (has_body) {
                    co_await linger(stream);
                }
                if (has_body || !head.keep_alive()) break;
                continue;
            }
            if (websocket::is_upgrade(head)) {
                auto upgrade_req = parser.release();
                stream.expires_never();
                websocket::stream<beast::tcp_stream> ws{std::move(stream)};
                ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
                ws.read_message_max(64 << 10);
                auto [aec] = co_await ws.async_accept(upgrade_req, use);
                if (aec) co_return;
                auto conn = std::make_shared<WsSession>(std::move(ws));
                handler.upgrade(req, conn);
                co_await conn->run();
                co_return;
            }
            if (parser.content_length() && *parser.content_length() > options.body_limit) {
                const Response err = Response::error(413, "request body too large");
                co_await reply(stream, err, version, false);
                co_await linger(stream);
                break;
            }
            parser.body_limit(options.body_limit);
            if (lower(head[http::field::expect]) == "100-continue") {
                http::response<http::empty_body> cont{http::status::continue_, version};
                auto [cec, cn] = co_await http::async_write(stream, cont, use);
                if (cec) break;
            }
            auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use);
            if (bec == http::error::body_limit) {
                const Response err = Response::error(413, "request body too large");
                co_await reply(stream, err, version, false);
                co_await linger(stream);
                break;
            }
            if (bec) {
                if (bec != beast::error::timeout && bec != http::error::end_of_stream) {
                    const Response err = Response::error(400, "malformed request body");
                    co_await reply(stream, err, version, false);
                }
                break;
            }
            const bool keep_alive = parser.get().keep_alive();
            req.body = std::move(parser.get().body());
            Response res = co_await handler.handle(req);
            if (res.drop) break;  // no answer at all: the connection just ends
            const bool keep = keep_alive && !res.close && !stopping;
            co_await reply(stream, res, version, keep);
            if (!keep) break;
        }
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
};

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, HttpHandler& handler)
    : impl_{std::make_shared<Impl>(ioc, std::move(options), handler)} {}

HttpServer::~HttpServer() = default;

core::Result<std::uint16_t> HttpServer::listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(impl_->options.bind, ec);
    if (ec) {
        return core::Error{core::Errc::InvalidArgument,
                           "bad bind address '" + impl_->options.bind + "'"};
    }
    tcp::endpoint ep{address, impl_->options.port};
    auto& a = impl_->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return core::Error{core::Errc::Unavailable, "cannot listen on " + impl_->options.bind +
                                                        ":" + std::to_string(impl_->options.port) +
                                                        ": " + ec.message()};
    }
    const auto port = a.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
    return port;
}

void HttpServer::stop() {
    asio::post(impl_->ioc, [impl = impl_] {
        impl->stopping = true;
        boost::system::error_code ec;
        impl->acceptor.close(ec);
        for (auto* s : impl->idle) {
            s->cancel();
        }
        impl->idle.clear();
    });
}

std::size_t HttpServer::connections() const {
    return impl_->active.load();
}

}  // namespace meridian::net
