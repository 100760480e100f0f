// Service: the loop, timers, subscriptions and heartbeats every service shares.
#include "services/common/service.hpp"

#include <cstdio>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pthread.h>
#include <unistd.h>

namespace meridian::services {

namespace asio = boost::asio;

Service::Service(std::string name, bus::Bus& bus, const core::Clock& clock, Metrics& metrics)
    : bus_{bus},
      clock_{clock},
      metrics_{metrics},
      name_{std::move(name)},
      address_{"inproc://" + name_} {}

Service::~Service() {
    try {
        stop();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: stopping failed: %s\n", name_.c_str(), e.what());
    }
}

void Service::start() {
    if (started_) return;
    started_ = true;
    ioc_.restart();
    std::promise<void> started;
    auto done = started.get_future();
    asio::post(ioc_, [this, &started] {
        on_start();
        heartbeat();
        every(std::chrono::milliseconds(1000), [this] { heartbeat(); });
        started.set_value();
    });
    thread_ = std::thread{[this] {
        name_this_thread(name_);
        auto guard = asio::make_work_guard(ioc_);
        ioc_.run();
    }};
    done.wait();
}

void Service::stop() {
    if (!started_) return;
    started_ = false;
    run_on(ioc_.get_executor(), [this] {
        on_stop();
        set_ready(false);
        subscriptions_.clear();
        for (auto& t : timers_) {
            t->cancel();
        }
        timers_.clear();
    });
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

void Service::route(net::Router& router, std::string method, std::string pattern, Role role,
                    std::string summary, std::function<net::Response(net::Request&)> handler) {
    route_async(router, std::move(method), std::move(pattern), role, std::move(summary),
                [h = std::move(handler)](net::Request& req) -> asio::awaitable<net::Response> {
                    co_return h(req);
                });
}

void Service::route_snapshot(net::Router& router, std::string method, std::string pattern,
                             Role role, std::string summary,
                             std::function<net::Response(net::Request&)> handler) {
    add_route(
        router, std::move(method), std::move(pattern), role, std::move(summary),
        [h = std::move(handler)](net::Request& req) -> asio::awaitable<net::Response> {
            co_return h(req);
        },
        true);
}

void Service::route_async(net::Router& router, std::string method, std::string pattern, Role role,
                          std::string summary, net::RouteHandler handler) {
    add_route(router, std::move(method), std::move(pattern), role, std::move(summary),
              std::move(handler), false);
}

void Service::add_route(net::Router& router, std::string method, std::string pattern, Role role,
                        std::string summary, net::RouteHandler handler, bool any_thread) {
    net::Route r;
    r.any_thread = any_thread;
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    r.service = name_;
    r.min_role = static_cast<int>(role);
    r.summary = std::move(summary);
    r.executor = ioc_.get_executor();
    r.handler = std::move(handler);
    router.add(std::move(r));
}

void Service::subscribe(std::string_view topic, bus::Handler handler) {
    subscribe(topic, std::chrono::milliseconds(0), std::move(handler));
}

void Service::subscribe(std::string_view topic, std::chrono::milliseconds linger,
                        bus::Handler handler) {
    subscriptions_.push_back(
        bus_.subscribe(topic, name_, ioc_.get_executor(), std::move(handler), linger));
}

namespace {
struct Periodic {
    asio::steady_timer timer;
    std::chrono::milliseconds period;
    std::function<void()> f;
};
void arm(const std::shared_ptr<Periodic>& p) {
    p->timer.expires_at(p->timer.expiry() + p->period);
    p->timer.async_wait([p](boost::system::error_code ec) {
        if (ec) return;  // cancelled: the service stopped
        p->f();
        arm(p);
    });
}
}  // namespace

void Service::every(std::chrono::milliseconds period, std::function<void()> f) {
    auto p = std::make_shared<Periodic>(Periodic{asio::steady_timer{ioc_}, period, std::move(f)});
    p->timer.expires_after(std::chrono::milliseconds(0));
    timers_.push_back(std::shared_ptr<asio::steady_timer>(p, &p->timer));
    arm(p);
}

void Service::set_ready(bool ready) {
    if (ready_.exchange(ready, std::memory_order_acq_rel) != ready) heartbeat();
}

void Service::set_address(std::string address) {
    std::lock_guard lock{address_mutex_};
    address_ = std::move(address);
}

void Service::heartbeat() {
    std::string address;
    {
        std::lock_guard lock{address_mutex_};
        address = address_;
    }
    bus_.publish("discovery", "heartbeat",
                 {{"service", name_},
                  {"instance", instance_id()},
                  {"version", kServiceVersion},
                  {"address", std::move(address)},
                  {"status", ready() ? "up" : "starting"},
                  {"ts", clock_.now().to_iso8601()}});
}

const std::string& instance_id() {
    static const std::string id = [] {
        char host[256] = {};
        if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
        return std::string{host} + ":" + std::to_string(getpid()) + ":" +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    }();
    return id;
}

asio::awaitable<net::Response> call_route(const net::Route& route, net::Request& request,
                                          asio::any_io_executor current) {
    try {
        if (route.any_thread || route.executor == current) {
            co_return co_await route.handler(request);
        }
        co_return co_await asio::co_spawn(route.executor, route.handler(request),
                                          asio::use_awaitable);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s %s failed: %s\n", route.service.c_str(),
                     request.method.c_str(), request.path.c_str(), e.what());
    }
    co_return net::Response::error(500, "internal error");
}

void name_this_thread(const std::string& name) {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

void run_on(const asio::any_io_executor& executor, const std::function<void()>& f) {
    std::promise<void> done;
    auto future = done.get_future();
    asio::post(executor, [&] {
        f();
        done.set_value();
    });
    future.wait();
}

}  // namespace meridian::services
