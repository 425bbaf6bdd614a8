// SmtpTransport against a real SMTP server, tests/support/smtp_sink.py (aiosmtpd) on 127.0.0.1:
// the dialogue, refusals, disconnects, stalls. TLS and AUTH: smtp_tls_auth_test.cpp.
// Not tested: IPv6 servers, a DNS lookup that hangs (getaddrinfo cannot be cancelled).
#include "relaywatch/deliver/smtp_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "smtp_test_support.h"

namespace relaywatch::deliver {
namespace {

using ::testing::HasSubstr;
using testing::kEnvelope;
using testing::kMessage;
using testing::Peer;
using testing::SmtpSink;
using testing::SmtpTransportTest;

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

}  // namespace
}  // namespace relaywatch::deliver
