// SmtpTransport against a real SMTP server: tests/support/smtp_sink.py (aiosmtpd) on 127.0.0.1,
// with throw-away certificates made by the openssl program.
// Not tested: IPv6 servers, a DNS lookup that hangs (getaddrinfo cannot be cancelled), servers
// that answer in 8-bit garbage beyond what the reply parser tests cover.
#include "relaywatch/deliver/smtp_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "relaywatch/deliver/child_process.h"
#include "smtp_sink.h"
#include "test_files.h"

namespace relaywatch::deliver {
namespace {

using ::testing::HasSubstr;
using testing::SmtpSink;
using testing::TempDir;

constexpr const char* kMessage =
    "From: relaywatch@example.com\r\n"
    "To: admin@example.com\r\n"
    "Subject: relaywatch: hourly-volume suzy@example.com 612/500\r\n"
    "Date: Sat, 28 Nov 2026 04:15:22 +0100\r\n"
    "Message-ID: <hourly-volume-1@mx1.example.com>\r\n"
    "\r\n"
    "suzy@example.com relayed 612 recipients in 1h (limit 500).\r\n"
    ".a line starting with a dot\r\n"
    ".\r\n"
    "the line above held a lone dot\r\n";

const Envelope kEnvelope{"relaywatch@example.com", {"admin@example.com"}};

std::string Peer(const SmtpSink& sink) { return "127.0.0.1:" + std::to_string(sink.port()); }

// Throw-away certificates, made once for the suite: a CA, a server certificate it signed for
// 127.0.0.1 and localhost, one it signed for another name only, and an unrelated CA.
class Certificates {
 public:
  Certificates() {
    MakeCa("ca");
    MakeCa("other-ca");
    MakeServer("good", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    MakeServer("wrong-name", "subjectAltName=DNS:mail.example.test");
  }
  std::string operator/(const std::string& name) const { return dir_ / name; }

 private:
  void Run(std::vector<std::string> argv) {
    ChildRequest request;
    request.argv = std::move(argv);
    request.timeout = std::chrono::seconds(20);
    const ChildOutcome outcome = RunChild(request);
    ASSERT_TRUE(outcome.end == ChildEnd::kExited && outcome.code == 0)
        << DescribeOutcome(request, outcome);
  }
  void MakeCa(const std::string& name) {
    Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir_ / (name + ".key"), "-out",
         dir_ / (name + ".crt"), "-subj", "/CN=relaywatch test " + name, "-days", "2"});
  }
  void MakeServer(const std::string& name, const std::string& san) {
    testing::WriteFile(dir_ / (name + ".ext"), san + "\n");
    Run({"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", dir_ / (name + ".key"), "-out", dir_ / (name + ".csr"), "-subj",
         "/CN=sink.test"});
    Run({"/usr/bin/openssl", "x509", "-req", "-in", dir_ / (name + ".csr"), "-CA", dir_ / "ca.crt",
         "-CAkey", dir_ / "ca.key", "-CAcreateserial", "-out", dir_ / (name + ".crt"), "-days", "2",
         "-extfile", dir_ / (name + ".ext")});
  }
  TempDir dir_;
};

class SmtpTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = new Certificates(); }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  static SmtpOptions Options(const SmtpSink& sink) {
    SmtpOptions options;
    options.host = "127.0.0.1";
    options.port = sink.port();
    options.helo = "mx1.example.com";
    options.timeout = std::chrono::seconds(5);
    return options;
  }
  static SmtpOptions TlsOptions(const SmtpSink& sink) {
    SmtpOptions options = Options(sink);
    options.starttls = true;
    options.ca_file = *certs_ / "ca.crt";
    return options;
  }
  static std::vector<std::string> TlsSink(const std::string& cert,
                                          std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--tls-cert", *certs_ / (cert + ".crt"), "--tls-key",
                                     *certs_ / (cert + ".key"), "--require-starttls"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  static DeliveryResult Send(const SmtpOptions& options, const Envelope& envelope = kEnvelope,
                             std::string_view message = kMessage) {
    return SmtpTransport(options).Send(envelope, message);
  }

  static Certificates* certs_;
};

Certificates* SmtpTransportTest::certs_ = nullptr;

TEST_F(SmtpTransportTest, DeliversTheMessageExactlyWithItsHeadersAndEnvelope) {
  SmtpSink sink;
  const DeliveryResult result =
      Send(Options(sink), {"relaywatch@example.com", {"a@example.com", "b@example.net"}});
  EXPECT_EQ(result.status, DeliveryStatus::kOk);
  EXPECT_EQ(result.detail, Peer(sink) + " said: 250 2.0.0 queued as 0001");
  ASSERT_EQ(sink.count(), 1);
  EXPECT_EQ(sink.Message(1), kMessage);
  EXPECT_EQ(sink.EnvelopeJson(1),
            R"({"mail_from": "relaywatch@example.com", "mail_options": [], "rcpt_tos": )"
            R"(["a@example.com", "b@example.net"], "helo": "mx1.example.com", "auth_login": )"
            R"(null, "auth_mechanism": null, "tls": false})");
}

TEST_F(SmtpTransportTest, SendsAnLfMessageWithCrlfAndAsksFor8BitMimeWhenNeeded) {
  SmtpSink sink;
  const DeliveryResult result =
      Send(Options(sink), kEnvelope, "Subject: caf\xc3\xa9\n\nline\n.dot\n");
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_EQ(sink.Message(1), "Subject: caf\xc3\xa9\r\n\r\nline\r\n.dot\r\n");
  EXPECT_THAT(sink.EnvelopeJson(1), HasSubstr(R"("mail_options": ["BODY=8BITMIME"])"));
}

TEST_F(SmtpTransportTest, A4xxToRcptIsTemporaryAndSendsNoData) {
  SmtpSink sink({"--mode", "refuse-rcpt", "--reply", "451 4.3.0 try again later"});
  const DeliveryResult result = Send(Options(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, Peer(sink) +
                               " said: 451 4.3.0 try again later (in reply to RCPT "
                               "TO:<admin@example.com>)");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, A5xxToEveryRcptIsPermanent) {
  SmtpSink sink({"--mode", "refuse-rcpt", "--reply", "550 5.1.1 no such user"});
  const DeliveryResult result = Send(Options(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail,
            Peer(sink) + " refused every recipient: admin@example.com: 550 5.1.1 no such user");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, ARecipientRefusedWith5xxIsSkippedAndNamedInAPermanentResult) {
  SmtpSink sink(
      {"--mode", "refuse-rcpt", "--only", "gone@example.com", "--reply", "550 5.1.1 no such user"});
  const DeliveryResult result =
      Send(Options(sink), {"relaywatch@example.com", {"gone@example.com", "admin@example.com"}});
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, Peer(sink) +
                               " said: 250 2.0.0 queued as 0001; delivered to admin@example.com "
                               "but refused for gone@example.com: 550 5.1.1 no such user");
  ASSERT_EQ(sink.count(), 1);
  EXPECT_THAT(sink.EnvelopeJson(1), HasSubstr(R"("rcpt_tos": ["admin@example.com"])"));
}

TEST_F(SmtpTransportTest, A4xxAfterDataIsTemporary) {
  SmtpSink sink({"--mode", "refuse-data", "--reply", "452 4.3.1 insufficient system storage"});
  const DeliveryResult result = Send(Options(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, Peer(sink) +
                               " said: 452 4.3.1 insufficient system storage (in reply to the "
                               "end of DATA)");
}

TEST_F(SmtpTransportTest, A5xxAfterDataIsPermanentWithEveryLineOfTheReply) {
  SmtpSink sink({"--mode", "refuse-data", "--reply", "554-5.7.1 rejected\r\n554 5.7.1 by policy"});
  const DeliveryResult result = Send(Options(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, Peer(sink) +
                               " said: 554 5.7.1 rejected / 5.7.1 by policy (in reply to the end "
                               "of DATA)");
}

TEST_F(SmtpTransportTest, RecoversAfterTheServerStopsRefusing) {
  SmtpSink sink({"--mode", "refuse-rcpt", "--refuse-count", "1"});
  EXPECT_EQ(Send(Options(sink)).status, DeliveryStatus::kTemporary);
  EXPECT_EQ(Send(Options(sink)).status, DeliveryStatus::kOk);
  ASSERT_EQ(sink.count(), 1);
  EXPECT_EQ(sink.Message(1), kMessage);
}

TEST_F(SmtpTransportTest, ADisconnectInTheMiddleOfDataIsTemporary) {
  SmtpSink sink({"--mode", "disconnect-data"});
  // A message larger than the socket buffers, so the server hangs up while we still write.
  std::string big = std::string(kMessage);
  while (big.size() < 4 * 1024 * 1024) big += std::string(998, 'x') + "\r\n";
  const DeliveryResult result = Send(Options(sink), kEnvelope, big);
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_THAT(result.detail, ::testing::StartsWith("unable to send the message to " + Peer(sink)));
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, ADisconnectBeforeTheReplyToDataIsTemporary) {
  SmtpSink sink({"--mode", "disconnect-data"});
  const DeliveryResult result = Send(Options(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_THAT(result.detail,
              ::testing::AnyOf(
                  "no reply from " + Peer(sink) + " to the end of DATA: connection closed",
                  "no reply from " + Peer(sink) + " to the end of DATA: Connection reset by peer"));
}

TEST_F(SmtpTransportTest, AServerThatNeverGreetsIsTemporaryWithinTheTimeout) {
  SmtpSink sink({"--mode", "stall-greeting"});
  SmtpOptions options = Options(sink);
  options.timeout = std::chrono::milliseconds(400);
  const auto start = std::chrono::steady_clock::now();
  const DeliveryResult result = Send(options);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, "no reply from " + Peer(sink) + " to greeting: timed out after 0.4s");
  EXPECT_GE(took, std::chrono::milliseconds(400));
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST_F(SmtpTransportTest, AServerThatNeverAnswersTheEndOfDataIsTemporaryWithinTheTimeout) {
  SmtpSink sink({"--mode", "stall-data"});
  SmtpOptions options = Options(sink);
  options.timeout = std::chrono::milliseconds(400);
  const auto start = std::chrono::steady_clock::now();
  const DeliveryResult result = Send(options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail,
            "no reply from " + Peer(sink) + " to the end of DATA: timed out after 0.4s");
}

TEST_F(SmtpTransportTest, AClosedPortIsTemporary) {
  // A port that was free a moment ago: bind, read the number, close.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  SmtpOptions options;
  options.port = ntohs(addr.sin_port);
  const DeliveryResult result = SmtpTransport(options).Send(kEnvelope, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, "unable to connect to 127.0.0.1:" + std::to_string(options.port) +
                               ": Connection refused");
}

TEST_F(SmtpTransportTest, FallsBackToHeloWhenTheServerRefusesEhlo) {
  SmtpSink sink({"--mode", "no-ehlo"});
  const DeliveryResult result = Send(Options(sink));
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_THAT(sink.EnvelopeJson(1), HasSubstr(R"("helo": "mx1.example.com")"));
}

TEST_F(SmtpTransportTest, RefusesASenderWithALineBreakBeforeConnecting) {
  SmtpSink sink;
  const DeliveryResult result =
      Send(Options(sink), {"x@y\r\nBcc: victim@z", {"admin@example.com"}});
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_THAT(result.detail, ::testing::StartsWith("refusing envelope sender \"x@y\\r\\nBcc:"));
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, RefusesARecipientThatWouldAddAnSmtpCommand) {
  SmtpSink sink;
  const DeliveryResult result =
      Send(Options(sink), {"a@example.com", {"admin@example.com>\r\nRCPT TO:<victim@z"}});
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, StartTlsWithAVerifiedCertificate) {
  SmtpSink sink(TlsSink("good"));
  const DeliveryResult result = Send(TlsOptions(sink));
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_EQ(sink.Message(1), kMessage);
  EXPECT_THAT(sink.EnvelopeJson(1), HasSubstr(R"("tls": true)"));
}

TEST_F(SmtpTransportTest, StartTlsVerifiesAHostNameToo) {
  SmtpSink sink(TlsSink("good"));
  SmtpOptions options = TlsOptions(sink);
  options.host = "localhost";
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
}

TEST_F(SmtpTransportTest, ACertificateFromAnotherCaIsTemporary) {
  SmtpSink sink(TlsSink("good"));
  SmtpOptions options = TlsOptions(sink);
  options.ca_file = *certs_ / "other-ca.crt";
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, "TLS handshake with " + Peer(sink) +
                               " failed: certificate verify failed (unable to get local issuer "
                               "certificate)");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, ACertificateForAnotherNameIsTemporary) {
  SmtpSink sink(TlsSink("wrong-name"));
  const DeliveryResult result = Send(TlsOptions(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, "TLS handshake with " + Peer(sink) +
                               " failed: certificate verify failed (IP address mismatch)");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, TlsVerifyOffAcceptsAnyCertificate) {
  SmtpSink sink(TlsSink("wrong-name"));
  SmtpOptions options = TlsOptions(sink);
  options.tls_verify = false;
  options.ca_file = *certs_ / "other-ca.crt";
  EXPECT_EQ(Send(options).status, DeliveryStatus::kOk);
}

TEST_F(SmtpTransportTest, AServerWithoutStartTlsIsTemporaryWhenItIsRequired) {
  SmtpSink sink;
  const DeliveryResult result = Send(TlsOptions(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, Peer(sink) + " does not offer STARTTLS, which is required");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTransportTest, AnUnreadableCaFileIsPermanent) {
  SmtpSink sink(TlsSink("good"));
  SmtpOptions options = TlsOptions(sink);
  options.ca_file = "/nonexistent/ca.pem";
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_THAT(result.detail, ::testing::StartsWith("unable to load ca_file /nonexistent/ca.pem: "));
}

class SmtpAuthTest : public SmtpTransportTest {
 protected:
  SmtpOptions AuthOptions(const SmtpSink& sink, const std::string& password, mode_t mode = 0600) {
    testing::WriteFile(dir_ / "password", password + "\n", mode);
    SmtpOptions options = Options(sink);
    options.username = "relaywatch@example.com";
    options.password_file = dir_ / "password";
    return options;
  }
  static std::vector<std::string> AuthSink(const std::string& mechanisms) {
    return {"--auth-user",  "relaywatch@example.com", "--auth-password",
            "s3cret pa:ss", "--auth-mechanisms",      mechanisms};
  }
  TempDir dir_;
};

TEST_F(SmtpAuthTest, AuthPlainWhenOffered) {
  SmtpSink sink(AuthSink("PLAIN,LOGIN"));
  const DeliveryResult result = Send(AuthOptions(sink, "s3cret pa:ss"));
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_THAT(sink.EnvelopeJson(1),
              HasSubstr(R"("auth_login": "relaywatch@example.com", "auth_mechanism": "PLAIN")"));
}

TEST_F(SmtpAuthTest, AuthLoginWhenOnlyItIsOffered) {
  SmtpSink sink(AuthSink("LOGIN"));
  const DeliveryResult result = Send(AuthOptions(sink, "s3cret pa:ss"));
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_THAT(sink.EnvelopeJson(1),
              HasSubstr(R"("auth_login": "relaywatch@example.com", "auth_mechanism": "LOGIN")"));
}

TEST_F(SmtpAuthTest, AWrongPasswordIsPermanentAndNotInTheDetail) {
  SmtpSink sink(AuthSink("PLAIN"));
  const DeliveryResult result = Send(AuthOptions(sink, "guess"));
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, Peer(sink) +
                               " said: 535 5.7.8 Authentication credentials invalid (in reply to "
                               "AUTH PLAIN)");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpAuthTest, AWrongPasswordOverLoginIsPermanentToo) {
  SmtpSink sink(AuthSink("LOGIN"));
  const DeliveryResult result = Send(AuthOptions(sink, "guess"));
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, Peer(sink) +
                               " said: 535 5.7.8 Authentication credentials invalid (in reply to "
                               "AUTH LOGIN password)");
}

TEST_F(SmtpAuthTest, RefusesAPasswordFileOthersCanReadWithoutConnecting) {
  SmtpSink sink(AuthSink("PLAIN"));
  const SmtpOptions options = AuthOptions(sink, "s3cret pa:ss", 0644);
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, "refusing password file " + options.password_file +
                               ": mode 0644 lets group or others read or change it (chmod 600 " +
                               options.password_file + ")");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpAuthTest, AMissingPasswordFileIsPermanent) {
  SmtpSink sink(AuthSink("PLAIN"));
  SmtpOptions options = AuthOptions(sink, "x");
  options.password_file = dir_ / "missing";
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, "unable to open password file " + options.password_file +
                               ": No such file or directory");
}

TEST_F(SmtpAuthTest, AServerWithoutPlainOrLoginIsPermanent) {
  SmtpSink sink;  // offers no AUTH at all
  const DeliveryResult result = Send(AuthOptions(sink, "x"));
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail,
            Peer(sink) + " offers neither AUTH PLAIN nor AUTH LOGIN (it offers no AUTH)");
}

TEST_F(SmtpAuthTest, AuthAfterStartTlsWhenTheServerOffersItOnlyThere) {
  SmtpSink sink(TlsSink("good", AuthSink("PLAIN,LOGIN")));
  SmtpOptions options = AuthOptions(sink, "s3cret pa:ss");
  options.starttls = true;
  options.ca_file = *certs_ / "ca.crt";
  const DeliveryResult result = Send(options);
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_THAT(sink.EnvelopeJson(1), HasSubstr(R"("auth_mechanism": "PLAIN", "tls": true)"));
}

}  // namespace
}  // namespace relaywatch::deliver
