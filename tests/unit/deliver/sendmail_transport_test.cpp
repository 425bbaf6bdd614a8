// SendmailTransport against stand-in scripts (argv, stdin and exit status) and against the real
// Debian msmtp-mta /usr/sbin/sendmail delivering to smtp_sink.py.
// Not tested: qmail-inject itself (not installed on the test machine); its flags are the ones
// its man page documents (-f, recipients as arguments) and the stand-ins assert those flags.
#include "relaywatch/deliver/sendmail_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "smtp_sink.h"
#include "test_files.h"

namespace relaywatch::deliver {
namespace {

using ::testing::ElementsAre;
using testing::ReadFile;
using testing::SmtpSink;
using testing::TempDir;
using testing::WriteScript;

constexpr const char* kMessage =
    "From: relaywatch@example.com\r\n"
    "To: admin@example.com\r\n"
    "Subject: relaywatch: hourly-volume suzy@example.com 612/500\r\n"
    "Date: Sat, 28 Nov 2026 04:15:22 +0100\r\n"
    "Message-ID: <hourly-volume-1@mx1.example.com>\r\n"
    "\r\n"
    "suzy@example.com relayed 612 recipients in 1h (limit 500).\r\n"
    ".a line starting with a dot\r\n";

const Envelope kEnvelope{"relaywatch@example.com", {"5551234567@vtext.com", "admin@example.com"}};

// A sendmail stand-in that records its arguments (one per line) and its stdin, then exits.
std::string Recorder(const TempDir& dir, int exit_code, const std::string& say = "") {
  return WriteScript(dir, "sendmail",
                     "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + (dir / "argv") +
                         "\ncat > " + (dir / "stdin") + "\n" +
                         (say.empty() ? "" : "echo '" + say + "' >&2\n") + "exit " +
                         std::to_string(exit_code) + "\n");
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(text.substr(start, nl - start));
  }
  return out;
}

SendmailTransport Transport(std::vector<std::string> command,
                            core::Duration timeout = std::chrono::seconds(10)) {
  return SendmailTransport(SendmailOptions{std::move(command), timeout});
}

TEST(SendmailTransportTest, GivesSenderAndRecipientsAsArgumentsAndTheMessageWithLfOnStdin) {
  TempDir dir;
  const std::string program = Recorder(dir, 0);
  const DeliveryResult result = Transport({program, "-i"}).Send(kEnvelope, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kOk);
  EXPECT_EQ(result.detail, program + " exited 0");
  EXPECT_THAT(Lines(ReadFile(dir / "argv")),
              ElementsAre("-frelaywatch@example.com", "-i", "--", "5551234567@vtext.com",
                          "admin@example.com"));
  EXPECT_EQ(ReadFile(dir / "stdin"),
            "From: relaywatch@example.com\n"
            "To: admin@example.com\n"
            "Subject: relaywatch: hourly-volume suzy@example.com 612/500\n"
            "Date: Sat, 28 Nov 2026 04:15:22 +0100\n"
            "Message-ID: <hourly-volume-1@mx1.example.com>\n"
            "\n"
            "suzy@example.com relayed 612 recipients in 1h (limit 500).\n"
            ".a line starting with a dot\n");
}

TEST(SendmailTransportTest, LeavesTheSenderToACommandThatSetsItItself) {
  TempDir dir;
  const std::string program = Recorder(dir, 0);
  EXPECT_EQ(Transport({program, "-f", "bounces@example.com"}).Send(kEnvelope, kMessage).status,
            DeliveryStatus::kOk);
  EXPECT_THAT(
      Lines(ReadFile(dir / "argv")),
      ElementsAre("-f", "bounces@example.com", "--", "5551234567@vtext.com", "admin@example.com"));
}

TEST(SendmailTransportTest, GivesNoSenderOptionForTheNullSender) {
  TempDir dir;
  const std::string program = Recorder(dir, 0);
  EXPECT_EQ(Transport({program}).Send(Envelope{"", {"admin@example.com"}}, kMessage).status,
            DeliveryStatus::kOk);
  EXPECT_THAT(Lines(ReadFile(dir / "argv")), ElementsAre("--", "admin@example.com"));
}

TEST(SendmailTransportTest, MapsExitStatusesTheQmailWay) {
  struct Case {
    int exit_code;
    DeliveryStatus status;
  };
  const Case cases[] = {
      {0, DeliveryStatus::kOk},          {75, DeliveryStatus::kTemporary},
      {111, DeliveryStatus::kTemporary}, {74, DeliveryStatus::kTemporary},
      {71, DeliveryStatus::kTemporary},  {100, DeliveryStatus::kPermanent},
      {1, DeliveryStatus::kPermanent},   {64, DeliveryStatus::kPermanent},
      {69, DeliveryStatus::kPermanent},  {78, DeliveryStatus::kPermanent},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string program = Recorder(dir, c.exit_code, "sendmail: said something");
    const DeliveryResult result = Transport({program}).Send(kEnvelope, kMessage);
    EXPECT_EQ(result.status, c.status) << c.exit_code;
    EXPECT_EQ(result.detail,
              program + " exited " + std::to_string(c.exit_code) + ": sendmail: said something");
  }
}

TEST(SendmailTransportTest, KillsAProgramThatHangsAndCallsItTemporary) {
  TempDir dir;
  const std::string program = WriteScript(dir, "sendmail", "cat > /dev/null\nexec sleep 30\n");
  const auto start = std::chrono::steady_clock::now();
  const DeliveryResult result =
      Transport({program}, std::chrono::milliseconds(300)).Send(kEnvelope, kMessage);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, program + " did not finish within 0.3s; killed");
}

TEST(SendmailTransportTest, CallsAMissingProgramTemporary) {
  const DeliveryResult result = Transport({"/nonexistent/qmail-inject"}).Send(kEnvelope, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, "unable to run /nonexistent/qmail-inject: No such file or directory");
}

TEST(SendmailTransportTest, RefusesACommandThatReadsRecipientsFromTheHeader) {
  TempDir dir;
  const std::string program = Recorder(dir, 0);
  const DeliveryResult result = Transport({program, "-t", "-i"}).Send(kEnvelope, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail,
            "refusing sendmail command with -t: relaywatch gives the recipients as arguments");
  EXPECT_FALSE(testing::Exists(dir / "argv"));
}

TEST(SendmailTransportTest, RefusesASenderWithALineBreakWithoutRunningAnything) {
  TempDir dir;
  const std::string program = Recorder(dir, 0);
  const DeliveryResult result =
      Transport({program}).Send(Envelope{"x@y\r\nBcc: victim@z", {"admin@example.com"}}, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail,
            "refusing envelope sender \"x@y\\r\\nBcc: victim@z\": an address must be printable "
            "ASCII without spaces, '<' or '>', not start with '-', and be at most 254 bytes");
  EXPECT_FALSE(testing::Exists(dir / "argv"));
}

TEST(SendmailTransportTest, RefusesARecipientThatWouldReadAsAnOption) {
  TempDir dir;
  const std::string program = Recorder(dir, 0);
  const DeliveryResult result = Transport({program}).Send(Envelope{"a@b", {"-oQ/tmp/x"}}, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_FALSE(testing::Exists(dir / "argv"));
}

// The real msmtp (Debian's msmtp-mta /usr/sbin/sendmail) with its own config file.
class MsmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(sink_.port(), 0);
    testing::WriteFile(conf_,
                       "defaults\nauth off\ntls off\n\naccount default\nhost 127.0.0.1\n"
                       "port " +
                           std::to_string(sink_.port()) +
                           "\n"
                           "from ignored@example.com\n");
  }
  SendmailTransport Msmtp() { return Transport({"/usr/sbin/sendmail", "--file=" + conf_, "-i"}); }

  SmtpSink sink_;
  TempDir dir_;
  std::string conf_ = dir_ / "msmtprc";
};

TEST_F(MsmtpTest, DeliversTheMessageUnchangedToTheEnvelopeRecipients) {
  const DeliveryResult result = Msmtp().Send(kEnvelope, kMessage);
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  ASSERT_EQ(sink_.count(), 1);
  EXPECT_EQ(sink_.Message(1), kMessage);
  EXPECT_THAT(
      sink_.EnvelopeJson(1),
      ::testing::HasSubstr("\"mail_from\": \"relaywatch@example.com\", \"mail_options\": [], "
                           "\"rcpt_tos\": [\"5551234567@vtext.com\", \"admin@example.com\"]"));
}

TEST_F(MsmtpTest, ABccHeaderInTheMessageAddsNoRecipient) {
  const std::string message = std::string("Bcc: victim@z\r\n") + kMessage;
  const DeliveryResult result =
      Msmtp().Send(Envelope{"a@example.com", {"admin@example.com"}}, message);
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  ASSERT_EQ(sink_.count(), 1);
  EXPECT_THAT(sink_.EnvelopeJson(1), ::testing::HasSubstr("\"rcpt_tos\": [\"admin@example.com\"]"));
}

TEST_F(MsmtpTest, AHostileSenderReachesNeitherTheServerNorAHeader) {
  const DeliveryResult result =
      Msmtp().Send(Envelope{"x@y\r\nBcc: victim@z", {"admin@example.com"}}, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(sink_.count(), 0);
}

TEST_F(MsmtpTest, AServerThatStopsAnsweringIsTemporary) {
  SmtpSink stalling({"--mode", "stall-data"});
  testing::WriteFile(conf_,
                     "defaults\nauth off\ntls off\ntimeout 1\n\naccount default\n"
                     "host 127.0.0.1\nport " +
                         std::to_string(stalling.port()) + "\n");
  const DeliveryResult result = Msmtp().Send(kEnvelope, kMessage);
  // msmtp exits EX_IOERR (74) on its own timeout.
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary) << result.detail;
  EXPECT_EQ(result.detail,
            "/usr/sbin/sendmail exited 74: sendmail: network read error: the operation timed "
            "out\\nsendmail: could not send mail (account default from " +
                conf_ + ")");
}

TEST_F(MsmtpTest, AServerRefusalIsPermanentAndCarriesTheServerWords) {
  SmtpSink refusing({"--mode", "refuse-data", "--reply", "554 5.7.1 rejected by policy"});
  testing::WriteFile(conf_,
                     "defaults\nauth off\ntls off\n\naccount default\nhost 127.0.0.1\n"
                     "port " +
                         std::to_string(refusing.port()) + "\n");
  const DeliveryResult result = Msmtp().Send(kEnvelope, kMessage);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent) << result.detail;
  EXPECT_THAT(result.detail, ::testing::StartsWith("/usr/sbin/sendmail exited 69: "));
  EXPECT_THAT(result.detail, ::testing::HasSubstr("554 5.7.1 rejected by policy"));
}

}  // namespace
}  // namespace relaywatch::deliver
