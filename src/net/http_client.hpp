// HTTP/1.1 clients: one-shot POSTs (webhooks) and a keep-alive pool, plain or TLS (the gateway's
// calls to services in other processes, the Alpaca adapter's REST calls). Beast stays inside
// the .cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/result.hpp"

namespace meridian::net {

struct ClientReply {
    int status = 0;
    std::string body;
    /// Response headers (names as sent), for the pool's callers.
    std::vector<std::pair<std::string, std::string>> headers;
};

struct ClientRequest {
    std::string method = "GET";
    std::string target = "/";  // path and query, encoded
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

/// "scheme://host[:port]/path" split, for http, https, ws and wss (default ports 80 and 443);
/// errors (InvalidArgument) for anything else.
struct Url {
    std::string host;
    std::string port;
    std::string target;
    bool tls = false;  // https or wss
    static core::Result<Url> parse(std::string_view text);
    /// host:port, the pool's key.
    std::string authority() const { return host + ":" + port; }
};

/// How TLS connections check the server: the system's CA certificates (Debian's
/// ca-certificates), plus `ca_file` when set (a local test server's own certificate). The peer
/// and its host name are always verified.
struct TlsOptions {
    std::string ca_file;
};

/// Names `host` in a TLS client hello (SNI), as servers behind shared addresses need.
bool set_sni(void* ssl_handle, const std::string& host);

/// POSTs `body` (JSON) to `url` on `executor`, one connection per call. Errors: Unavailable
/// (resolve, connect, reset), Timeout.
boost::asio::awaitable<core::Result<ClientReply>> http_post(boost::asio::any_io_executor executor,
                                                            const Url& url, std::string body,
                                                            std::chrono::milliseconds timeout);

/// Keep-alive connections per host (TLS for https URLs), reused across requests: a request takes an
/// idle connection (or opens one), and gives it back when the response allows. A reused connection
/// the server closed meanwhile is retried once on a fresh one, but only for idempotent methods
/// (GET, HEAD, PUT, DELETE, OPTIONS) or when the request could not even be sent: a POST whose
/// answer was lost is an unknown outcome (Unavailable), never sent twice. Errors: Unavailable,
/// Timeout. One loop: `executor`'s (not thread-safe).
class HttpPool {
public:
    explicit HttpPool(boost::asio::any_io_executor executor, std::size_t max_idle_per_host = 64,
                      std::chrono::milliseconds max_idle = std::chrono::milliseconds(5000),
                      TlsOptions tls = {});
    ~HttpPool();
    HttpPool(const HttpPool&) = delete;
    HttpPool& operator=(const HttpPool&) = delete;

    /// Sends `request` to `base`'s host and port, over TLS when `base` says so (its target is
    /// ignored).
    boost::asio::awaitable<core::Result<ClientReply>> request(const Url& base,
                                                              ClientRequest request,
                                                              std::chrono::milliseconds timeout);
    /// Idle connections kept now (all hosts).
    std::size_t idle() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meridian::net
