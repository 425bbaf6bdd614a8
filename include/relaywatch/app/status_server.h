// StatusServer: answers `relaywatch status` over a Unix socket in state_dir (mode 0600).
//
// One request line ("json" or "text"), one answer, then the connection closes. Only the owner of
// the state dir (the daemon's user, or root) can connect, so the status needs no other
// authentication.
#ifndef RELAYWATCH_APP_STATUS_SERVER_H_
#define RELAYWATCH_APP_STATUS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "relaywatch/core/result.h"
#include "relaywatch/follow/asio.h"

namespace relaywatch::app {

class StatusServer {
 public:
  using Handler = std::function<std::string(std::string_view request)>;
  StatusServer(net::io_context& io, std::string path, Handler handler);
  ~StatusServer();
  core::Status Listen();
  void Close();

 private:
  void Accept();
  net::io_context& io_;
  std::string path_;
  Handler handler_;
  std::unique_ptr<net::local::stream_protocol::acceptor> acceptor_;
};

// The client side: asks the daemon whose state dir is `state_dir`.
core::Result<std::string> QueryStatus(const std::string& state_dir, std::string_view request);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_STATUS_SERVER_H_
