#include "relaywatch/deliver/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include "relaywatch/deliver/detail_text.h"

extern char** environ;

namespace relaywatch::deliver {
namespace {

using Clock = std::chrono::steady_clock;

// After the child exits, output still held open by a grandchild is read for at most this long:
// a hook that starts a background job must not hold the dispatcher until the timeout.
constexpr auto kDrainAfterExit = std::chrono::milliseconds(250);
// Without pidfd (Linux < 5.3), how often to look whether the child exited.
constexpr auto kExitPollTick = std::chrono::milliseconds(10);

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = other.fd_;
      other.fd_ = -1;
    }
    return *this;
  }
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

std::optional<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Blocks SIGPIPE in this thread for the lifetime of the guard, so a write to a pipe whose reader
// has gone fails with EPIPE instead of killing the daemon; a SIGPIPE raised meanwhile is consumed
// before the old mask comes back (unless one was already pending before).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pipe_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Starts the child; returns its pid or the errno.
struct Spawned {
  pid_t pid = -1;
  int error = 0;
};

Spawned Spawn(const ChildRequest& request, int stdin_fd, int output_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
  // fds the daemon opened without O_CLOEXEC (or a library did) must not leak into the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  // An ignored signal stays ignored across exec: reset them all (SIGPIPE above all).
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp;
  if (request.env) envp = CStrings(*request.env);
  Spawned out;
  out.error = ::posix_spawn(&out.pid, request.argv[0].c_str(), &actions, &attr, argv.data(),
                            request.env ? envp.data() : environ);
  if (out.error != 0) out.pid = -1;
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return out;
}

int PollTimeoutMs(Clock::time_point until) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Reaps `pid` if it has exited; returns whether it had.
bool TryReap(pid_t pid, int& status) {
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // ECHILD: someone else reaped it; nothing to wait for
  }
}

void Reap(pid_t pid, int& status) {
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ChildOutcome RunChild(const ChildRequest& request) {
  ChildOutcome outcome;
  if (request.argv.empty() || request.argv[0].empty() || request.argv[0][0] != '/') {
    outcome.code = ENOENT;
    return outcome;
  }
  auto in = MakePipe();
  auto out = MakePipe();
  if (!in || !out) {
    outcome.code = errno;
    return outcome;
  }
  SigpipeGuard sigpipe_guard;
  const Spawned spawned = Spawn(request, in->read.get(), out->write.get());
  in->read.Close();
  out->write.Close();
  if (spawned.pid < 0) {
    outcome.code = spawned.error;
    return outcome;
  }
  const pid_t pid = spawned.pid;
  const auto deadline = Clock::now() + request.timeout;
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  Fd& stdin_w = in->write;
  Fd& output_r = out->read;
  SetNonBlocking(stdin_w.get());
  SetNonBlocking(output_r.get());
  std::size_t written = 0;
  if (request.input.empty()) stdin_w.Close();

  bool exited = false;
  int status = 0;
  std::optional<Clock::time_point> drain_until;
  std::array<char, 4096> buffer;
  for (;;) {
    if (!exited && !pidfd.open()) exited = TryReap(pid, status);
    if (exited) {
      if (!drain_until) {
        drain_until = std::min(deadline, Clock::now() + kDrainAfterExit);
        stdin_w.Close();
      }
      if (!output_r.open() || Clock::now() >= *drain_until) break;
    } else if (Clock::now() >= deadline) {
      break;
    }

    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    int stdin_slot = -1, output_slot = -1, pid_slot = -1;
    if (stdin_w.open()) {
      stdin_slot = static_cast<int>(n);
      fds[n++] = {stdin_w.get(), POLLOUT, 0};
    }
    if (output_r.open()) {
      output_slot = static_cast<int>(n);
      fds[n++] = {output_r.get(), POLLIN, 0};
    }
    if (!exited && pidfd.open()) {
      pid_slot = static_cast<int>(n);
      fds[n++] = {pidfd.get(), POLLIN, 0};
    }
    int wait_ms = PollTimeoutMs(exited ? *drain_until : deadline);
    if (!exited && !pidfd.open()) {
      wait_ms = std::min<int>(wait_ms, static_cast<int>(kExitPollTick.count()));
    }
    const int ready = ::poll(fds.data(), n, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;

    if (stdin_slot >= 0 && fds[stdin_slot].revents != 0) {
      const ssize_t w =
          ::write(stdin_w.get(), request.input.data() + written, request.input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      // EPIPE: the child stopped reading; that is its business, not an error.
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == request.input.size()) {
        stdin_w.Close();
      }
    }
    if (output_slot >= 0 && fds[output_slot].revents != 0) {
      const ssize_t r = ::read(output_r.get(), buffer.data(), buffer.size());
      if (r > 0) {
        const std::size_t room =
            request.output_limit - std::min(request.output_limit, outcome.output.size());
        const std::size_t take = std::min(room, static_cast<std::size_t>(r));
        outcome.output.append(buffer.data(), take);
        if (take < static_cast<std::size_t>(r)) outcome.output_truncated = true;
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        output_r.Close();
      }
    }
    if (pid_slot >= 0 && fds[pid_slot].revents != 0) exited = TryReap(pid, status);
  }

  if (!exited) {
    // Deadline: the program and anything it started in its group.
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    Reap(pid, status);
    outcome.end = ChildEnd::kTimedOut;
    return outcome;
  }
  if (WIFEXITED(status)) {
    outcome.end = ChildEnd::kExited;
    outcome.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.end = ChildEnd::kSignaled;
    outcome.code = WTERMSIG(status);
  } else {
    outcome.end = ChildEnd::kExited;
    outcome.code = 0;
  }
  return outcome;
}

std::string DescribeOutcome(const ChildRequest& request, const ChildOutcome& outcome) {
  const std::string program =
      request.argv.empty() ? std::string("(no program)") : EscapeDetail(request.argv[0]);
  std::string what;
  switch (outcome.end) {
    case ChildEnd::kExited:
      what = program + " exited " + std::to_string(outcome.code);
      break;
    case ChildEnd::kSignaled: {
      const char* name = ::sigabbrev_np(outcome.code);  // thread-safe, unlike strsignal
      what = program + " killed by signal " + std::to_string(outcome.code) +
             (name != nullptr ? " (SIG" + std::string(name) + ")" : std::string());
      break;
    }
    case ChildEnd::kTimedOut:
      what =
          program + " did not finish within " + core::FormatDuration(request.timeout) + "; killed";
      break;
    case ChildEnd::kNotStarted:
      return "unable to run " + program + ": " + std::strerror(outcome.code);
  }
  const std::string said = EscapeDetail(outcome.output);
  if (!said.empty()) what += ": " + said;
  return what;
}

}  // namespace relaywatch::deliver
