// StatusServer: answers `relaywatch status` over a Unix socket in state_dir (mode 0600).
//
// One request line ("json" or "text"), one answer, then the connection closes. Only the owner of
// the state dir (the daemon's user, or root) can connect, so the status needs no other
// authentication.
//
// Bounded, so that clients that connect and never ask (or never read) cannot take the daemon's
// file descriptors, which it needs to follow its logs and write its checkpoint:
//   - a client has `read_deadline` to send its request line and `write_deadline` to take the
//     answer; then the connection is closed;
//   - at most `max_clients` connections are open at once; one more is answered kBusyAnswer and
//     closed at once (`relaywatch status` retries until its own timeout);
//   - an accept that fails is tried again after a pause (100 ms, doubling up to 2 s), never given
//     up; when it fails for want of descriptors (EMFILE, ENFILE), a descriptor held in reserve is
//     closed to accept the waiting connection, answer it kBusyAnswer and close it, then taken
//     again, so a full backlog does not leave clients hanging.
// Failed accepts and refused clients are logged, at most once a minute.
#ifndef RELAYWATCH_APP_STATUS_SERVER_H_
#define RELAYWATCH_APP_STATUS_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "relaywatch/core/result.h"
#include "relaywatch/follow/asio.h"

namespace relaywatch::app {

// What a client that cannot be served now reads instead of a status (then the connection closes).
inline constexpr std::string_view kBusyAnswer = "relaywatch: busy, too many status clients\n";

struct StatusLimits {
  std::size_t max_clients = 16;
  std::chrono::milliseconds read_deadline{2000};
  std::chrono::milliseconds write_deadline{10000};
};

class StatusServer {
 public:
  using Handler = std::function<std::string(std::string_view request)>;
  StatusServer(net::io_context& io, std::string path, Handler handler, StatusLimits limits = {});
  ~StatusServer();
  core::Status Listen();
  void Close();

  // What the server shared with its connections: they may outlive it in the io_context's queue.
  struct Shared;

 private:
  void Accept();
  void OnAccept(boost::system::error_code ec, net::local::stream_protocol::socket socket);
  // For want of descriptors: frees the reserve, accepts one waiting client, closes it, retakes
  // the reserve; true when the reserve is held again.
  bool ShedOne();
  void AcceptLater();
  void NoteRefused();

  net::io_context& io_;
  std::string path_;
  StatusLimits limits_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<net::local::stream_protocol::acceptor> acceptor_;
  net::steady_timer retry_;
  std::chrono::milliseconds backoff_;
  int reserve_fd_ = -1;
  std::uint64_t failed_accepts_ = 0;  // since the last accept that worked
  std::uint64_t refused_ = 0;         // since the last warning about it
  std::chrono::steady_clock::time_point refused_warned_{};
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_STATUS_SERVER_H_
