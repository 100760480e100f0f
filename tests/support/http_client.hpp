// A small blocking HTTP/WebSocket client for tests: one keep-alive connection to 127.0.0.1.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

namespace meridian::test {

struct HttpReply {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;
    bool closed = false;  // the server closed the connection after answering
    boost::json::value json() const { return boost::json::parse(body); }
};

class HttpClient {
public:
    explicit HttpClient(std::uint16_t port) : port_{port} {}

    /// Sends one request on the kept connection (reconnecting if the server closed it).
    HttpReply request(const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::map<std::string, std::string>& headers = {}) {
        namespace http = boost::beast::http;
        if (!connected_) connect();
        http::request<http::string_body> req{http::string_to_verb(method), target, 11};
        req.set(http::field::host, "127.0.0.1");
        for (const auto& [k, v] : headers)
            req.set(k, v);
        if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
            req.prepare_payload();
        }
        boost::system::error_code ec;
        http::write(*stream_, req, ec);  // a server may answer (413) before taking it all
        return read_reply();
    }

    /// Writes raw bytes and reads one reply (for malformed requests).
    HttpReply raw(const std::string& bytes) {
        if (!connected_) connect();
        boost::system::error_code ec;
        boost::asio::write(stream_->socket(), boost::asio::buffer(bytes), ec);
        return read_reply();
    }

    void connect() {
        boost::asio::ip::tcp::endpoint ep{boost::asio::ip::make_address("127.0.0.1"), port_};
        stream_.emplace(ioc_);
        stream_->connect(ep);
        buffer_.clear();
        connected_ = true;
    }

private:
    HttpReply read_reply() {
        namespace http = boost::beast::http;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        stream_->expires_after(std::chrono::seconds(20));
        boost::system::error_code ec;
        http::read(*stream_, buffer_, parser, ec);
        HttpReply out;
        if (ec) {
            connected_ = false;
            out.status = -1;
            out.body = ec.message();
            return out;
        }
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        out.body = res.body();
        for (const auto& f : res)
            out.headers[std::string{f.name_string()}] = std::string{f.value()};
        out.closed = !res.keep_alive();
        if (out.closed) connected_ = false;
        return out;
    }

    std::uint16_t port_;
    boost::asio::io_context ioc_;
    std::optional<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
    bool connected_ = false;
};

/// A blocking WebSocket client.
class WsClient {
public:
    WsClient(std::uint16_t port, const std::string& target,
             const std::map<std::string, std::string>& headers = {})
        : ws_{ioc_} {
        boost::asio::ip::tcp::endpoint ep{boost::asio::ip::make_address("127.0.0.1"), port};
        boost::beast::get_lowest_layer(ws_).connect(ep);
        ws_.set_option(boost::beast::websocket::stream_base::decorator(
            [headers](boost::beast::websocket::request_type& req) {
                for (const auto& [k, v] : headers)
                    req.set(k, v);
            }));
        ws_.handshake("127.0.0.1", target);
    }
    void send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
    /// The next message, or nothing when the connection closed or `timeout` passed.
    std::optional<std::string> receive(
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        boost::beast::get_lowest_layer(ws_).expires_after(timeout);
        boost::beast::flat_buffer buffer;
        boost::system::error_code ec;
        ws_.read(buffer, ec);
        if (ec) return std::nullopt;
        return boost::beast::buffers_to_string(buffer.data());
    }

private:
    boost::asio::io_context ioc_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
};

}  // namespace meridian::test
