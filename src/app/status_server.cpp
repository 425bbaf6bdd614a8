#include "relaywatch/app/status_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace relaywatch::app {
namespace {

using Local = net::local::stream_protocol;

// One connection: read the request line, write the answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Local::socket socket, StatusServer::Handler& handler)
      : socket_(std::move(socket)), handler_(handler) {}
  void Start() {
    auto self = shared_from_this();
    net::async_read_until(socket_, net::dynamic_buffer(request_, 256), '\n',
                          [self](boost::system::error_code ec, std::size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(boost::system::error_code ec) {
    if (ec && ec != net::error::eof) return;
    answer_ = handler_(request_);
    auto self = shared_from_this();
    net::async_write(socket_, net::buffer(answer_),
                     [self](boost::system::error_code, std::size_t) {
                       boost::system::error_code ignored;
                       self->socket_.shutdown(Local::socket::shutdown_both, ignored);
                     });
  }
  Local::socket socket_;
  StatusServer::Handler& handler_;
  std::string request_;
  std::string answer_;
};

}  // namespace

StatusServer::StatusServer(net::io_context& io, std::string path, Handler handler)
    : io_(io), path_(std::move(path)), handler_(std::move(handler)) {}

StatusServer::~StatusServer() { Close(); }

core::Status StatusServer::Listen() {
  ::unlink(path_.c_str());  // a socket left by a daemon that was killed
  boost::system::error_code ec;
  acceptor_ = std::make_unique<Local::acceptor>(io_);
  mode_t old = ::umask(0177);  // the socket is born 0600
  acceptor_->open(Local(), ec);
  if (!ec) acceptor_->bind(Local::endpoint(path_), ec);
  if (!ec) acceptor_->listen(16, ec);
  ::umask(old);
  if (ec) {
    acceptor_.reset();
    return core::Error{"unable to listen on " + path_ + ": " + ec.message()};
  }
  ::chmod(path_.c_str(), 0600);
  Accept();
  return core::OkStatus();
}

void StatusServer::Accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, Local::socket socket) {
    if (ec) return;  // closed
    std::make_shared<Session>(std::move(socket), handler_)->Start();
    Accept();
  });
}

void StatusServer::Close() {
  if (!acceptor_) return;
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  acceptor_.reset();
  ::unlink(path_.c_str());
}

core::Result<std::string> QueryStatus(const std::string& state_dir, std::string_view request) {
  std::string path = state_dir + "/status.sock";
  net::io_context io;
  Local::socket socket(io);
  boost::system::error_code ec;
  socket.connect(Local::endpoint(path), ec);
  if (ec) {
    return core::Error{"unable to reach the daemon at " + path + ": " + ec.message() +
                       " (is relaywatch run going, with this state_dir?)"};
  }
  std::string req(request);
  req.push_back('\n');
  net::write(socket, net::buffer(req), ec);
  std::string answer;
  net::read(socket, net::dynamic_buffer(answer), ec);
  if (ec && ec != net::error::eof) return core::Error{"unable to read status: " + ec.message()};
  return answer;
}

}  // namespace relaywatch::app
