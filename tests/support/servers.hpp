// Real servers for integration tests: redis-server and PostgreSQL from Debian's packages, on
// loopback, on free ports, in temporary directories removed afterwards.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/meridian_process.hpp"

namespace meridian::test {

/// A port nobody listens on right now (the kernel's choice).
inline std::uint16_t free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        throw std::runtime_error("free_port: bind failed");
    }
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

/// True once something accepts TCP connections on 127.0.0.1:port.
inline bool port_open(std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

inline std::string find_program(const std::vector<std::string>& candidates) {
    for (const auto& c : candidates)
        if (std::filesystem::exists(c)) return c;
    throw std::runtime_error("not installed: " + candidates.front() +
                             " (scripts/install-deps installs it)");
}

inline std::filesystem::path make_temp_dir(const std::string& tag) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("meridian-" + tag + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

/// redis-server on a free loopback port, append-only file on (fsync always), so a restart
/// keeps everything it acknowledged. kill() is kill -9; start() again on the same port and data.
class RedisServer {
public:
    RedisServer() : dir_{make_temp_dir("redis")}, port_{free_port()} { start(); }
    ~RedisServer() {
        process_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

    void start() {
        process_ = std::make_unique<Process>(std::vector<std::string>{
            find_program({"/usr/bin/redis-server", "/usr/local/bin/redis-server"}), "--port",
            std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_.string(), "--appendonly",
            "yes", "--appendfsync", "always", "--save", "", "--logfile",
            (dir_ / "redis.log").string(), "--daemonize", "no"});
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!port_open(port_)) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("redis-server did not start; see " +
                                         (dir_ / "redis.log").string());
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    /// kill -9: the server is gone when this returns.
    void kill() {
        if (process_) process_->signal(SIGKILL);
        process_.reset();
    }

private:
    std::filesystem::path dir_;
    std::uint16_t port_;
    std::unique_ptr<Process> process_;
};

}  // namespace meridian::test
