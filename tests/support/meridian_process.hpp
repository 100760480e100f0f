// MeridianProcess: runs the real `meridian` binary for integration tests (fork/exec, pipes).
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace meridian::test {

/// A child process whose stdout is read line by line (stderr goes to the test's stderr).
class Process {
public:
    /// Runs argv[0] (a path) with `argv`; as user `uid`/`gid` when given (from root).
    explicit Process(std::vector<std::string> argv, std::optional<uid_t> uid = std::nullopt,
                     gid_t gid = 0) {
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
            if (uid && (setgid(gid) != 0 || setuid(*uid) != 0)) {
                std::perror("setuid");
                _exit(126);
            }
            prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test (after setuid)
            std::vector<char*> args;
            for (auto& a : argv)
                args.push_back(a.data());
            args.push_back(nullptr);
            execv(args[0], args.data());
            std::perror("execv");
            _exit(127);
        }
        close(fds[1]);
        out_ = fds[0];
    }
    ~Process() {
        if (pid_ > 0 && !exited_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (out_ >= 0) close(out_);
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    /// The next line of stdout, or nothing at end of output or after `timeout`.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                all_ += line + "\n";
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{out_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            const ssize_t n = read(out_, chunk, sizeof chunk);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }
    /// Sends a signal; with SIGKILL the process is gone when this returns.
    void signal(int sig) {
        kill(pid_, sig);
        if (sig == SIGKILL) wait_exit();
    }
    /// Waits for the exit; the exit code (or 128 + signal).
    int wait_exit() {
        if (exited_) return status_;
        int st = 0;
        waitpid(pid_, &st, 0);
        exited_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
    }
    const std::string& output() const { return all_; }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::string buffer_;
    std::string all_;
    bool exited_ = false;
    int status_ = 0;
};

/// Runs a command to its end; its stdout.
inline std::string run_to_end(std::vector<std::string> argv, int* exit_code = nullptr,
                              std::optional<uid_t> uid = std::nullopt, gid_t gid = 0) {
    Process p{std::move(argv), uid, gid};
    std::string out;
    while (auto line = p.read_line(std::chrono::seconds(30)))
        out += *line + "\n";
    const int code = p.wait_exit();
    if (exit_code) *exit_code = code;
    return out;
}

}  // namespace meridian::test
