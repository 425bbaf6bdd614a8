// A real daemontools multilog, run as a child process with a pipe on its stdin, for tests.
#ifndef RELAYWATCH_TESTS_UNIT_FOLLOW_MULTILOG_PROCESS_H_
#define RELAYWATCH_TESTS_UNIT_FOLLOW_MULTILOG_PROCESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace relaywatch::follow::testing {

inline constexpr const char* kMultilog = "/usr/bin/multilog";

class MultilogProcess {
 public:
  // Starts `multilog ARGS...`; check ok() before use.
  explicit MultilogProcess(const std::vector<std::string>& args) {
    std::signal(SIGPIPE, SIG_IGN);  // a dead multilog must fail the test, not kill it
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    std::vector<std::string> argv_s = {"multilog"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, kMultilog, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    if (rc != 0) {
      ::close(fds[1]);
      pid_ = -1;
      return;
    }
    in_ = fds[1];
  }
  ~MultilogProcess() {
    Close();
    Wait();
  }
  MultilogProcess(const MultilogProcess&) = delete;
  MultilogProcess& operator=(const MultilogProcess&) = delete;

  bool ok() const { return pid_ > 0 && in_ >= 0; }

  // Writes all of `text` to multilog's stdin; false if it is gone.
  bool Write(std::string_view text) {
    while (!text.empty()) {
      ssize_t n = ::write(in_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // End of input: multilog writes what it has and exits.
  void Close() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }
  void Kill(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits for the exit; the wait status, or -1.
  int Wait() {
    if (pid_ <= 0) return -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
};

}  // namespace relaywatch::follow::testing

#endif  // RELAYWATCH_TESTS_UNIT_FOLLOW_MULTILOG_PROCESS_H_
