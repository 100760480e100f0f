// fake-alpaca: Alpaca's API on loopback, to try `meridian run --broker alpaca --feed alpaca`
// without an account. Prints the environment that points Meridian at it, then serves until
// interrupted.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "fake_alpaca.hpp"

namespace {
volatile std::sig_atomic_t stop = 0;
}

int main(int argc, char** argv) {
    meridian::testing::FakeAlpacaOptions options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--port") {
            options.port = static_cast<std::uint16_t>(std::stoi(value));
        } else if (flag == "--rate-limit") {
            options.requests_per_minute = std::stoi(value);
        } else if (flag == "--fills-per-order") {
            options.fills_per_order = std::stoi(value);
        } else {
            std::fprintf(stderr,
                         "usage: fake-alpaca [--port N] [--rate-limit PER_MINUTE (200)] "
                         "[--fills-per-order N]\n");
            return 2;
        }
    }
    meridian::testing::FakeAlpaca fake{options};
    std::printf("fake Alpaca on %s; point Meridian at it with:\n", fake.url().c_str());
    for (const auto& [k, v] : fake.env()) {
        std::printf("export %s=%s\n", k.c_str(), v.c_str());
    }
    std::fflush(stdout);
    std::signal(SIGINT, [](int) { stop = 1; });
    std::signal(SIGTERM, [](int) { stop = 1; });
    while (!stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
}
