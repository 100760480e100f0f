// GatewayService: the one HTTP and WebSocket front door: auth, limits, routing, audit, metrics.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "net/http_server.hpp"
#include "services/common/service.hpp"
#include "services/gateway/remote.hpp"
#include "store/store.hpp"

namespace meridian::services {

struct GatewayConfig {
    net::ServerOptions server;
    /// Requests per minute per key (a token bucket of that size, refilled evenly).
    std::uint32_t rate_limit_per_minute = 100'000;
    bool metrics_public = true;
    std::chrono::seconds token_ttl{900};
    /// Services in other processes (`meridian serve gateway`): their routes are forwarded
    /// (attached to this gateway's loop by whoever builds the router).
    std::shared_ptr<RemoteServices> remote;
};

/// Serves every service's routes (collected in one Router) on one port. Each request: the
/// route is found, then the credentials (API key or JWT, `Authorization: Bearer ...`) and the
/// role are checked and the key's rate limit applied, all before the body is read; the handler
/// runs on the owning service's loop; state-changing requests are audited (batched writes);
/// latency and counts go to metrics. Owns /auth/*, /audit, /metrics, /openapi.json, /docs,
/// /health/live, /health/ready and /ws (the WebSocket event stream).
/// HTTP runs on the gateway loop; not thread-safe except as an HttpHandler called there.
class GatewayService final : public Service, public net::HttpHandler {
public:
    GatewayService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics, net::Router& router,
                   store::KeyStore& keys, store::AuditLog& audit, store::SettingsStore& settings,
                   GatewayConfig config, std::function<bool(std::string_view)> service_ready);
    ~GatewayService() override;
    void add_routes(net::Router& router) override;

    /// Starts listening (after start()); returns the port.
    core::Result<std::uint16_t> listen();
    /// Stops accepting; requests in flight finish.
    void stop_listening();

    std::optional<net::Response> admit(net::Request& request) override;
    boost::asio::awaitable<net::Response> handle(net::Request& request) override;
    void upgrade(net::Request& request, std::shared_ptr<net::WsConnection> connection) override;

    struct WsClient;

private:
    struct KeyInfo {
        std::string id;
        Role role;
        bool revoked;
    };
    struct Bucket {
        double tokens;
        core::Timestamp at;
    };

    void on_start() override;
    void on_stop() override;
    std::optional<KeyInfo> find_key(const std::string& hash);
    void reload_keys();
    void audit(const net::Request& req, int status);
    void audit_loop();
    void broadcast(const std::string& channel, const bus::Envelope& e);
    /// Subscribes to the topics some WebSocket client's channels need and cancels the rest: with
    /// no client listening, no bus message reaches this loop.
    void update_topics();
    boost::json::object openapi() const;

    net::Router& router_;
    store::KeyStore& keys_;
    store::AuditLog& audit_log_;
    store::SettingsStore& settings_;
    GatewayConfig config_;
    std::function<bool(std::string_view)> service_ready_;  // "" asks about every service
    std::unique_ptr<net::HttpServer> server_;
    std::string jwt_secret_;
    std::unordered_map<std::string, KeyInfo> keys_by_hash_;
    core::Timestamp keys_loaded_;
    std::unordered_map<std::string, Bucket> buckets_;
    std::set<std::shared_ptr<WsClient>> ws_clients_;
    std::map<std::string, bus::Subscription> topic_subscriptions_;  // by topic
    // Audit entries wait here for the audit thread, which writes them in batches.
    std::mutex audit_mutex_;
    std::condition_variable audit_wake_;
    std::vector<store::AuditEntry> audit_queue_;
    bool audit_stop_ = false;
    std::thread audit_thread_;
};

}  // namespace meridian::services
