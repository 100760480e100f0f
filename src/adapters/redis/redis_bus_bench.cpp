// RedisBus throughput and publish-to-handler latency against a running redis-server.
// Not Google Benchmark: latency at a fixed rate needs a paced publisher and a clock in the
// handler. usage: redis_bus_bench redis://127.0.0.1:PORT [rate per second] [seconds]
// Prints: the saturated rate (publish as fast as possible, delivered per second), then p50,
// p99 and max publish-to-handler latency at the given rate (default 10,000/s for 10 s).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "adapters/redis/redis_bus.hpp"

namespace {

namespace core = meridian::core;
namespace bus = meridian::bus;
namespace redis = meridian::redis;
using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

struct Receiver {
    boost::asio::io_context ioc{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{
        ioc.get_executor()};
    std::thread thread{[this] { ioc.run(); }};
    std::atomic<std::uint64_t> received{0};
    std::vector<std::int64_t> latencies;  // handler thread only until joined
    ~Receiver() {
        guard.reset();
        ioc.stop();
        thread.join();
    }
};

double percentile(std::vector<std::int64_t> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return static_cast<double>(v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))]) /
           1e6;
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): a benchmark may end on an exception
int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: redis_bus_bench redis://HOST:PORT [rate] [seconds]\n");
        return 2;
    }
    auto endpoint = redis::parse_url(argv[1]);
    if (!endpoint) {
        std::fprintf(stderr, "%s\n", endpoint.error().message.c_str());
        return 2;
    }
    const int rate = argc > 2 ? std::stoi(argv[2]) : 10'000;
    const int seconds = argc > 3 ? std::stoi(argv[3]) : 10;
    core::SystemClock clock;
    redis::RedisBusConfig config;
    config.endpoint = *endpoint;
    config.instance = "bench";
    redis::RedisBus bus{config, clock};
    // A quote-sized message, as the market publishes.
    const boost::json::object quote{{"symbol", "AAPL"}, {"bp", "187.24"},
                                    {"ap", "187.26"},   {"bs", "100"},
                                    {"as", "200"},      {"t", "2026-11-25T14:30:00Z"}};

    {  // Saturation: publish 200,000 as fast as possible; delivered per second.
        Receiver r;
        auto sub = bus.subscribe("bench.saturate", "bench", r.ioc.get_executor(),
                                 [&](const bus::Envelope&) { ++r.received; });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        constexpr int n = 200'000;
        const auto start = Clock::now();
        for (int i = 0; i < n; ++i) {
            bus.publish("bench.saturate", "quote", quote);
        }
        (void)bus.flush(std::chrono::seconds(60));
        const double published_s = std::chrono::duration<double>(Clock::now() - start).count();
        while (r.received.load() < n && Clock::now() - start < std::chrono::seconds(120)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        const double delivered_s = std::chrono::duration<double>(Clock::now() - start).count();
        std::printf(
            "saturated: %d messages published in %.2f s (%.0f/s accepted by Redis), "
            "delivered to the handler in %.2f s (%.0f/s)\n",
            n, published_s, n / published_s, delivered_s,
            static_cast<double>(r.received.load()) / delivered_s);
    }
    {  // Paced: `rate` per second for `seconds`; publish-to-handler latency.
        Receiver r;
        std::mutex m;
        auto sub = bus.subscribe("bench.paced", "bench", r.ioc.get_executor(),
                                 [&](const bus::Envelope& e) {
                                     const auto sent = e.data.at("sent").as_int64();
                                     r.latencies.push_back(now_ns() - sent);
                                     ++r.received;
                                 });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const std::int64_t total = static_cast<std::int64_t>(rate) * seconds;
        const auto start = Clock::now();
        const auto interval = std::chrono::nanoseconds(1'000'000'000 / rate);
        for (std::int64_t i = 0; i < total; ++i) {
            std::this_thread::sleep_until(start + interval * i);
            boost::json::object msg = quote;
            msg["sent"] = now_ns();
            bus.publish("bench.paced", "quote", std::move(msg));
        }
        while (static_cast<std::int64_t>(r.received.load()) < total &&
               Clock::now() - start < std::chrono::seconds(seconds + 30)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        std::vector<std::int64_t> lat;
        boost::asio::post(r.ioc, [&] {
            std::lock_guard lock{m};
            lat = r.latencies;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::lock_guard lock{m};
        std::printf(
            "paced at %d/s for %d s: %zu delivered; publish-to-handler p50 %.3f ms, "
            "p99 %.3f ms, max %.3f ms\n",
            rate, seconds, lat.size(), percentile(lat, 0.50), percentile(lat, 0.99),
            percentile(lat, 1.0));
    }
    const auto s = bus.stats();
    std::printf("stats: published %llu, delivered %llu, duplicates %llu, redelivered %llu\n",
                static_cast<unsigned long long>(s.published),
                static_cast<unsigned long long>(s.delivered),
                static_cast<unsigned long long>(s.duplicates),
                static_cast<unsigned long long>(s.redelivered));
    return 0;
}
