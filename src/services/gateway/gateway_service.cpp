// GatewayService: admission (route, credentials, role, rate), dispatch, audit, WebSocket hub.
#include "services/gateway/gateway_service.hpp"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "net/websocket.hpp"
#include "services/common/codec.hpp"
#include "services/gateway/auth.hpp"

namespace meridian::services {

namespace asio = boost::asio;
namespace json = boost::json;
using net::Request;
using net::Response;

namespace {

constexpr const char* kJwtSecretKey = "gateway/jwt_secret";

std::string_view bearer(const Request& req) {
    std::string_view h = req.header("authorization");
    constexpr std::string_view prefix = "Bearer ";
    if (h.size() <= prefix.size()) return {};
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(h[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i]))) {
            return {};
        }
    }
    return h.substr(prefix.size());
}

const std::map<std::string, std::string>& channel_of_topic() {
    static const std::map<std::string, std::string> m{{"md.quotes", "quotes"},
                                                      {"md.bars", "bars"},
                                                      {"signals", "signals"},
                                                      {"orders", "orders"},
                                                      {"positions", "positions"},
                                                      {"risk.events", "risk"},
                                                      {"notifications", "notifications"},
                                                      {"account", "account"}};
    return m;
}

const std::set<std::string>& known_channels() {
    static const std::set<std::string> s{"quotes",    "bars", "signals",       "orders", "fills",
                                         "positions", "risk", "notifications", "account"};
    return s;
}

}  // namespace

struct GatewayService::WsClient {
    std::shared_ptr<net::WsConnection> conn;
    bool authed = false;
    Role role = Role::Viewer;
    std::set<std::string> channels;
    std::set<std::string> symbols;  // empty: all
};

GatewayService::GatewayService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                               net::Router& router, store::KeyStore& keys, store::AuditLog& audit,
                               store::SettingsStore& settings, GatewayConfig config,
                               std::function<bool(std::string_view)> service_ready)
    : Service{"gateway", bus, clock, metrics},
      router_{router},
      keys_{keys},
      audit_log_{audit},
      settings_{settings},
      config_{std::move(config)},
      service_ready_{std::move(service_ready)} {
    metrics_.counter("meridian_http_requests_total", "HTTP requests answered.",
                     {"method", "route", "status"});
    metrics_.histogram(
        "meridian_http_request_duration_seconds",
        "Time from the request's headers to its response.", {"method", "route"},
        {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
    metrics_.gauge("meridian_http_connections", "Open HTTP and WebSocket connections.");
    metrics_.gauge("meridian_ws_clients", "WebSocket clients.");
    metrics_.gauge("meridian_bus_queue_depth", "Bus messages sent to a subscriber, not handled.",
                   {"topic", "subscriber"});
    metrics_.collector([this](Metrics& m) {
        m.clear("meridian_bus_queue_depth");
        for (const auto& q : bus_.queue_depths()) {
            m.set("meridian_bus_queue_depth", {q.topic, q.subscriber},
                  static_cast<double>(q.depth));
        }
        if (server_) {
            m.set("meridian_http_connections", {}, static_cast<double>(server_->connections()));
        }
    });
    audit_thread_ = std::thread{[this] {
        name_this_thread("gateway-audit");
        audit_loop();
    }};
}

GatewayService::~GatewayService() {
    stop();
    {
        std::lock_guard lock{audit_mutex_};
        audit_stop_ = true;
    }
    audit_wake_.notify_one();
    if (audit_thread_.joinable()) audit_thread_.join();
}

void GatewayService::on_start() {
    auto secret = settings_.get(kJwtSecretKey);
    if (secret && *secret) {
        jwt_secret_ = **secret;
    } else {
        jwt_secret_ = random_hex(32);
        if (auto ok = settings_.put(kJwtSecretKey, jwt_secret_, clock_.now()); !ok) {
            std::fprintf(stderr, "gateway: JWT secret not stored: %s\n",
                         ok.error().message.c_str());
        }
    }
    reload_keys();
    if (config_.remote) {
        subscribe("discovery", [this](const bus::Envelope& e) { config_.remote->heard(e.data); });
    }
    subscribe("config", [this](const bus::Envelope& e) {
        const auto* key = e.data.if_contains("key");
        const auto* value = e.data.if_contains("value");
        if (key && value && *key == "rate_limit_per_minute" && value->is_number()) {
            config_.rate_limit_per_minute = value->to_number<std::uint32_t>();
        }
    });
    set_ready(true);
}

void GatewayService::on_stop() {
    for (const auto& c : ws_clients_) {
        c->conn->close();
    }
    ws_clients_.clear();
    topic_subscriptions_.clear();
}

void GatewayService::update_topics() {
    for (const auto& [topic, channel] : channel_of_topic()) {
        bool wanted = false;
        for (const auto& c : ws_clients_) {
            // The "fills" channel is the fill events of the "orders" topic.
            wanted =
                wanted || (c->authed && (c->channels.contains(channel) ||
                                         (topic == "orders" && c->channels.contains("fills"))));
        }
        const auto it = topic_subscriptions_.find(topic);
        if (wanted && it == topic_subscriptions_.end()) {
            topic_subscriptions_.emplace(
                topic,
                bus_.subscribe(topic, name(), executor(),
                               [this, ch = channel](const bus::Envelope& e) { broadcast(ch, e); }));
        } else if (!wanted && it != topic_subscriptions_.end()) {
            topic_subscriptions_.erase(it);
        }
    }
}

core::Result<std::uint16_t> GatewayService::listen() {
    server_ = std::make_unique<net::HttpServer>(ioc_, config_.server, *this);
    auto port = server_->listen();
    if (port) set_address("http://" + config_.server.bind + ":" + std::to_string(*port));
    return port;
}

void GatewayService::stop_listening() {
    if (server_) server_->stop();
}

void GatewayService::reload_keys() {
    auto all = keys_.keys();
    if (!all) return;
    keys_by_hash_.clear();
    for (const auto& k : *all) {
        auto role = parse_role(k.role);
        keys_by_hash_[k.hash] =
            KeyInfo{k.id, role.value_or(Role::Viewer), k.revoked_at.has_value()};
    }
    keys_loaded_ = clock_.now();
}

std::optional<GatewayService::KeyInfo> GatewayService::find_key(const std::string& hash) {
    auto it = keys_by_hash_.find(hash);
    if (it == keys_by_hash_.end()) {
        // A key made by `meridian keys create` while we run: one indexed read of the store.
        auto found = keys_.find_key(hash);
        if (!found || !*found) return std::nullopt;
        const auto& k = **found;
        it = keys_by_hash_
                 .insert_or_assign(k.hash, KeyInfo{k.id, parse_role(k.role).value_or(Role::Viewer),
                                                   k.revoked_at.has_value()})
                 .first;
    } else if (clock_.now() - keys_loaded_ > core::Duration::seconds(1)) {
        // Revocations made elsewhere reach us within a second.
        reload_keys();
        it = keys_by_hash_.find(hash);
        if (it == keys_by_hash_.end()) return std::nullopt;
    }
    if (it->second.revoked) return std::nullopt;
    return it->second;
}

std::optional<Response> GatewayService::admit(Request& req) {
    auto m = router_.match(req.method, req.path);
    req.route = m.route;
    req.match_status = m.status;
    req.params = std::move(m.params);
    const bool public_route =
        (m.route && m.route->min_role == 0) ||
        (req.method == "GET" && req.path == "/metrics" && config_.metrics_public);
    if (public_route) return std::nullopt;
    if (m.route && m.route->service != name() && service_ready_ &&
        !service_ready_(m.route->service)) {
        Response r = Response::error(503, "the " + m.route->service + " service is not ready");
        r.headers.emplace_back("Retry-After", "1");
        return r;
    }
    const std::string_view token = bearer(req);
    if (token.empty()) {
        Response r =
            Response::error(401, "unauthorized: send Authorization: Bearer <api key or token>");
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
    }
    Role role = Role::Viewer;
    if (token.starts_with("mk_")) {
        auto key = find_key(sha256_hex(token));
        if (!key) return Response::error(401, "unauthorized: unknown or revoked key");
        req.principal = key->id;
        role = key->role;
    } else {
        auto claims = verify_jwt(token, jwt_secret_, clock_.now());
        if (!claims) return Response::error(401, "unauthorized: " + claims.error().message);
        // A token dies with its key.
        bool live = false;
        for (const auto& [hash, k] : keys_by_hash_) {
            live = live || (k.id == claims->subject && !k.revoked);
        }
        if (!live) return Response::error(401, "unauthorized: the token's key is revoked");
        req.principal = claims->subject;
        role = claims->role;
    }
    req.role = static_cast<int>(role);
    // Rate limit: a bucket of a minute's allowance per key, refilled continuously.
    const auto now = clock_.now();
    const double capacity = config_.rate_limit_per_minute;
    auto [it, fresh] = buckets_.try_emplace(req.principal, Bucket{capacity, now});
    Bucket& b = it->second;
    if (!fresh) {
        const double elapsed = static_cast<double>((now - b.at).ns) / 1e9;
        b.tokens = std::min(capacity, b.tokens + elapsed * capacity / 60.0);
        b.at = now;
    }
    if (b.tokens < 1) {
        const double wait = (1 - b.tokens) * 60.0 / capacity;
        Response r = Response::error(
            429, "rate limit exceeded: " + std::to_string(config_.rate_limit_per_minute) +
                     " requests per minute per key");
        r.headers.emplace_back("Retry-After", std::to_string(static_cast<int>(std::ceil(wait))));
        return r;
    }
    b.tokens -= 1;
    if (m.route && static_cast<int>(role) < m.route->min_role) {
        return Response::error(403,
                               "forbidden: this needs the " +
                                   std::string{to_string(static_cast<Role>(m.route->min_role))} +
                                   " role; the key is " + std::string{to_string(role)});
    }
    return std::nullopt;
}

asio::awaitable<Response> GatewayService::handle(Request& req) {
    const auto started = std::chrono::steady_clock::now();
    const net::Route* route = req.route;  // matched in admit()
    std::string route_name = route ? route->pattern : "unmatched";
    Response res;
    if (req.method == "GET" && req.path == "/metrics" && !route) {
        res = Response::text(200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
        route_name = "/metrics";
    } else if (!route) {
        res = req.match_status == 405 ? Response::error(405, "method not allowed")
                                      : Response::error(404, "not found: " + req.path);
    } else {
        res = co_await call_route(*route, req, executor());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.inc("meridian_http_requests_total",
                 {req.method, route_name, std::to_string(res.status)});
    metrics_.observe("meridian_http_request_duration_seconds", {req.method, route_name}, seconds);
    if (req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS") {
        audit(req, res.status);
    }
    co_return res;
}

void GatewayService::audit(const Request& req, int status) {
    store::AuditEntry e;
    e.ts = clock_.now();
    e.principal = req.principal.empty() ? "anonymous" : req.principal;
    e.action = req.method + " " + req.path;
    e.target = req.path;
    e.status = status;
    e.detail = req.remote;
    bool first = false;
    {
        std::lock_guard lock{audit_mutex_};
        first = audit_queue_.empty();
        audit_queue_.push_back(std::move(e));
    }
    // The writer waits for the first entry of a batch; later ones it takes when it commits.
    if (first) audit_wake_.notify_one();
}

void GatewayService::audit_loop() {
    // At most one commit (one fsync) each 20 ms: under load the entries of many requests share
    // it instead of each batch of one or two paying for its own.
    constexpr auto kLinger = std::chrono::milliseconds(20);
    auto last = std::chrono::steady_clock::now() - kLinger;
    for (;;) {
        std::vector<store::AuditEntry> batch;
        {
            std::unique_lock lock{audit_mutex_};
            audit_wake_.wait(lock, [this] { return audit_stop_ || !audit_queue_.empty(); });
            audit_wake_.wait_until(lock, last + kLinger, [this] { return audit_stop_; });
            if (audit_queue_.empty()) return;
            batch.swap(audit_queue_);
        }
        last = std::chrono::steady_clock::now();
        if (auto ok = audit_log_.append_all(batch); !ok) {
            std::fprintf(stderr, "gateway: audit entries not stored: %s\n",
                         ok.error().message.c_str());
        }
    }
}

void GatewayService::upgrade(Request& req, std::shared_ptr<net::WsConnection> conn) {
    auto client = std::make_shared<WsClient>();
    client->conn = conn;
    if (!req.principal.empty()) {
        client->authed = true;
        client->role = static_cast<Role>(req.role);
    }
    ws_clients_.insert(client);
    metrics_.set("meridian_ws_clients", {}, static_cast<double>(ws_clients_.size()));
    std::weak_ptr<WsClient> weak = client;
    auto reply = [](WsClient& c, json::object data) {
        c.conn->send(
            json::serialize(json::object{{"channel", "control"}, {"data", std::move(data)}}));
    };
    conn->on_close([this, weak] {
        if (auto c = weak.lock()) ws_clients_.erase(c);
        metrics_.set("meridian_ws_clients", {}, static_cast<double>(ws_clients_.size()));
        update_topics();
    });
    conn->on_message([this, weak, reply](std::string_view text) {
        auto c = weak.lock();
        if (!c) return;
        auto msg = parse_object(text);
        if (!msg) return reply(*c, {{"status", "error"}, {"message", msg.error().message}});
        auto action = string_field(*msg, "action");
        if (!action || !*action) {
            return reply(*c, {{"status", "error"}, {"message", "action: is required"}});
        }
        if (**action == "auth") {
            auto key = string_field(*msg, "key");
            std::optional<Role> role;
            std::string who;
            if (key && *key) {
                if ((*key)->starts_with("mk_")) {
                    if (auto k = find_key(sha256_hex(**key))) {
                        role = k->role;
                        who = k->id;
                    }
                } else if (auto claims = verify_jwt(**key, jwt_secret_, clock_.now())) {
                    role = claims->role;
                    who = claims->subject;
                }
            }
            if (!role) {
                reply(*c, {{"status", "error"}, {"code", 40110000}, {"message", "unauthorized"}});
                c->conn->close();
                return;
            }
            c->authed = true;
            c->role = *role;
            return reply(
                *c, {{"status", "authenticated"}, {"key_id", who}, {"role", to_string(*role)}});
        }
        if (!c->authed) {
            reply(*c, {{"status", "error"},
                       {"code", 40110000},
                       {"message", "authenticate first: {\"action\":\"auth\",\"key\":\"...\"}"}});
            c->conn->close();
            return;
        }
        if (**action == "subscribe" || **action == "unsubscribe") {
            const bool add = **action == "subscribe";
            std::set<std::string> channels;
            std::set<std::string> symbols;
            if (const auto* ch = msg->if_contains("channels"); ch && ch->is_array()) {
                for (const auto& v : ch->get_array()) {
                    if (!v.is_string() || !known_channels().contains(std::string{v.get_string()})) {
                        return reply(*c, {{"status", "error"},
                                          {"message",
                                           "unknown channel; channels are quotes, bars, "
                                           "signals, orders, fills, positions, risk, "
                                           "notifications, account"}});
                    }
                    channels.insert(std::string{v.get_string()});
                }
            }
            if (const auto* sy = msg->if_contains("symbols"); sy && sy->is_array()) {
                for (const auto& v : sy->get_array()) {
                    if (!v.is_string() || !core::Symbol::parse(v.get_string())) {
                        return reply(*c, {{"status", "error"}, {"message", "symbols: bad symbol"}});
                    }
                    symbols.insert(std::string{v.get_string()});
                }
            }
            for (const auto& ch : channels) {
                if (add) {
                    c->channels.insert(ch);
                } else {
                    c->channels.erase(ch);
                }
            }
            for (const auto& s : symbols) {
                if (add) {
                    c->symbols.insert(s);
                } else {
                    c->symbols.erase(s);
                }
            }
            update_topics();
            json::array chs;
            for (const auto& ch : c->channels) {
                chs.push_back(json::value(ch));
            }
            json::array sys;
            for (const auto& s : c->symbols) {
                sys.push_back(json::value(s));
            }
            return reply(*c, {{"status", "subscribed"},
                              {"channels", std::move(chs)},
                              {"symbols", std::move(sys)}});
        }
        reply(*c, {{"status", "error"}, {"message", "unknown action: " + **action}});
    });
}

void GatewayService::broadcast(const std::string& channel, const bus::Envelope& e) {
    if (ws_clients_.empty()) return;
    auto symbol_of = [](const json::object& d) -> std::string {
        if (const auto* s = d.if_contains("symbol"); s && s->is_string()) {
            return std::string{s->get_string()};
        }
        if (const auto* o = d.if_contains("order"); o && o->is_object()) {
            if (const auto* s = o->get_object().if_contains("symbol"); s && s->is_string()) {
                return std::string{s->get_string()};
            }
        }
        return {};
    };
    const std::string symbol = symbol_of(e.data);
    std::string text;
    std::string fill_text;
    const bool is_fill = channel == "orders" && (e.type == "fill" || e.type == "partial_fill");
    std::vector<std::shared_ptr<WsClient>> slow;
    for (const auto& c : ws_clients_) {
        if (!c->authed) continue;
        if (!symbol.empty() && !c->symbols.empty() && !c->symbols.contains(symbol)) continue;
        if (c->channels.contains(channel)) {
            if (text.empty()) {
                text = json::serialize(
                    json::object{{"channel", channel}, {"type", e.type}, {"data", e.data}});
            }
            if (!c->conn->send(text)) slow.push_back(c);
        }
        if (is_fill && c->channels.contains("fills")) {
            if (fill_text.empty()) {
                fill_text = json::serialize(json::object{
                    {"channel", "fills"}, {"type", e.type}, {"data", e.data.at("fill")}});
            }
            if (!c->conn->send(fill_text)) slow.push_back(c);
        }
    }
    for (const auto& c : slow) {
        ws_clients_.erase(c);  // dropped: its queue was full
    }
    if (!slow.empty()) update_topics();
}

}  // namespace meridian::services
