#include "smtp_connection.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <utility>

#include "relaywatch/deliver/detail_text.h"

namespace relaywatch::deliver::internal {
namespace {

using boost::system::error_code;
using net::ip::tcp;

constexpr std::size_t kMaxReplyLine = 4096;
constexpr std::size_t kMaxReplyLines = 200;

bool IsIpAddress(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

core::Result<std::shared_ptr<net::ssl::context>> MakeTlsContext(bool verify,
                                                                const std::string& ca_file) {
  try {
    auto context = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                         net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                         net::ssl::context::no_tlsv1_1);
    if (verify) {
      error_code ec;
      if (ca_file.empty()) {
        context->set_default_verify_paths(ec);
        if (ec) return core::Error{"unable to load the system CA store: " + ec.message()};
      } else {
        context->load_verify_file(ca_file, ec);
        if (ec) {
          return core::Error{"unable to load ca_file " + EscapeDetail(ca_file) + ": " +
                             ec.message()};
        }
      }
    }
    return context;
  } catch (const std::exception& e) {
    return core::Error{std::string("unable to set up TLS: ") + e.what()};
  }
}

SmtpConnection::SmtpConnection(core::Duration step_timeout)
    : step_timeout_(step_timeout), socket_(io_) {}

SmtpConnection::~SmtpConnection() { Close(); }

void SmtpConnection::Close() {
  error_code ignored;
  socket_.close(ignored);
}

error_code SmtpConnection::Wait(const std::optional<error_code>& done, Clock::time_point deadline) {
  io_.restart();
  while (!done) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    if (io_.run_one_for(deadline - now) == 0 && io_.stopped()) io_.restart();
  }
  if (done) return *done;
  // The deadline: closing the socket aborts the pending operation; its handler must still run
  // (it refers to this frame's variables) before we return.
  Close();
  io_.restart();
  io_.run();
  return net::error::timed_out;
}

core::Error SmtpConnection::Failure(std::string_view what, const error_code& ec) const {
  std::string reason;
  if (ec == net::error::timed_out) {
    reason = "timed out after " + core::FormatDuration(step_timeout_);
  } else if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
    reason = "connection closed";
  } else {
    reason = ec.message();
  }
  return core::Error{std::string(what) + ": " + reason};
}

core::Status SmtpConnection::Connect(const std::string& host, std::uint16_t port) {
  host_ = host;
  peer_ =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  const auto deadline = Clock::now() + step_timeout_;
  std::vector<tcp::endpoint> endpoints;
  error_code ec;
  const net::ip::address address = net::ip::make_address(host, ec);
  if (!ec) {
    endpoints.emplace_back(address, port);
  } else {
    tcp::resolver resolver(io_);
    std::optional<error_code> done;
    tcp::resolver::results_type results;
    resolver.async_resolve(host, std::to_string(port),
                           [&](const error_code& e, tcp::resolver::results_type r) {
                             done = e;
                             results = std::move(r);
                           });
    io_.restart();
    while (!done && Clock::now() < deadline) io_.run_one_for(deadline - Clock::now());
    if (!done) {
      resolver.cancel();
      io_.restart();
      io_.run();
      return Failure("unable to resolve " + EscapeDetail(host), net::error::timed_out);
    }
    if (*done) return Failure("unable to resolve " + EscapeDetail(host), *done);
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  std::optional<error_code> done;
  net::async_connect(socket_, endpoints,
                     [&done](const error_code& e, const tcp::endpoint&) { done = e; });
  if (const error_code e = Wait(done, deadline)) {
    return Failure("unable to connect to " + peer_, e);
  }
  return core::OkStatus();
}

core::Result<std::string> SmtpConnection::ReadLine(Clock::time_point deadline,
                                                   std::string_view after) {
  std::array<char, 4096> chunk;
  for (;;) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() > kMaxReplyLine) {
      return core::Error{"reply from " + peer_ + " to " + std::string(after) + " has a line " +
                         "longer than " + std::to_string(kMaxReplyLine) + " bytes"};
    }
    std::optional<error_code> done;
    std::size_t got = 0;
    auto on_read = [&](const error_code& e, std::size_t n) {
      done = e;
      got = n;
    };
    if (tls_) {
      tls_->async_read_some(net::buffer(chunk), on_read);
    } else {
      socket_.async_read_some(net::buffer(chunk), on_read);
    }
    const error_code e = Wait(done, deadline);
    buffer_.append(chunk.data(), got);
    if (e && got == 0) {
      return Failure("no reply from " + peer_ + " to " + std::string(after), e);
    }
  }
}

core::Result<SmtpReply> SmtpConnection::ReadReply(std::string_view after) {
  const auto deadline = Clock::now() + step_timeout_;
  SmtpReply reply;
  for (;;) {
    auto line = ReadLine(deadline, after);
    if (!line) return line.error();
    const std::optional<SmtpReplyLine> parsed = ParseReplyLine(*line);
    if (!parsed || (reply.code != 0 && parsed->code != reply.code)) {
      return core::Error{"unexpected reply from " + peer_ + " to " + std::string(after) + ": \"" +
                         EscapeDetail(*line, 200) + "\""};
    }
    reply.code = parsed->code;
    if (reply.lines.size() < kMaxReplyLines) reply.lines.emplace_back(parsed->text);
    if (parsed->last) return reply;
  }
}

core::Status SmtpConnection::Write(std::string_view bytes, std::string_view what) {
  std::optional<error_code> done;
  auto on_write = [&done](const error_code& e, std::size_t) { done = e; };
  if (tls_) {
    net::async_write(*tls_, net::buffer(bytes.data(), bytes.size()), on_write);
  } else {
    net::async_write(socket_, net::buffer(bytes.data(), bytes.size()), on_write);
  }
  if (const error_code e = Wait(done, Clock::now() + step_timeout_)) {
    return Failure("unable to send " + std::string(what) + " to " + peer_, e);
  }
  return core::OkStatus();
}

core::Status SmtpConnection::StartTls(std::shared_ptr<net::ssl::context> context, bool verify) {
  if (!buffer_.empty()) {
    return core::Error{"refusing TLS with " + peer_ + ": it sent more after its reply to STARTTLS"};
  }
  tls_context_ = std::move(context);
  tls_ = std::make_unique<net::ssl::stream<tcp::socket&>>(socket_, *tls_context_);
  SSL* ssl = tls_->native_handle();
  const bool is_ip = IsIpAddress(host_);
  if (!is_ip) SSL_set_tlsext_host_name(ssl, host_.c_str());
  if (verify) {
    tls_->set_verify_mode(net::ssl::verify_peer);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, host_.c_str(), host_.size());
    }
  } else {
    tls_->set_verify_mode(net::ssl::verify_none);
  }
  std::optional<error_code> done;
  tls_->async_handshake(net::ssl::stream_base::client, [&done](const error_code& e) { done = e; });
  if (const error_code e = Wait(done, Clock::now() + step_timeout_)) {
    core::Error error = Failure("TLS handshake with " + peer_ + " failed", e);
    const long verified = SSL_get_verify_result(ssl);
    if (verified != X509_V_OK) {
      error.message += std::string(" (") + X509_verify_cert_error_string(verified) + ")";
    }
    return error;
  }
  return core::OkStatus();
}

}  // namespace relaywatch::deliver::internal
