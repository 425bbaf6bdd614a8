// SmtpConnection: one SMTP client connection with a deadline on every step (private to deliver).
//
// Each call runs the connection's own io_context until the step completed or `step_timeout`
// passed; at the deadline the socket is closed, the pending operation's handler runs with
// operation_aborted, and the call returns "timed out ...". So Deliver, called from the
// dispatcher's thread, never blocks longer than the steps' timeouts (a DNS lookup is the one
// exception: getaddrinfo cannot be interrupted; an IP address as host skips it). Every failure
// here is a connection failure, temporary by nature; the error text names the server and the step.
//
// STARTTLS: the handshake verifies the certificate chain (system store or ca_file) and the host
// name or IP address given as host (OpenSSL's X509_VERIFY_PARAM, so the error says which failed),
// sends SNI for a name, and refuses a server that sent anything after its 220 reply to STARTTLS
// (bytes buffered before the handshake would otherwise be read as if they came over TLS).
#ifndef RELAYWATCH_DELIVER_SMTP_CONNECTION_H_
#define RELAYWATCH_DELIVER_SMTP_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"
#include "relaywatch/deliver/asio_ssl.h"
#include "relaywatch/deliver/smtp_reply.h"

namespace relaywatch::deliver::internal {

// A TLS client context: certificate verification on (against `ca_file`, or the system store when
// empty) or off. Errors name the file: "unable to load ca_file /x: ...".
core::Result<std::shared_ptr<net::ssl::context>> MakeTlsContext(bool verify,
                                                                const std::string& ca_file);

class SmtpConnection {
 public:
  explicit SmtpConnection(core::Duration step_timeout);
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // "host:port" (IPv6 in brackets), for messages.
  const std::string& peer() const { return peer_; }

  core::Status Connect(const std::string& host, std::uint16_t port);
  // Reads one whole reply; `after` names what it answers ("greeting", "EHLO", ...) for errors.
  core::Result<SmtpReply> ReadReply(std::string_view after);
  // Writes all of `bytes`; `what` names them for errors.
  core::Status Write(std::string_view bytes, std::string_view what);
  // TLS handshake over the open connection (after the server's 220 to STARTTLS).
  core::Status StartTls(std::shared_ptr<net::ssl::context> context, bool verify);
  bool tls() const { return tls_ != nullptr; }
  void Close();

 private:
  using Clock = std::chrono::steady_clock;

  // Runs io_ until `done` is set or `deadline`; at the deadline aborts the operation and returns
  // timed_out.
  boost::system::error_code Wait(const std::optional<boost::system::error_code>& done,
                                 Clock::time_point deadline);
  core::Result<std::string> ReadLine(Clock::time_point deadline, std::string_view after);
  core::Error Failure(std::string_view what, const boost::system::error_code& ec) const;

  core::Duration step_timeout_;
  net::io_context io_;
  net::ip::tcp::socket socket_;
  std::shared_ptr<net::ssl::context> tls_context_;
  std::unique_ptr<net::ssl::stream<net::ip::tcp::socket&>> tls_;
  std::string host_;
  std::string peer_;
  std::string buffer_;  // read but not yet consumed
};

}  // namespace relaywatch::deliver::internal

#endif  // RELAYWATCH_DELIVER_SMTP_CONNECTION_H_
