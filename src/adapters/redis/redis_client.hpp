// RedisClient: one synchronous hiredis connection (RESP2), with pipelining and clear errors.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

struct redisContext;
struct redisReply;

namespace meridian::redis {

/// Where a Redis server is: parsed from `redis://[:PASSWORD@]HOST[:PORT][/DB]`.
struct Endpoint {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;
    int db = 0;

    /// "redis://host:port" (never the password).
    std::string to_string() const;
};

/// Parses a redis:// URL; InvalidArgument names what is wrong.
core::Result<Endpoint> parse_url(std::string_view url);

/// A reply: a tree of strings, integers and arrays. Errors from the server are not replies:
/// commands return them as core::Error (code Rejected, the server's message).
struct Reply {
    enum class Type { Nil, String, Integer, Array, Status };
    Type type = Type::Nil;
    std::string str;  // String and Status
    long long integer = 0;
    std::vector<Reply> elements;

    bool is_nil() const noexcept { return type == Type::Nil; }
    /// The string of a String/Status reply, or the integer as text; "" for Nil.
    std::string text() const;
};

/// A blocking connection. Not thread-safe: one owner thread. A network failure leaves it
/// broken (ok() false, every later call Unavailable) so the owner reconnects.
class RedisClient {
public:
    /// Connects (and AUTH/SELECT when the endpoint says so) within `timeout`.
    static core::Result<std::unique_ptr<RedisClient>> connect(const Endpoint& endpoint,
                                                              std::chrono::milliseconds timeout);
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    bool ok() const noexcept;
    /// Sends one command and waits for its reply.
    core::Result<Reply> command(const std::vector<std::string>& args);
    /// Sends all commands in one write, then reads every reply in order (pipelining). The outer
    /// Result fails on a network error; each inner one carries that command's server error.
    core::Result<std::vector<core::Result<Reply>>> pipeline(
        const std::vector<std::vector<std::string>>& commands);
    /// Read timeout for later replies (a blocking XREADGROUP adds its own block time to it).
    void set_timeout(std::chrono::milliseconds timeout);

private:
    explicit RedisClient(redisContext* context) : context_{context} {}
    core::Error broken(std::string_view what);

    redisContext* context_;
    bool broken_ = false;
};

}  // namespace meridian::redis
