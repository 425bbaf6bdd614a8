#include "relaywatch/deliver/smtp_transport.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "relaywatch/deliver/detail_text.h"
#include "relaywatch/deliver/line_ends.h"
#include "relaywatch/deliver/password_file.h"
#include "relaywatch/deliver/smtp_reply.h"
#include "smtp_connection.h"

namespace relaywatch::deliver {
namespace {

using internal::SmtpConnection;

DeliveryResult Temporary(std::string detail) {
  return DeliveryResult{DeliveryStatus::kTemporary, std::move(detail)};
}
DeliveryResult Permanent(std::string detail) {
  return DeliveryResult{DeliveryStatus::kPermanent, std::move(detail)};
}

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool HasEightBit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return (c & 0x80) != 0; });
}

// The name for EHLO: the configured one, else this machine's, if it is a plain host name.
std::string HeloName(const std::string& configured) {
  std::string name = configured;
  if (name.empty()) {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0) name = buf;
  }
  const bool plain =
      !name.empty() && name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-';
      });
  return plain ? name : "localhost";
}

// One SMTP transaction over one connection.
class Session {
 public:
  Session(const SmtpOptions& options, SmtpConnection& connection)
      : options_(options), connection_(connection) {}

  DeliveryResult Run(const Envelope& envelope, std::string_view message);

 private:
  // Sends `command` and reads the reply; `name` is how errors call the command (never the
  // credentials themselves).
  core::Result<SmtpReply> Command(const std::string& command, std::string_view name) {
    if (auto written = connection_.Write(command + "\r\n", name); !written) {
      return written.error();
    }
    return connection_.ReadReply(name);
  }

  // A reply that was not the one hoped for: 4xx temporary, 5xx permanent, anything else
  // (a 2xx where 3xx was due...) temporary, as a confused server may recover.
  DeliveryResult Refused(const SmtpReply& reply, std::string_view in_reply_to) {
    connection_.Write("QUIT\r\n", "QUIT").ok();  // best effort; the answer does not matter
    std::string detail = connection_.peer() + " said: " + DescribeReply(reply) + " (in reply to " +
                         std::string(in_reply_to) + ")";
    return reply.Class() == 5 ? Permanent(std::move(detail)) : Temporary(std::move(detail));
  }

  // Sends `command` and expects a reply of `want_class`.
  std::optional<DeliveryResult> Expect(const std::string& command, std::string_view name,
                                       int want_class, SmtpReply* reply_out = nullptr) {
    auto reply = Command(command, name);
    if (!reply) return Temporary(reply.error().message);
    if (reply->Class() != want_class) return Refused(*reply, name);
    if (reply_out != nullptr) *reply_out = std::move(*reply);
    return std::nullopt;
  }

  std::optional<DeliveryResult> Hello(EhloExtensions& extensions);
  std::optional<DeliveryResult> Authenticate(const EhloExtensions& extensions,
                                             const std::string& password);

  const SmtpOptions& options_;
  SmtpConnection& connection_;
};

std::optional<DeliveryResult> Session::Hello(EhloExtensions& extensions) {
  const std::string name = HeloName(options_.helo);
  auto ehlo = Command("EHLO " + name, "EHLO");
  if (!ehlo) return Temporary(ehlo.error().message);
  if (ehlo->Class() == 2) {
    extensions = ParseEhlo(*ehlo);
    return std::nullopt;
  }
  // A server without ESMTP says 500/502 to EHLO; RFC 5321 4.1.4 has the client fall back to HELO.
  if (ehlo->Class() != 5) return Refused(*ehlo, "EHLO");
  extensions = EhloExtensions{};
  return Expect("HELO " + name, "HELO", 2);
}

std::optional<DeliveryResult> Session::Authenticate(const EhloExtensions& extensions,
                                                    const std::string& password) {
  if (extensions.auth_plain) {
    const std::string token = Base64(std::string(1, '\0') + options_.username + '\0' + password);
    return Expect("AUTH PLAIN " + token, "AUTH PLAIN", 2);
  }
  if (extensions.auth_login) {
    if (auto r = Expect("AUTH LOGIN", "AUTH LOGIN", 3)) return r;
    if (auto r = Expect(Base64(options_.username), "AUTH LOGIN user name", 3)) return r;
    return Expect(Base64(password), "AUTH LOGIN password", 2);
  }
  std::string offered;
  for (const auto& m : extensions.auth) offered += (offered.empty() ? "" : " ") + m;
  connection_.Write("QUIT\r\n", "QUIT").ok();
  return Permanent(connection_.peer() + " offers neither AUTH PLAIN nor AUTH LOGIN (" +
                   (offered.empty() ? std::string("it offers no AUTH")
                                    : "it offers " + EscapeDetail(offered, 200)) +
                   ")");
}

DeliveryResult Session::Run(const Envelope& envelope, std::string_view message) {
  // What a retry cannot fix is checked before connecting.
  if (auto checked = CheckEnvelope(envelope); !checked) return Permanent(checked.error().message);
  // The local files are the admin's to fix (chmod 600, a ca_file put in place): temporary, so
  // the alert goes out at the next attempt after the fix instead of waiting in failed/.
  std::string password;
  if (!options_.username.empty()) {
    auto read = ReadPasswordFile(options_.password_file);
    if (!read) return Temporary(read.error().message);
    password = std::move(*read);
  }
  std::shared_ptr<net::ssl::context> tls_context;
  if (options_.starttls) {
    auto made = internal::MakeTlsContext(options_.tls_verify, options_.ca_file);
    if (!made) return Temporary(made.error().message);
    tls_context = std::move(*made);
  }

  if (auto connected = connection_.Connect(options_.host, options_.port); !connected) {
    return Temporary(connected.error().message);
  }
  auto greeting = connection_.ReadReply("greeting");
  if (!greeting) return Temporary(greeting.error().message);
  if (greeting->Class() != 2) return Refused(*greeting, "greeting");

  EhloExtensions extensions;
  if (auto failed = Hello(extensions)) return *failed;
  if (options_.starttls) {
    if (!extensions.starttls) {
      connection_.Write("QUIT\r\n", "QUIT").ok();
      return Temporary(connection_.peer() + " does not offer STARTTLS, which is required");
    }
    if (auto failed = Expect("STARTTLS", "STARTTLS", 2)) return *failed;
    if (auto secured = connection_.StartTls(tls_context, options_.tls_verify); !secured) {
      return Temporary(secured.error().message);
    }
    // RFC 3207 4.2: forget what the server said before TLS and ask again.
    if (auto failed = Hello(extensions)) return *failed;
  }
  if (!options_.username.empty()) {
    if (auto failed = Authenticate(extensions, password)) return *failed;
  }

  const bool eight_bit = HasEightBit(message);
  std::string mail = "MAIL FROM:<" + envelope.from + ">";
  if (eight_bit && extensions.eightbitmime) mail += " BODY=8BITMIME";
  if (auto failed = Expect(mail, "MAIL FROM", 2)) return *failed;

  std::vector<std::string> accepted;
  std::string refused;
  for (const auto& rcpt : envelope.to) {
    const std::string name = "RCPT TO:<" + rcpt + ">";
    auto reply = Command(name, name);
    if (!reply) return Temporary(reply.error().message);
    if (reply->Class() == 2) {
      accepted.push_back(rcpt);
    } else if (reply->Class() == 5) {
      refused += (refused.empty() ? "" : "; ") + rcpt + ": " + DescribeReply(*reply);
    } else {
      // Not DATA now: a retry will go to every recipient, so none may have it yet.
      return Refused(*reply, name);
    }
  }
  if (accepted.empty()) {
    connection_.Write("QUIT\r\n", "QUIT").ok();
    return Permanent(connection_.peer() + " refused every recipient: " + refused);
  }

  if (auto failed = Expect("DATA", "DATA", 3)) return *failed;
  if (auto written = connection_.Write(ToSmtpData(message), "the message"); !written) {
    return Temporary(written.error().message);
  }
  auto done = connection_.ReadReply("the end of DATA");
  if (!done) return Temporary(done.error().message);
  if (done->Class() != 2) return Refused(*done, "the end of DATA");
  const std::string said = connection_.peer() + " said: " + DescribeReply(*done);

  // The message is delivered; QUIT is courtesy and its failure changes nothing.
  if (connection_.Write("QUIT\r\n", "QUIT").ok()) connection_.ReadReply("QUIT").ok();

  if (!refused.empty()) {
    std::string to;
    for (const auto& a : accepted) to += (to.empty() ? "" : " ") + a;
    return Permanent(said + "; delivered to " + to + " but refused for " + refused);
  }
  return DeliveryResult{DeliveryStatus::kOk, said};
}

}  // namespace

SmtpTransport::SmtpTransport(SmtpOptions options) : options_(std::move(options)) {}

DeliveryResult SmtpTransport::Send(const Envelope& envelope, std::string_view message) {
  try {
    SmtpConnection connection(options_.timeout);
    return Session(options_, connection).Run(envelope, message);
  } catch (const std::exception& e) {
    // Asio calls here use error codes; this is for bad_alloc and the like.
    return Temporary(std::string("SMTP delivery failed: ") + e.what());
  }
}

}  // namespace relaywatch::deliver
