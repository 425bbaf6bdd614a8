// Shared by the SMTP transport tests: a message and envelope, the fixture that starts sinks,
// and throw-away certificates made by the openssl program. Test code only.
#ifndef RELAYWATCH_TESTS_UNIT_DELIVER_SMTP_TEST_SUPPORT_H_
#define RELAYWATCH_TESTS_UNIT_DELIVER_SMTP_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "relaywatch/deliver/child_process.h"
#include "relaywatch/deliver/smtp_transport.h"
#include "smtp_sink.h"
#include "test_files.h"

namespace relaywatch::deliver::testing {

inline constexpr const char* kMessage =
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

inline const Envelope kEnvelope{"relaywatch@example.com", {"admin@example.com"}};

inline std::string Peer(const SmtpSink& sink) { return "127.0.0.1:" + std::to_string(sink.port()); }

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

  static inline Certificates* certs_ = nullptr;
};

}  // namespace relaywatch::deliver::testing

#endif  // RELAYWATCH_TESTS_UNIT_DELIVER_SMTP_TEST_SUPPORT_H_
