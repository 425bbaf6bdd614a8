// MakeChannel end to end: config entry -> renderer -> transport -> a real SMTP server
// (smtp_sink.py), the real msmtp, or a hook script; with hostile Alert fields and a hostile sender.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "relaywatch/alerting/mime.h"
#include "relaywatch/alerting/render_json.h"
#include "relaywatch/alerting/render_sms.h"
#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/mail_channel.h"
#include "smtp_sink.h"
#include "test_files.h"

namespace relaywatch::deliver {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadFile;
using testing::SmtpSink;
using testing::TempDir;

core::Timestamp At(std::int64_t unix_seconds) { return *core::FromUnix(unix_seconds, 0); }

// 2026-11-28T03:15:22Z.
const core::Timestamp kNow = At(1795835722);
const core::LocalZone kZone = core::LocalZone::Fixed(3600);

alerting::Alert VolumeAlert(std::string key = "suzy@example.com") {
  alerting::Alert alert;
  alert.id = "hourly-volume-5f1c2a9e0b7d4c31-1795831200000000000";
  alert.host = "mx1.example.com";
  alert.finding.rule = "hourly-volume";
  alert.finding.kind = detect::RuleKind::kVolume;
  alert.finding.key = std::move(key);
  alert.finding.count = 612;
  alert.finding.limit = 500;
  alert.finding.window = std::chrono::hours(1);
  alert.finding.first = At(1795831210);
  alert.finding.last = At(1795835700);
  alert.finding.service = "submission";
  alert.finding.basis = "chkuser";
  alert.finding.sample.remote_ips = {{"203.0.113.7", 600}};
  return alert;
}

const std::string kHostile = "x@y\r\nBcc: victim@z";

config::ChannelConfig SmtpConfig(const SmtpSink& sink, config::ChannelFormat format) {
  config::ChannelConfig c;
  c.name = "admins";
  c.format = format;
  c.via = config::ChannelVia::kSmtp;
  c.host = "127.0.0.1";
  c.port = sink.port();
  c.from = "relaywatch@example.com";
  c.to = {"admin@example.com"};
  c.timeout = std::chrono::seconds(5);
  return c;
}

// msmtp as the sendmail program, pointed at `sink` by a config file in `dir`.
config::ChannelConfig MsmtpConfig(const SmtpSink& sink, const TempDir& dir,
                                  config::ChannelFormat format) {
  testing::WriteFile(dir / "msmtprc",
                     "defaults\nauth off\ntls off\n\naccount default\n"
                     "host 127.0.0.1\nport " +
                         std::to_string(sink.port()) + "\n");
  config::ChannelConfig c;
  c.name = "phone";
  c.format = format;
  c.via = config::ChannelVia::kSendmail;
  c.command = {"/usr/sbin/sendmail", "--file=" + (dir / "msmtprc"), "-i"};
  c.from = "relaywatch@example.com";
  c.to = {"5551234567@vtext.com"};
  c.timeout = std::chrono::seconds(5);
  return c;
}

std::vector<std::string> HeaderLines(const std::string& message) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end; (end = message.find("\r\n", start)) != std::string::npos; start = end + 2) {
    if (end == start) break;  // the blank line: the header ends
    out.push_back(message.substr(start, end - start));
  }
  return out;
}

bool HasHeader(const std::string& message, const std::string& name) {
  for (const auto& line : HeaderLines(message)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == ':') {
      return true;
    }
  }
  return false;
}

TEST(MakeChannelTest, EmailViaSmtpArrivesAsBuiltWithDateFromToAndMessageId) {
  SmtpSink sink;
  auto channel = MakeChannel(SmtpConfig(sink, config::ChannelFormat::kEmail), kZone);
  ASSERT_EQ(channel->name(), "admins");
  const alerting::Alert alert = VolumeAlert();
  const DeliveryResult result = channel->Deliver(alert, kNow);
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  ASSERT_EQ(sink.count(), 1);
  const std::string message = sink.Message(1);
  EXPECT_EQ(message, BuildAlertMessage(alert, MailFormat::kEmail, "relaywatch@example.com",
                                       {"admin@example.com"}, kNow, kZone));
  const std::vector<std::string> header = HeaderLines(message);
  EXPECT_THAT(header, ::testing::Contains("Date: Sat, 28 Nov 2026 04:15:22 +0100"));
  EXPECT_THAT(header, ::testing::Contains("From: relaywatch@example.com"));
  EXPECT_THAT(header, ::testing::Contains("To: admin@example.com"));
  EXPECT_THAT(header, ::testing::Contains("Message-ID: <" + alert.id + "@mx1.example.com>"));
  EXPECT_THAT(header, ::testing::Contains("Subject: " + alerting::RenderSms(alert)));
  EXPECT_THAT(sink.EnvelopeJson(1), HasSubstr(R"("rcpt_tos": ["admin@example.com"], )"
                                              R"("helo": "mx1.example.com")"));
}

TEST(MakeChannelTest, SmsViaMsmtpHasNoSubjectAndTheSmsLineAsBody) {
  SmtpSink sink;
  TempDir dir;
  auto channel = MakeChannel(MsmtpConfig(sink, dir, config::ChannelFormat::kSms), kZone);
  const alerting::Alert alert = VolumeAlert();
  const DeliveryResult result = channel->Deliver(alert, kNow);
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  ASSERT_EQ(sink.count(), 1);
  const std::string message = sink.Message(1);
  EXPECT_FALSE(HasHeader(message, "Subject"));
  EXPECT_THAT(message, HasSubstr("\r\n\r\n" + alerting::RenderSms(alert) + "\r\n"));
  EXPECT_EQ(message, BuildAlertMessage(alert, MailFormat::kSms, "relaywatch@example.com",
                                       {"5551234567@vtext.com"}, kNow, kZone));
  EXPECT_THAT(sink.EnvelopeJson(1),
              HasSubstr(R"("mail_from": "relaywatch@example.com", "mail_options": [], )"
                        R"("rcpt_tos": ["5551234567@vtext.com"])"));
}

// The key, the detail and the service come from the log: whatever they hold, no header and no
// recipient comes out of them, through either transport and either format.
TEST(MakeChannelTest, HostileAlertFieldsAddNoHeaderAndNoRecipient) {
  SmtpSink sink;
  TempDir dir;
  alerting::Alert alert = VolumeAlert(kHostile);
  alert.finding.detail = "\r\nBcc: victim@z\r\n\r\n.\r\nRCPT TO:<victim@z>";
  alert.finding.service = "smtp\nBcc: victim@z";
  alert.finding.sample.recipients = {"a@b\r\nBcc: victim@z"};
  const std::vector<config::ChannelConfig> configs = {
      SmtpConfig(sink, config::ChannelFormat::kEmail),
      SmtpConfig(sink, config::ChannelFormat::kSms),
      MsmtpConfig(sink, dir, config::ChannelFormat::kEmail),
      MsmtpConfig(sink, dir, config::ChannelFormat::kSms)};
  for (const auto& config : configs) {
    const DeliveryResult result = MakeChannel(config, kZone)->Deliver(alert, kNow);
    ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  }
  ASSERT_EQ(sink.count(), 4);
  for (int n = 1; n <= 4; ++n) {
    const std::string message = sink.Message(n);
    EXPECT_FALSE(HasHeader(message, "Bcc")) << message;
    EXPECT_THAT(sink.EnvelopeJson(n),
                ::testing::AnyOf(HasSubstr(R"("rcpt_tos": ["admin@example.com"])"),
                                 HasSubstr(R"("rcpt_tos": ["5551234567@vtext.com"])")));
    EXPECT_THAT(sink.EnvelopeJson(n), Not(HasSubstr("victim")));
  }
}

TEST(MakeChannelTest, AHostileSenderIsRefusedByEveryMailTransport) {
  SmtpSink sink;
  TempDir dir;
  for (config::ChannelConfig config : {SmtpConfig(sink, config::ChannelFormat::kEmail),
                                       MsmtpConfig(sink, dir, config::ChannelFormat::kSms)}) {
    config.from = kHostile;
    const DeliveryResult result = MakeChannel(config, kZone)->Deliver(VolumeAlert(), kNow);
    EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
    EXPECT_THAT(result.detail, ::testing::StartsWith("refusing envelope sender"));
  }
  EXPECT_EQ(sink.count(), 0);
}

TEST(MakeChannelTest, ExecGetsTheJsonAndSanitizedVariables) {
  TempDir dir;
  const std::string hook = testing::WriteScript(
      dir, "hook",
      "cat > " + (dir / "stdin") + "\n/usr/bin/env | LC_ALL=C sort > " + (dir / "env") + "\n");
  config::ChannelConfig c;
  c.name = "hook";
  c.format = config::ChannelFormat::kJson;
  c.via = config::ChannelVia::kExec;
  c.command = {hook};
  alerting::Alert alert = VolumeAlert(kHostile + std::string(10 * 1024, 'k'));
  alert.finding.rule = "r\xc3\xbcle";
  const DeliveryResult result = MakeChannel(c, kZone)->Deliver(alert, kNow);
  ASSERT_EQ(result.status, DeliveryStatus::kOk) << result.detail;
  EXPECT_EQ(ReadFile(dir / "stdin"), alerting::RenderJson(alert));
  std::vector<std::string> env;
  std::istringstream in(ReadFile(dir / "env"));
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("PWD=")) env.push_back(line);
  }
  EXPECT_THAT(env,
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "RELAYWATCH_COUNT=612", "RELAYWATCH_HOST=mx1.example.com",
                          "RELAYWATCH_ID=" + alert.id, "RELAYWATCH_KIND=volume",
                          "RELAYWATCH_LIMIT=500", "RELAYWATCH_RULE=r??le", "RELAYWATCH_STATE=new",
                          "RELAYWATCH_TEXT=" + alerting::RenderSms(alert),
                          "RELAYWATCH_USER=x@y??Bcc: victim@z" + std::string(256 - 18, 'k')));
}

TEST(MakeChannelTest, JsonByMailIsRefusedOnEveryDelivery) {
  SmtpSink sink;
  config::ChannelConfig c = SmtpConfig(sink, config::ChannelFormat::kJson);
  const DeliveryResult result = MakeChannel(c, kZone)->Deliver(VolumeAlert(), kNow);
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, "channel admins: format json is only sent via exec");
  EXPECT_EQ(sink.count(), 0);
}

TEST(ChannelFileProblemsTest, NamesWhatADeliveryWouldRefuseAndNothingOnceFixed) {
  TempDir dir;
  testing::WriteFile(dir / "password", "s3cret\n", 0644);
  config::ChannelConfig c;
  c.name = "mail";
  c.via = config::ChannelVia::kSmtp;
  c.username = "relaywatch@example.com";
  c.password_file = dir / "password";
  c.starttls = true;
  c.ca_file = "/nonexistent/ca.pem";
  EXPECT_THAT(ChannelFileProblems(c),
              ElementsAre("refusing password file " + c.password_file +
                              ": mode 0644 lets group or others read or change it (chmod 600 " +
                              c.password_file + ")",
                          "unable to read ca_file /nonexistent/ca.pem: No such file or directory"));
  testing::WriteFile(dir / "password", "s3cret\n", 0600);
  c.ca_file.clear();  // the system store
  EXPECT_THAT(ChannelFileProblems(c), ElementsAre());
  c.via = config::ChannelVia::kSendmail;  // reads no such file
  c.password_file = dir / "missing";
  EXPECT_THAT(ChannelFileProblems(c), ElementsAre());
}

}  // namespace
}  // namespace relaywatch::deliver
