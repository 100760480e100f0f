// A running `meridian run` for integration tests, and the helpers their sessions share.
// Needs MERIDIAN_BINARY and MERIDIAN_SOURCE_DIR defined by the test's build.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "tests/support/meridian_process.hpp"

namespace meridian::test {

namespace json = boost::json;
using namespace std::chrono_literals;

inline const std::string kBinary = MERIDIAN_BINARY;
inline const std::string kConfig =
    std::string{MERIDIAN_SOURCE_DIR} + "/tests/integration/testdata/run.toml";

/// A running `meridian run` on a free port with its own data directory.
class RunningSystem {
public:
    explicit RunningSystem(const std::filesystem::path& dir, std::string key = {},
                           std::vector<std::string> extra = {})
        : dir_{dir}, admin_key_{std::move(key)} {
        std::vector<std::string> argv{kBinary, "run", "--port", "0", "--data-dir", dir.string()};
        if (extra.empty()) extra = {"--config", kConfig};
        argv.insert(argv.end(), extra.begin(), extra.end());
        process_ = std::make_unique<Process>(std::move(argv));
        while (auto line = process_->read_line(30s)) {
            if (line->starts_with("mk_")) admin_key_ = *line;
            const std::string marker = "listening on http://127.0.0.1:";
            if (line->starts_with(marker)) {
                port_ = static_cast<std::uint16_t>(std::stoi(line->substr(marker.size())));
                break;
            }
        }
        if (port_ == 0)
            throw std::runtime_error("meridian run did not start:\n" + process_->output());
    }
    std::uint16_t port() const { return port_; }
    const std::string& admin_key() const { return admin_key_; }
    Process& process() { return *process_; }

private:
    std::filesystem::path dir_;
    std::string admin_key_;
    std::unique_ptr<Process> process_;
    std::uint16_t port_ = 0;
};

inline std::map<std::string, std::string> auth(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
}

inline std::string order_body(const std::string& symbol, const std::string& qty,
                              const std::string& side, const std::string& coid = {},
                              const std::string& type = "market", const std::string& limit = {}) {
    json::object o{
        {"symbol", symbol}, {"qty", qty}, {"side", side}, {"type", type}, {"time_in_force", "day"}};
    if (!coid.empty()) o["client_order_id"] = coid;
    if (!limit.empty()) o["limit_price"] = limit;
    return json::serialize(o);
}

/// Polls until `ok` holds or `timeout` passes.
template <typename F>
bool eventually(F ok, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ok()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

}  // namespace meridian::test
