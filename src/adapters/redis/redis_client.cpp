// RedisClient over hiredis: argv commands (binary safe), replies copied out of hiredis' tree.
#include "adapters/redis/redis_client.hpp"

#include <charconv>
#include <cstring>

#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace meridian::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RawReply = std::unique_ptr<redisReply, ReplyDeleter>;

/// Copies a hiredis reply; a server error anywhere at the top becomes a Rejected error.
core::Result<Reply> convert(const redisReply* r) {
    Reply out;
    switch (r->type) {
        case REDIS_REPLY_ERROR:
            return core::Error{core::Errc::Rejected, std::string{r->str, r->len}};
        case REDIS_REPLY_NIL:
            return out;
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::String;
            out.str.assign(r->str, r->len);
            return out;
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::Status;
            out.str.assign(r->str, r->len);
            return out;
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::Integer;
            out.integer = r->integer;
            return out;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::Array;
            out.elements.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i) {
                auto e = convert(r->element[i]);
                // An error inside an array (EXEC, some XINFO fields) is kept as a status.
                if (!e) {
                    Reply err;
                    err.type = Reply::Type::Status;
                    err.str = e.error().message;
                    out.elements.push_back(std::move(err));
                } else {
                    out.elements.push_back(std::move(*e));
                }
            }
            return out;
        default:
            return core::Error{core::Errc::Internal, "redis: unknown reply type"};
    }
}

void append(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
}

}  // namespace

std::string Endpoint::to_string() const {
    return "redis://" + host + ":" + std::to_string(port) +
           (db != 0 ? "/" + std::to_string(db) : "");
}

core::Result<Endpoint> parse_url(std::string_view url) {
    constexpr std::string_view scheme = "redis://";
    if (!url.starts_with(scheme)) {
        return core::invalid("bus URL must start with redis:// (got '" + std::string{url} + "')");
    }
    std::string_view rest = url.substr(scheme.size());
    Endpoint e;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view auth = rest.substr(0, at);
        if (auto colon = auth.find(':'); colon != std::string_view::npos) {
            auth = auth.substr(colon + 1);
        }
        e.password = std::string{auth};
        rest = rest.substr(at + 1);
    }
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (!db.empty()) {
            auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), e.db);
            if (ec != std::errc{} || p != db.data() + db.size() || e.db < 0) {
                return core::invalid("bad database number in '" + std::string{url} + "'");
            }
        }
    }
    if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        std::string_view port = rest.substr(colon + 1);
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), e.port);
        if (ec != std::errc{} || p != port.data() + port.size() || e.port <= 0 || e.port > 65535) {
            return core::invalid("bad port in '" + std::string{url} + "'");
        }
        rest = rest.substr(0, colon);
    }
    if (!rest.empty()) e.host = std::string{rest};
    return e;
}

std::string Reply::text() const {
    if (type == Type::Integer) return std::to_string(integer);
    return str;
}

core::Result<std::unique_ptr<RedisClient>> RedisClient::connect(const Endpoint& endpoint,
                                                                std::chrono::milliseconds timeout) {
    redisContext* c =
        redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(timeout));
    if (c == nullptr) {
        return core::Error{core::Errc::Unavailable, "redis: out of memory connecting"};
    }
    if (c->err != 0) {
        std::string why = c->errstr;
        redisFree(c);
        return core::Error{core::Errc::Unavailable, "redis " + endpoint.to_string() + ": " + why};
    }
    std::unique_ptr<RedisClient> client{new RedisClient{c}};
    client->set_timeout(timeout);
    if (!endpoint.password.empty()) {
        auto r = client->command({"AUTH", endpoint.password});
        if (!r) return r.error();
    }
    if (endpoint.db != 0) {
        auto r = client->command({"SELECT", std::to_string(endpoint.db)});
        if (!r) return r.error();
    }
    return client;
}

RedisClient::~RedisClient() {
    redisFree(context_);
}

bool RedisClient::ok() const noexcept {
    return !broken_ && context_->err == 0;
}

core::Error RedisClient::broken(std::string_view what) {
    broken_ = true;
    return core::Error{core::Errc::Unavailable,
                       "redis " + std::string{what} + ": " +
                           (context_->err != 0 ? context_->errstr : "connection lost")};
}

core::Result<Reply> RedisClient::command(const std::vector<std::string>& args) {
    auto replies = pipeline({args});
    if (!replies) return replies.error();
    return std::move(replies->front());
}

core::Result<std::vector<core::Result<Reply>>> RedisClient::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
    if (!ok()) return broken("connection");
    for (const auto& args : commands) {
        append(context_, args);
    }
    std::vector<core::Result<Reply>> out;
    out.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
            return broken(commands[i].empty() ? "command" : commands[i].front());
        }
        RawReply reply{static_cast<redisReply*>(raw)};
        out.push_back(convert(reply.get()));
    }
    return out;
}

void RedisClient::set_timeout(std::chrono::milliseconds timeout) {
    redisSetTimeout(context_, to_timeval(timeout));
}

}  // namespace meridian::redis
