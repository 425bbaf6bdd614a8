// SmtpTransport: delivers a message to an SMTP server (config `via: smtp`), Boost.Asio underneath.
//
// One connection per Send, on a private io_context, each step bounded by `timeout` (connect,
// every reply, every write, the TLS handshake): greeting; EHLO (HELO when the server refuses
// EHLO); STARTTLS when `starttls` (then EHLO again); AUTH PLAIN, else AUTH LOGIN, when `username`
// is set, with the password read from `password_file` (password_file.h); MAIL FROM (with
// BODY=8BITMIME when the message has 8-bit bytes and the server offers it); RCPT TO for each
// recipient; DATA with CRLF line ends and dot-stuffing (line_ends.h); QUIT.
//
// How outcomes sort (DeliveryResult.detail carries the server's words, escaped, and the step):
//   kTemporary: a 4xx reply; a failed or timed-out connect, read, write or TLS handshake; a
//     malformed reply; a server that does not offer STARTTLS when it is required; a certificate
//     that fails verification (wrong CA, wrong host name, expired). TLS failures are temporary
//     on purpose: they are fixed on the server (a renewed certificate, a restored chain), and the
//     Spool keeps the Alert until then (alerts.max_age), as qmail-remote's TLS patches defer.
//   kPermanent: a 5xx reply (AUTH refused with 535 included); an Envelope that fails
//     CheckEnvelope; a password file that is missing or readable by others; a ca_file that does
//     not load; a server that offers neither AUTH PLAIN nor AUTH LOGIN when a username is set.
// Recipients: a 4xx to any RCPT ends the transaction before DATA (kTemporary; a retry sends to
// all of them, none twice). Recipients refused with 5xx are skipped; if none is left the result
// is kPermanent; otherwise the message goes to the rest and the result is still kPermanent,
// naming the refused ones, so the admin hears of it (the Spool must not retry: the others have
// the message).
#ifndef RELAYWATCH_DELIVER_SMTP_TRANSPORT_H_
#define RELAYWATCH_DELIVER_SMTP_TRANSPORT_H_

#include <cstdint>
#include <string>

#include "relaywatch/core/time.h"
#include "relaywatch/deliver/mail_transport.h"

namespace relaywatch::deliver {

struct SmtpOptions {
  std::string host = "127.0.0.1";  // a name or an IP address
  std::uint16_t port = 25;
  bool starttls = false;   // require STARTTLS
  bool tls_verify = true;  // verify the certificate chain and the host name
  std::string ca_file;     // PEM; empty = the system store
  std::string username;    // AUTH when not empty
  std::string password_file;
  std::string helo;  // the name given in EHLO/HELO; empty = this machine's name
  core::Duration timeout = std::chrono::seconds(30);  // per step
};

class SmtpTransport final : public MailTransport {
 public:
  explicit SmtpTransport(SmtpOptions options);

  DeliveryResult Send(const Envelope& envelope, std::string_view message) override;

 private:
  SmtpOptions options_;
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_SMTP_TRANSPORT_H_
