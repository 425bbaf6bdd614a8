// SmtpSink: starts tests/support/smtp_sink.py (a real aiosmtpd server on 127.0.0.1) for one test
// or suite, waits until it listens, reads what it received, and stops it. Test code only.
#ifndef RELAYWATCH_TESTS_UNIT_DELIVER_SMTP_SINK_H_
#define RELAYWATCH_TESTS_UNIT_DELIVER_SMTP_SINK_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_files.h"

extern char** environ;

namespace relaywatch::deliver::testing {

// Debian's interpreter: it has python3-aiosmtpd; another python3 on PATH may not.
inline constexpr const char* kSystemPython = "/usr/bin/python3";

class SmtpSink {
 public:
  // `args` are smtp_sink.py options after --dir (e.g. {"--mode", "refuse-rcpt"}).
  explicit SmtpSink(std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {
        kSystemPython, std::string(RELAYWATCH_SOURCE_DIR) + "/tests/support/smtp_sink.py", "--dir",
        dir_.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    // Its own complaints (tracebacks of clients that hung up on purpose) go to a file.
    posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "sink.stderr").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = ::posix_spawn(&pid_, kSystemPython, &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      pid_ = -1;
      ADD_FAILURE() << "unable to start " << kSystemPython;
      return;
    }
    // Wait (with a deadline, not a sleep) for its "port N" line.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[64];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (line.rfind("port ", 0) != 0) {
      ADD_FAILURE() << "smtp_sink.py did not start: " << line;
      return;
    }
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(5)));
  }

  ~SmtpSink() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      pollfd none{-1, 0, 0};
      ::poll(&none, 0, 10);
    }
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }

  // How many messages the sink accepted so far.
  int count() const {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      if (e.path().extension() == ".json") ++n;
    }
    return n;
  }
  // The `n`th accepted message (1-based), exactly as received, and its envelope as JSON text.
  std::string Message(int n) const { return ReadFile(Base(n) + ".eml"); }
  std::string EnvelopeJson(int n) const { return ReadFile(Base(n) + ".json"); }

 private:
  std::string Base(int n) const {
    char name[16];
    std::snprintf(name, sizeof name, "%04d", n);
    return dir_ / name;
  }

  TempDir dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace relaywatch::deliver::testing

#endif  // RELAYWATCH_TESTS_UNIT_DELIVER_SMTP_SINK_H_
