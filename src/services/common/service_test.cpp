// Tests of the Service base: where a route's handler runs.
#include "services/common/service.hpp"

#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "bus/inproc_bus.hpp"

namespace meridian::services {
namespace {

namespace asio = boost::asio;

/// A service with a route of each kind; its loop is never started.
class Counter final : public Service {
public:
    Counter(bus::Bus& bus, const core::Clock& clock, Metrics& metrics)
        : Service{"counter", bus, clock, metrics} {}
    void add_routes(net::Router& router) override {
        route(router, "GET", "/on-loop", Role::Viewer, "on the loop",
              [](net::Request&) { return net::Response::text(200, "loop", "text/plain"); });
        route_snapshot(router, "GET", "/snapshot", Role::Viewer, "from the snapshot",
                       [this](net::Request&) {
                           auto v = value_.get();
                           return net::Response::text(200, v ? *v : "none", "text/plain");
                       });
    }
    Snapshot<std::string> value_;
};

/// A request's answer, asked on `caller`'s loop.
struct Asked {
    net::Request request;
    std::optional<net::Response> answer;
};

void ask(const net::Route& route, asio::io_context& caller, Asked& asked) {
    asio::co_spawn(
        caller,
        [&]() -> asio::awaitable<void> {
            asked.answer = co_await call_route(route, asked.request, caller.get_executor());
        },
        asio::detached);
}

TEST(Service, ASnapshotRouteAnswersOnTheCallersThreadWhileItsLoopDoesNot) {
    core::SystemClock clock;
    bus::InProcBus bus{clock};
    Metrics metrics;
    asio::io_context caller;
    Counter service{bus, clock, metrics};
    net::Router router;
    service.add_routes(router);
    service.value_.publish("42");
    const auto* snapshot = router.match("GET", "/snapshot").route;
    const auto* on_loop = router.match("GET", "/on-loop").route;
    ASSERT_TRUE(snapshot && on_loop);
    Asked from_snapshot;
    Asked from_loop;
    ask(*snapshot, caller, from_snapshot);
    ask(*on_loop, caller, from_loop);
    // The service's loop is not running: only the snapshot route can answer.
    caller.run_for(std::chrono::milliseconds(200));
    ASSERT_TRUE(from_snapshot.answer);
    EXPECT_EQ(from_snapshot.answer->body, "42");
    EXPECT_FALSE(from_loop.answer);
    // Once it runs, the other answers too (from that loop).
    service.start();
    caller.restart();
    for (int i = 0; i < 100 && !from_loop.answer; ++i) {
        caller.run_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(from_loop.answer);
    EXPECT_EQ(from_loop.answer->body, "loop");
    service.stop();
}

}  // namespace
}  // namespace meridian::services
