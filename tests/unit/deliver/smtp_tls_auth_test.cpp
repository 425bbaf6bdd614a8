// SmtpTransport's STARTTLS (throw-away CA and certificates made by openssl) and AUTH PLAIN/LOGIN
// against tests/support/smtp_sink.py.
// Not tested: an expired certificate (openssl cannot backdate without faketime), client
// certificates (not supported).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "relaywatch/deliver/smtp_transport.h"
#include "smtp_test_support.h"

namespace relaywatch::deliver {
namespace {

using ::testing::HasSubstr;
using testing::kEnvelope;
using testing::kMessage;
using testing::Peer;
using testing::SmtpSink;
using testing::SmtpTransportTest;
using testing::TempDir;

class SmtpTlsTest : public SmtpTransportTest {};

TEST_F(SmtpTlsTest, StartTlsWithAVerifiedCertificate) {
  SmtpSink sink(TlsSink("good"));
  const DeliveryResult result = Send(TlsOptions(sink));
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_EQ(sink.Message(1), kMessage);
  EXPECT_THAT(sink.EnvelopeJson(1), HasSubstr(R"("tls": true)"));
}

TEST_F(SmtpTlsTest, StartTlsVerifiesAHostNameToo) {
  SmtpSink sink(TlsSink("good"));
  SmtpOptions options = TlsOptions(sink);
  options.host = "localhost";
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
}

TEST_F(SmtpTlsTest, ACertificateFromAnotherCaIsTemporary) {
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

TEST_F(SmtpTlsTest, ACertificateForAnotherNameIsTemporary) {
  SmtpSink sink(TlsSink("wrong-name"));
  const DeliveryResult result = Send(TlsOptions(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, "TLS handshake with " + Peer(sink) +
                               " failed: certificate verify failed (IP address mismatch)");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTlsTest, TlsVerifyOffAcceptsAnyCertificate) {
  SmtpSink sink(TlsSink("wrong-name"));
  SmtpOptions options = TlsOptions(sink);
  options.tls_verify = false;
  options.ca_file = *certs_ / "other-ca.crt";
  EXPECT_EQ(Send(options).status, DeliveryStatus::kOk);
}

TEST_F(SmtpTlsTest, AServerWithoutStartTlsIsTemporaryWhenItIsRequired) {
  SmtpSink sink;
  const DeliveryResult result = Send(TlsOptions(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, Peer(sink) + " does not offer STARTTLS, which is required");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTlsTest, RefusesAServerThatSendsMoreAfterItsReplyToStartTls) {
  // Bytes that arrive before the handshake must not be read as if they came over TLS.
  SmtpSink sink(TlsSink("good", {"--mode", "starttls-inject"}));
  const DeliveryResult result = Send(TlsOptions(sink));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail,
            "refusing TLS with " + Peer(sink) + ": it sent more after its reply to STARTTLS");
  EXPECT_EQ(sink.count(), 0);
}

TEST_F(SmtpTlsTest, AnUnreadableCaFileIsTemporaryUntilTheAdminFixesIt) {
  SmtpSink sink(TlsSink("good"));
  SmtpOptions options = TlsOptions(sink);
  options.ca_file = "/nonexistent/ca.pem";
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
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
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);  // sent once it is chmod 600
  EXPECT_EQ(result.detail, "refusing password file " + options.password_file +
                               ": mode 0644 lets group or others read or change it (chmod 600 " +
                               options.password_file + ")");
  EXPECT_EQ(sink.count(), 0);
  ASSERT_EQ(::chmod(options.password_file.c_str(), 0600), 0);
  EXPECT_EQ(Send(options).status, DeliveryStatus::kOk);
  EXPECT_EQ(sink.count(), 1);
}

TEST_F(SmtpAuthTest, AMissingPasswordFileIsTemporary) {
  SmtpSink sink(AuthSink("PLAIN"));
  SmtpOptions options = AuthOptions(sink, "x");
  options.password_file = dir_ / "missing";
  const DeliveryResult result = Send(options);
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
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
