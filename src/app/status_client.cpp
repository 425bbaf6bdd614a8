#include "relaywatch/app/status_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "relaywatch/app/status_server.h"
#include "relaywatch/core/time.h"

namespace relaywatch::app {
namespace {

using Clock = std::chrono::steady_clock;

// A socket fd closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Bounds the next blocking connect/send (SO_SNDTIMEO, which AF_UNIX connect honours too) and
// recv (SO_RCVTIMEO) by the time left; false when none is left.
bool BoundBy(int fd, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  timeval tv{static_cast<time_t>(left.count() / 1000000),
             static_cast<suseconds_t>(left.count() % 1000000)};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return true;
}

bool TimedOut(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS; }

struct Attempt {
  std::string answer;
  std::optional<std::string> error;  // set: failed for good
  const char* stalled = nullptr;     // set: the deadline passed while doing this
};

Attempt AskOnce(const std::string& path, std::string_view request, Clock::time_point deadline) {
  Attempt a;
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    a.error = std::string("unable to create a socket: ") + std::strerror(errno);
    return a;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    a.error = "unable to reach the daemon at " + path + ": the path is too long for a socket";
    return a;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (!BoundBy(fd.get(), deadline)) {
    a.stalled = "connecting";
    return a;
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (TimedOut(errno)) {
      a.stalled = "connecting";
    } else {
      a.error = "unable to reach the daemon at " + path + ": " + std::strerror(errno) +
                " (is relaywatch run going, with this state_dir?)";
    }
    return a;
  }
  std::string req(request);
  req.push_back('\n');
  for (std::size_t sent = 0; sent < req.size();) {
    if (!BoundBy(fd.get(), deadline)) {
      a.stalled = "sending the request";
      return a;
    }
    ssize_t n = ::send(fd.get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // A busy daemon answers and closes at once, maybe before the request is sent: read that.
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) break;
    if (n < 0) {
      if (TimedOut(errno)) {
        a.stalled = "sending the request";
      } else {
        a.error = std::string("unable to send the request: ") + std::strerror(errno);
      }
      return a;
    }
    sent += static_cast<std::size_t>(n);
  }
  char buf[65536];
  while (true) {
    if (!BoundBy(fd.get(), deadline)) {
      a.stalled = "waiting for the answer";
      return a;
    }
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    // A busy daemon closes at once, before reading the request: a Unix socket closed with
    // unread data ends in ECONNRESET instead of end-of-file, after the answer.
    if (n < 0 && errno == ECONNRESET && a.answer == kBusyAnswer) break;
    if (n < 0) {
      if (TimedOut(errno)) {
        a.stalled = "waiting for the answer";
      } else {
        a.error = std::string("unable to read status: ") + std::strerror(errno);
      }
      return a;
    }
    a.answer.append(buf, static_cast<std::size_t>(n));
  }
  if (a.answer.empty()) a.error = "the daemon at " + path + " closed the connection unanswered";
  return a;
}

}  // namespace

core::Result<std::string> QueryStatus(const std::string& state_dir, std::string_view request,
                                      std::chrono::milliseconds timeout) {
  const std::string path = state_dir + "/status.sock";
  const Clock::time_point deadline = Clock::now() + timeout;
  const std::string within = "within " + core::FormatDuration(timeout);
  constexpr auto kPause = std::chrono::milliseconds(100);
  bool busy = false;
  while (true) {
    Attempt a = AskOnce(path, request, deadline);
    if (a.error) return core::Error{*a.error};
    if (a.stalled != nullptr) {
      return core::Error{"no answer from the daemon at " + path + " " + within + " (" + a.stalled +
                         (busy ? ", after busy answers" : "") +
                         "); is it stopped or stuck? (--timeout sets how long to wait)"};
    }
    if (a.answer != kBusyAnswer) return std::move(a.answer);
    busy = true;
    if (Clock::now() + kPause >= deadline) {
      return core::Error{"the daemon at " + path + " answered busy (too many status clients at " +
                         "once) until the timeout, " + within + "; try again"};
    }
    std::this_thread::sleep_for(kPause);
  }
}

}  // namespace relaywatch::app
