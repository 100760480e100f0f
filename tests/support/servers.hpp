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

/// The directory of PostgreSQL's server programs (initdb, postgres): /usr/lib/postgresql/N/bin.
inline std::filesystem::path postgres_bin() {
    std::filesystem::path best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
        if (std::filesystem::exists(e.path() / "bin" / "initdb") && e.path() > best.parent_path())
            best = e.path() / "bin";
    if (best.empty())
        throw std::runtime_error("PostgreSQL is not installed (scripts/install-deps installs it)");
    return best;
}

/// A PostgreSQL cluster of its own on a free loopback port (initdb into a temporary directory;
/// trust authentication for user "meridian"). PostgreSQL refuses to run as root, so as root it
/// runs as the "postgres" user that Debian's package creates. stop() is a fast shutdown,
/// kill() is kill -9; start() again on the same port and data.
class PostgresServer {
public:
    PostgresServer() : dir_{make_temp_dir("pg")}, port_{free_port()} {
        if (getuid() == 0) {
            const passwd* pw = getpwnam("postgres");
            if (pw == nullptr) throw std::runtime_error("no postgres user to run PostgreSQL as");
            uid_ = pw->pw_uid;
            gid_ = pw->pw_gid;
            if (chown(dir_.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown failed");
        }
        int code = 0;
        const std::string out =
            run_to_end({(postgres_bin() / "initdb").string(), "-D", (dir_ / "data").string(), "-U",
                        "meridian", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"},
                       &code, owner(), gid_);
        if (code != 0) throw std::runtime_error("initdb failed: " + out);
        start();
    }
    ~PostgresServer() {
        if (process_) process_->signal(SIGKILL);
        process_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    std::uint16_t port() const { return port_; }
    /// A libpq URL for database `db`.
    std::string url(const std::string& db = "postgres") const {
        return "postgresql://meridian@127.0.0.1:" + std::to_string(port_) + "/" + db;
    }

    void start() {
        process_ = std::make_unique<Process>(
            std::vector<std::string>{(postgres_bin() / "postgres").string(), "-D",
                                     (dir_ / "data").string(), "-p", std::to_string(port_), "-k",
                                     dir_.string(), "-c", "listen_addresses=127.0.0.1", "-c",
                                     "max_connections=200", "-c", "log_min_messages=fatal"},
            owner(), gid_);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!ready()) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("PostgreSQL did not start on port " +
                                         std::to_string(port_));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    /// A fast shutdown (SIGINT): connections are cut, the server is gone when this returns.
    void stop() {
        if (!process_) return;
        process_->signal(SIGINT);
        process_->wait_exit();
        process_.reset();
    }
    /// Runs SQL through psql as the cluster's superuser; its output.
    std::string psql(const std::string& sql, const std::string& db = "postgres") const {
        int code = 0;
        std::string out = run_to_end({find_program({"/usr/bin/psql"}), "-X", "-q", "-t", "-A", "-v",
                                      "ON_ERROR_STOP=1", "-c", sql, url(db)},
                                     &code);
        if (code != 0) throw std::runtime_error("psql failed: " + sql);
        return out;
    }
    /// A new empty database; its URL.
    std::string create_database(const std::string& name) {
        psql("CREATE DATABASE " + name);
        return url(name);
    }

private:
    bool ready() const {
        if (!port_open(port_)) return false;
        int code = 0;
        run_to_end({find_program({"/usr/bin/pg_isready"}), "-q", "-h", "127.0.0.1", "-p",
                    std::to_string(port_), "-U", "meridian", "-d", "postgres"},
                   &code);
        return code == 0;
    }
    std::optional<uid_t> owner() const {
        if (getuid() != 0) return std::nullopt;
        return uid_;
    }

    std::filesystem::path dir_;
    std::uint16_t port_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    std::unique_ptr<Process> process_;
};

}  // namespace meridian::test
