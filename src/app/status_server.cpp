#include "relaywatch/app/status_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "relaywatch/app/logging.h"
#include "relaywatch/app/mutes.h"

namespace relaywatch::app {

using Local = net::local::stream_protocol;

struct StatusServer::Shared {
  Handler handler;
  StatusLimits limits;
  std::size_t clients = 0;  // connections open now
};

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kLastBackoff = std::chrono::milliseconds(2000);
constexpr auto kWarnEvery = std::chrono::minutes(1);

// kBusyAnswer, without waiting: the socket was just accepted, its buffer is empty.
void AnswerBusy(int fd) {
  [[maybe_unused]] ssize_t n =
      ::send(fd, kBusyAnswer.data(), kBusyAnswer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

// One connection: read the request line, write the answer, close; each step within its deadline.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Local::socket socket, std::shared_ptr<StatusServer::Shared> shared)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), shared_(std::move(shared)) {
    ++shared_->clients;
  }
  ~Session() { --shared_->clients; }

  void Start() {
    Deadline(shared_->limits.read_deadline);
    auto self = shared_from_this();
    net::async_read_until(socket_, net::dynamic_buffer(request_, kMaxRequestBytes), '\n',
                          [self](boost::system::error_code ec, std::size_t) { self->OnRead(ec); });
  }

 private:
  // Closes the connection at `after` from now, whatever it is doing (a pending read or write
  // ends with operation_aborted); a later call moves the deadline.
  void Deadline(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    auto self = shared_from_this();
    timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec) self->Finish();
    });
  }

  void OnRead(boost::system::error_code ec) {
    if (ec && ec != net::error::eof) {
      Finish();  // too long, cut short, or the deadline passed
      return;
    }
    answer_ = shared_->handler(request_);
    Deadline(shared_->limits.write_deadline);
    auto self = shared_from_this();
    net::async_write(socket_, net::buffer(answer_),
                     [self](boost::system::error_code, std::size_t) { self->Finish(); });
  }

  void Finish() {
    boost::system::error_code ignored;
    socket_.shutdown(Local::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

  Local::socket socket_;
  net::steady_timer timer_;
  std::shared_ptr<StatusServer::Shared> shared_;
  std::string request_;
  std::string answer_;
};

bool OutOfDescriptors(const boost::system::error_code& ec) {
  return ec == boost::system::errc::too_many_files_open ||
         ec == boost::system::errc::too_many_files_open_in_system;
}

int OpenReserve() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

StatusServer::StatusServer(net::io_context& io, std::string path, Handler handler,
                           StatusLimits limits)
    : io_(io),
      path_(std::move(path)),
      limits_(limits),
      shared_(std::make_shared<Shared>(Shared{std::move(handler), limits, 0})),
      retry_(io),
      backoff_(kFirstBackoff) {}

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
  reserve_fd_ = OpenReserve();
  Accept();
  return core::OkStatus();
}

void StatusServer::Accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, Local::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_) return;  // closed
    OnAccept(ec, std::move(socket));
  });
}

void StatusServer::OnAccept(boost::system::error_code ec, Local::socket socket) {
  if (ec) {
    if (failed_accepts_++ == 0) {
      LogWarning("status socket " + path_ + ": unable to accept a client: " + ec.message() +
                 "; trying again" +
                 (OutOfDescriptors(ec) ? " (clients waiting meanwhile are answered busy)" : ""));
    }
    if (OutOfDescriptors(ec) && ShedOne()) {
      Accept();  // that client is gone: the next one may find a descriptor again
    } else {
      AcceptLater();
    }
    return;
  }
  if (failed_accepts_ > 0) {
    LogInfo("status socket " + path_ + ": accepting clients again after " +
            std::to_string(failed_accepts_) + " failed accepts");
    failed_accepts_ = 0;
  }
  backoff_ = kFirstBackoff;
  if (shared_->clients >= limits_.max_clients) {
    AnswerBusy(socket.native_handle());
    boost::system::error_code ignored;
    socket.close(ignored);
    NoteRefused();
  } else {
    std::make_shared<Session>(std::move(socket), shared_)->Start();
  }
  Accept();
}

bool StatusServer::ShedOne() {
  if (reserve_fd_ < 0) return false;
  ::close(reserve_fd_);
  reserve_fd_ = -1;
  int fd = ::accept4(acceptor_->native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd >= 0) {
    AnswerBusy(fd);
    ::close(fd);
    NoteRefused();
  }
  reserve_fd_ = OpenReserve();  // another thread may have taken it meanwhile
  return fd >= 0 && reserve_fd_ >= 0;
}

void StatusServer::AcceptLater() {
  retry_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kLastBackoff);
  retry_.async_wait([this](boost::system::error_code ec) {
    if (ec || !acceptor_) return;  // closed
    if (reserve_fd_ < 0) reserve_fd_ = OpenReserve();
    Accept();
  });
}

void StatusServer::NoteRefused() {
  ++refused_;
  const auto now = std::chrono::steady_clock::now();
  if (now - refused_warned_ < kWarnEvery) return;
  LogWarning("status socket " + path_ + ": " + std::to_string(refused_) + " client" +
             (refused_ == 1 ? "" : "s") + " answered busy and closed: at most " +
             std::to_string(limits_.max_clients) +
             " are served at once, each closed unless it asks within " +
             std::to_string(limits_.read_deadline.count()) +
             " ms (or the daemon was out of file descriptors)");
  refused_ = 0;
  refused_warned_ = now;
}

void StatusServer::Close() {
  if (!acceptor_) return;
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  acceptor_.reset();
  retry_.cancel();
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
  reserve_fd_ = -1;
  ::unlink(path_.c_str());
}

}  // namespace relaywatch::app
