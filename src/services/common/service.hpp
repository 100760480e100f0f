// Service: what every service of the system is: a name, a loop, routes, bus handlers, health.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "net/router.hpp"
#include "services/common/metrics.hpp"
#include "services/common/role.hpp"

namespace meridian::services {

/// The version every service reports.
inline constexpr std::string_view kServiceVersion = "0.1.0";

/// A service: one loop (an io_context run by one thread) that owns all of its state. Its bus
/// handlers and its routes run there; nothing else touches its state. Subclasses add routes in
/// add_routes(), subscribe in on_start(), and report readiness through set_ready().
/// Every service publishes a heartbeat on the "discovery" topic each second.
class Service {
public:
    Service(std::string name, bus::Bus& bus, const core::Clock& clock, Metrics& metrics);
    virtual ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    const std::string& name() const noexcept { return name_; }
    boost::asio::any_io_executor executor() { return ioc_.get_executor(); }
    bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
    /// Where it answers (set by whoever serves its routes); its heartbeats say so. Thread-safe.
    void set_address(std::string address);

    /// Registers the service's routes; each runs on this service's loop.
    virtual void add_routes(net::Router& router) { (void)router; }
    /// Starts the loop thread and runs on_start() on it; returns once on_start() ran.
    void start();
    /// Runs on_stop() on the loop (draining: it may finish in-flight work), then stops it.
    void stop();

protected:
    virtual void on_start() {}
    virtual void on_stop() {}
    /// On the loop. A change is announced at once (a heartbeat), not at the next second.
    void set_ready(bool ready);

    /// Adds a route answered synchronously on this loop.
    void route(net::Router& router, std::string method, std::string pattern, Role role,
               std::string summary, std::function<net::Response(net::Request&)> handler);
    /// Adds a route answered on whichever thread asks (the gateway's), without a hop to this
    /// loop: `handler` must read only thread-safe state, such as a Snapshot.
    void route_snapshot(net::Router& router, std::string method, std::string pattern, Role role,
                        std::string summary, std::function<net::Response(net::Request&)> handler);
    /// Adds a route answered by a coroutine on this loop.
    void route_async(net::Router& router, std::string method, std::string pattern, Role role,
                     std::string summary, net::RouteHandler handler);
    /// Subscribes a handler that runs on this loop; kept until stop().
    void subscribe(std::string_view topic, bus::Handler handler);
    /// The same, where a message may wait `linger` for the ones after it (one wake-up of this
    /// loop per burst): for what a user cannot see a few milliseconds of (Bus::subscribe).
    void subscribe(std::string_view topic, std::chrono::milliseconds linger, bus::Handler handler);
    /// Calls `f` every `period` on this loop until stop().
    void every(std::chrono::milliseconds period, std::function<void()> f);

    bus::Bus& bus_;
    const core::Clock& clock_;
    Metrics& metrics_;
    boost::asio::io_context ioc_{1};  // one thread runs it

private:
    void heartbeat();
    void add_route(net::Router& router, std::string method, std::string pattern, Role role,
                   std::string summary, net::RouteHandler handler, bool any_thread);

    std::string name_;
    mutable std::mutex address_mutex_;
    std::string address_;
    std::atomic<bool> ready_{false};
    std::vector<bus::Subscription> subscriptions_;
    std::vector<std::shared_ptr<boost::asio::steady_timer>> timers_;
    std::thread thread_;
    bool started_ = false;
};

/// A value one loop publishes and any thread reads: the newest published, shared, immutable.
template <typename T>
class Snapshot {
public:
    void publish(T value) { current_.store(std::make_shared<const T>(std::move(value))); }
    /// Null until the first publish.
    std::shared_ptr<const T> get() const { return current_.load(); }

private:
    std::atomic<std::shared_ptr<const T>> current_;
};

/// This process, in heartbeats: host, pid and start, so that a restarted process on the same
/// address is a new instance and one that changes its address stays the same one.
const std::string& instance_id();

/// Runs a route's handler on its service's loop (directly when `current` is that loop) and
/// returns its answer; an exception from the handler becomes a logged 500.
boost::asio::awaitable<net::Response> call_route(const net::Route& route, net::Request& request,
                                                 boost::asio::any_io_executor current);

/// Names the calling thread (`top -H`, `perf`, gdb show it; Linux keeps 15 characters).
void name_this_thread(const std::string& name);

/// Runs `f` on `executor` and waits for it: for startup and tests, never on a service loop.
void run_on(const boost::asio::any_io_executor& executor, const std::function<void()>& f);

}  // namespace meridian::services
