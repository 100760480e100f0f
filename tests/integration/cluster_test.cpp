// The distributed topology end to end: every service as its own `meridian serve` process over
// a real redis-server and a real PostgreSQL, on free loopback ports; services killed with
// kill -9 mid-run, redis-server killed, PostgreSQL stopped.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/meridian_system.hpp"
#include "tests/support/servers.hpp"

namespace meridian::test {
namespace {

const std::vector<std::string> kServices{"gateway", "positions", "execution",
                                         "signals", "risk",      "marketdata",
                                         "history", "analytics", "notifications"};

/// One request, never throwing: status 0 when the connection could not be made or broke.
HttpReply call(std::uint16_t port, const std::string& method, const std::string& target,
               const std::string& body, const std::string& key) {
    try {
        HttpClient c{port};
        auto r = c.request(method, target, body, auth(key));
        if (r.status < 0) r.status = 0;
        return r;
    } catch (const std::exception& e) {
        return HttpReply{0, e.what(), {}, true};
    }
}

/// Redis, PostgreSQL and the nine services, each its own process.
class Cluster {
public:
    Cluster() : store_{pg_.create_database("cluster" + std::to_string(getpid()))} {
        for (const auto& s : kServices)
            ports_[s] = free_port();
        for (const auto& s : kServices)
            start(s);
        wait_healthy();
    }
    ~Cluster() {
        for (auto& [name, p] : processes_)
            p->signal(SIGKILL);
    }

    void start(const std::string& service) {
        std::vector<std::string> argv{kBinary,
                                      "serve",
                                      service,
                                      "--bus",
                                      redis_.url(),
                                      "--store",
                                      store_,
                                      "--port",
                                      std::to_string(ports_[service]),
                                      "--config",
                                      kConfig,
                                      "--internal-token",
                                      "cluster-test-token"};
        auto p = std::make_unique<Process>(std::move(argv));
        bool listening = false;
        while (auto line = p->read_line(30s)) {
            if (line->starts_with("mk_")) admin_key_ = *line;
            if (line->starts_with("listening on")) {
                listening = true;
                break;
            }
        }
        if (!listening) throw std::runtime_error(service + " did not start:\n" + p->output());
        processes_[service] = std::move(p);
    }
    void kill(const std::string& service) {
        processes_.at(service)->signal(SIGKILL);
        processes_.erase(service);
    }
    void wait_healthy() {
        if (!eventually([&] { return call(gateway(), "GET", "/health", {}, {}).status == 200; },
                        60s))
            throw std::runtime_error("the cluster did not become healthy");
    }
    std::uint16_t gateway() const { return ports_.at("gateway"); }
    /// True once the market has quoted `symbol` (orders need a price).
    bool quoted(const std::string& symbol) {
        return eventually(
            [&] {
                return call(gateway(), "GET", "/marketdata/quotes/" + symbol, {}, admin_key_)
                           .status == 200;
            },
            30s);
    }
    const std::string& key() const { return admin_key_; }
    RedisServer& redis() { return redis_; }
    PostgresServer& pg() { return pg_; }
    /// One number from SQL on the cluster's database.
    long long sql(const std::string& query) {
        return std::stoll(pg_.psql(query, store_.substr(store_.rfind('/') + 1)));
    }

private:
    RedisServer redis_;
    PostgresServer pg_;
    std::string store_;
    std::map<std::string, std::uint16_t> ports_;
    std::map<std::string, std::unique_ptr<Process>> processes_;
    std::string admin_key_;
};

/// Sends an order until it gets a definite answer, with the same client_order_id every time
/// (a lost answer is an unknown outcome: the retry finds the order if it was kept). The status
/// of the definite answer.
int submit(std::uint16_t port, const std::string& key, const std::string& body) {
    for (int attempt = 0; attempt < 2000; ++attempt) {
        const auto r = call(port, "POST", "/orders", body, key);
        if (r.status != 0 && r.status != 502 && r.status != 503 && r.status != 504) {
            if (r.status != 200)
                std::fprintf(stderr, "POST /orders %s: %d %s\n", body.c_str(), r.status,
                             r.body.c_str());
            return r.status;
        }
        std::this_thread::sleep_for(25ms);
    }
    return 0;
}

/// What a session leaves, independent of prices: each order's shape and outcome, and the
/// positions' quantities.
std::string outcome(std::uint16_t port, const std::string& key) {
    std::string out;
    auto orders = call(port, "GET", "/orders?status=all&limit=500&direction=asc", {}, key);
    std::set<std::string> lines;
    const auto all = orders.json();
    for (const auto& o : all.as_array()) {
        const auto& obj = o.as_object();
        lines.insert(std::string{obj.at("client_order_id").as_string()} + " " +
                     std::string{obj.at("symbol").as_string()} + " " +
                     std::string{obj.at("side").as_string()} + " " +
                     std::string{obj.at("qty").as_string()} + " " +
                     std::string{obj.at("status").as_string()} + " " +
                     std::string{obj.at("filled_qty").as_string()});
    }
    for (const auto& l : lines)
        out += l + "\n";
    auto positions = call(port, "GET", "/positions", {}, key);
    std::map<std::string, std::string> qty;
    const auto held = positions.json();
    for (const auto& p : held.as_array())
        qty[std::string{p.at("symbol").as_string()}] = std::string{p.at("qty").as_string()};
    for (const auto& [s, q] : qty)
        out += "position " + s + " " + q + "\n";
    return out;
}

/// The scripted session: market orders both ways, a limit order far from the market that is
/// then canceled; returns once nothing is open.
void script(std::uint16_t port, const std::string& key) {
    ASSERT_TRUE(eventually(
        [&] {
            return call(port, "GET", "/marketdata/quotes/AAPL", {}, key).status == 200 &&
                   call(port, "GET", "/marketdata/quotes/MSFT", {}, key).status == 200;
        },
        30s));
    for (int i = 0; i < 8; ++i) {
        ASSERT_EQ(submit(port, key,
                         order_body(i % 2 ? "MSFT" : "AAPL", std::to_string(i + 1),
                                    i % 3 == 2 ? "sell" : "buy", "s-" + std::to_string(i))),
                  200);
    }
    const auto limit = call(port, "POST", "/orders",
                            order_body("AAPL", "5", "buy", "s-limit", "limit", "60.00"), key);
    ASSERT_EQ(limit.status, 200) << limit.body;
    const std::string id{limit.json().at("id").as_string()};
    EXPECT_EQ(call(port, "DELETE", "/orders/" + id, {}, key).status, 204);
    ASSERT_TRUE(eventually(
        [&] {
            auto open = call(port, "GET", "/orders?status=open", {}, key);
            return open.status == 200 && open.json().as_array().empty();
        },
        30s));
    // Positions follow the fills over the bus: wait until they add up to what the orders filled.
    std::map<std::string, long long> filled;
    const auto orders = call(port, "GET", "/orders?status=all&limit=500", {}, key).json();
    for (const auto& o : orders.as_array())
        filled[std::string{o.at("symbol").as_string()}] +=
            std::stoll(std::string{o.at("filled_qty").as_string()}) *
            (o.at("side").as_string() == "buy" ? 1 : -1);
    std::erase_if(filled, [](const auto& kv) { return kv.second == 0; });  // no position
    ASSERT_TRUE(eventually([&] {
        auto p = call(port, "GET", "/positions", {}, key);
        if (p.status != 200) return false;
        std::map<std::string, long long> held;
        const auto body = p.json();
        for (const auto& pos : body.as_array())
            held[std::string{pos.at("symbol").as_string()}] =
                std::stoll(std::string{pos.at("qty").as_string()}) *
                (pos.at("side").as_string() == "short" ? -1 : 1);
        return held == filled;
    }));
}

TEST(Cluster, TheSameSessionEndsTheSameInOneProcessAndAsSeparateProcesses) {
    std::string separate;
    {
        Cluster cluster;
        script(cluster.gateway(), cluster.key());
        separate = outcome(cluster.gateway(), cluster.key());
    }
    const auto dir = make_temp_dir("run");
    std::string together;
    {
        RunningSystem one{dir};
        script(one.port(), one.admin_key());
        together = outcome(one.port(), one.admin_key());
    }
    std::filesystem::remove_all(dir);
    EXPECT_NE(separate.find("s-limit AAPL buy 5 canceled 0"), std::string::npos) << separate;
    EXPECT_EQ(separate, together);
}

TEST(Cluster, KillingEachServiceMidRunLosesAndDuplicatesNothing) {
    Cluster cluster;
    const std::string key = cluster.key();
    ASSERT_TRUE(cluster.quoted("MSFT"));
    constexpr int kOrders = 1000;
    std::atomic<int> acknowledged{0};
    std::vector<int> statuses(kOrders, 0);
    std::thread sender{[&] {
        for (int i = 0; i < kOrders; ++i) {
            statuses[static_cast<std::size_t>(i)] =
                submit(cluster.gateway(), key,
                       order_body(i % 2 ? "MSFT" : "AAPL", "1", (i / 2) % 2 ? "sell" : "buy",
                                  "k-" + std::to_string(i)));
            ++acknowledged;
        }
    }};
    // Every service in turn, each after another hundred orders: kill -9, then start it again.
    const std::vector<std::string> victims{"execution", "positions", "gateway",
                                           "risk",      "signals",   "marketdata",
                                           "history",   "analytics", "notifications"};
    for (std::size_t v = 0; v < victims.size(); ++v) {
        while (acknowledged.load() < static_cast<int>((v + 1) * 100))
            std::this_thread::sleep_for(5ms);
        cluster.kill(victims[v]);
        std::this_thread::sleep_for(300ms);
        cluster.start(victims[v]);
    }
    sender.join();
    for (int i = 0; i < kOrders; ++i)
        ASSERT_EQ(statuses[static_cast<std::size_t>(i)], 200) << "order k-" << i;
    cluster.wait_healthy();

    // Every order kept once, and worked to the end.
    EXPECT_EQ(cluster.sql("SELECT count(*) FROM orders"), kOrders);
    EXPECT_EQ(cluster.sql("SELECT count(DISTINCT client_order_id) FROM orders WHERE "
                          "client_order_id LIKE 'k-%'"),
              kOrders);
    ASSERT_TRUE(eventually(
        [&] { return cluster.sql("SELECT count(*) FROM orders WHERE status <> 'filled'") == 0; },
        60s))
        << cluster.sql("SELECT count(*) FROM orders WHERE status <> 'filled'") << " not filled";
    // Each order's fills add up to what it says it filled: none applied twice, none missing.
    EXPECT_EQ(cluster.sql("SELECT count(*) FROM orders o WHERE filled_qty::numeric <> (SELECT "
                          "coalesce(sum(qty::numeric), 0) FROM fills f WHERE f.order_id = o.id)"),
              0);
    EXPECT_EQ(cluster.sql("SELECT count(*) FROM fills"), kOrders);
    // The positions service (fills over the bus, across its own kill) agrees with the broker's
    // fills in the store.
    std::map<std::string, long long> broker;
    for (const char* sym : {"AAPL", "MSFT"})
        broker[sym] = cluster.sql(std::string{"SELECT coalesce(sum(CASE side WHEN 'buy' THEN "
                                              "qty::numeric ELSE -qty::numeric END), 0)::bigint "
                                              "FROM fills WHERE symbol = '"} +
                                  sym + "'");
    EXPECT_TRUE(eventually(
        [&] {
            auto p = call(cluster.gateway(), "GET", "/positions", {}, key);
            if (p.status != 200) return false;
            std::map<std::string, long long> seen{{"AAPL", 0}, {"MSFT", 0}};
            const auto held = p.json();
            for (const auto& pos : held.as_array())
                seen[std::string{pos.at("symbol").as_string()}] =
                    std::stoll(std::string{pos.at("qty").as_string()}) *
                    (pos.at("side").as_string() == "short" ? -1 : 1);
            return seen == broker;
        },
        30s));
    // Nothing left unpublished.
    EXPECT_TRUE(eventually([&] { return cluster.sql("SELECT count(*) FROM outbox") == 0; }));
}

TEST(Cluster, NoAcknowledgedFillIsLostWhenRedisIsKilledAndRestarted) {
    Cluster cluster;
    const std::string key = cluster.key();
    ASSERT_TRUE(cluster.quoted("MSFT"));
    std::atomic<bool> done{false};
    std::atomic<int> acknowledged{0};
    std::thread sender{[&] {
        for (int i = 0; i < 300; ++i) {
            if (submit(cluster.gateway(), key,
                       order_body(i % 2 ? "MSFT" : "AAPL", "2", i % 3 ? "buy" : "sell",
                                  "r-" + std::to_string(i))) == 200)
                ++acknowledged;
        }
        done = true;
    }};
    while (acknowledged.load() < 100)
        std::this_thread::sleep_for(5ms);
    cluster.redis().kill();
    std::this_thread::sleep_for(1s);
    cluster.redis().start();
    sender.join();
    EXPECT_EQ(acknowledged.load(), 300);
    cluster.wait_healthy();
    EXPECT_EQ(cluster.sql("SELECT count(*) FROM orders"), 300);
    ASSERT_TRUE(eventually(
        [&] { return cluster.sql("SELECT count(*) FROM orders WHERE status <> 'filled'") == 0; },
        60s));
    const long long broker = cluster.sql(
        "SELECT coalesce(sum(CASE side WHEN 'buy' THEN qty::numeric ELSE -qty::numeric END), "
        "0)::bigint FROM fills WHERE symbol = 'AAPL'");
    EXPECT_TRUE(eventually(
        [&] {
            auto p = call(cluster.gateway(), "GET", "/positions/AAPL", {}, key);
            if (p.status != 200) return false;
            const auto body = p.json();
            const auto& pos = body.as_object();
            return std::stoll(std::string{pos.at("qty").as_string()}) *
                       (pos.at("side").as_string() == "short" ? -1 : 1) ==
                   broker;
        },
        30s));
}

TEST(Cluster, AConfigChangeThroughTheApiIsAppliedLiveByTheRiskProcess) {
    Cluster cluster;
    const std::string key = cluster.key();
    ASSERT_TRUE(cluster.quoted("AAPL"));
    // The file says 600 s; the risk service (its own process) must take 1 s from the bus.
    const auto patched =
        call(cluster.gateway(), "PATCH", "/config", R"({"stale_after_seconds":1})", key);
    ASSERT_EQ(patched.status, 200) << patched.body;
    cluster.kill("marketdata");
    EXPECT_TRUE(eventually(
        [&] {
            const auto r =
                call(cluster.gateway(), "POST", "/orders", order_body("AAPL", "1", "buy"), key);
            return r.status == 503 && r.body.find("halted") != std::string::npos;
        },
        30s));
    cluster.start("marketdata");
    EXPECT_TRUE(eventually(
        [&] {
            return call(cluster.gateway(), "POST", "/orders", order_body("AAPL", "1", "buy"), key)
                       .status == 200;
        },
        30s));
}

TEST(Cluster, OrderEntryAnswers503WhilePostgresIsDownAndRecoversByItself) {
    Cluster cluster;
    const std::string key = cluster.key();
    ASSERT_TRUE(cluster.quoted("AAPL"));
    ASSERT_EQ(submit(cluster.gateway(), key, order_body("AAPL", "1", "buy", "pg-0")), 200);
    cluster.pg().stop();
    const auto down =
        call(cluster.gateway(), "POST", "/orders", order_body("AAPL", "1", "buy", "pg-1"), key);
    EXPECT_EQ(down.status, 503) << down.body;
    EXPECT_NE(down.body.find("\"code\""), std::string::npos);
    cluster.pg().start();
    // Nothing was taken silently: pg-1 was not stored; the same order goes through now.
    EXPECT_TRUE(eventually(
        [&] {
            return call(cluster.gateway(), "GET", "/orders/by-client-id/pg-1", {}, key).status ==
                   404;
        },
        30s));
    EXPECT_TRUE(eventually(
        [&] {
            return call(cluster.gateway(), "POST", "/orders",
                        order_body("AAPL", "1", "buy", "pg-1"), key)
                       .status == 200;
        },
        30s));
    EXPECT_EQ(cluster.sql("SELECT count(*) FROM orders WHERE client_order_id = 'pg-1'"), 1);
}

}  // namespace
}  // namespace meridian::test
