#include "relaywatch/alerting/render_sms.h"

#include <gtest/gtest.h>

#include <string>

#include "relaywatch/alerting/test_alert.h"
#include "sample_alerts.h"

namespace relaywatch::alerting {
namespace {

using namespace testing;

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

TEST(RenderSmsTest, SenderFraudLeadsWithHostVerdictLoginAndForeignSender) {
  EXPECT_EQ(RenderSms(FraudAlert()), "mx1 FRAUD suzy@example.com as ceo@bank.example x12/1d");
}

TEST(RenderSmsTest, VolumeGivesCountWindowAndLimit) {
  EXPECT_EQ(RenderSms(VolumeAlert()), "mx1 VOLUME bob@example.com 612 rcpt/1h (limit 500)");
}

TEST(RenderSmsTest, AVolumeRuleCountingMessagesSaysMsgs) {
  Alert a = VolumeAlert();
  a.finding.unit = detect::CountUnit::kMessages;
  EXPECT_EQ(RenderSms(a), "mx1 VOLUME bob@example.com 612 msgs/1h (limit 500)");
}

TEST(RenderSmsTest, EachRuleKindHasItsOwnWords) {
  Alert ips = WithKind(VolumeAlert(), detect::RuleKind::kRemoteIps, "many-ips");
  ips.finding.count = 14;
  ips.finding.limit = 10;
  EXPECT_EQ(RenderSms(ips), "mx1 IPS bob@example.com 14 IPs/1h (limit 10)");

  Alert port25 = WithKind(VolumeAlert(), detect::RuleKind::kServicePolicy, "port25-auth");
  port25.finding.count = 3;
  port25.finding.detail = "smtp";
  EXPECT_EQ(RenderSms(port25), "mx1 PORT25 bob@example.com auth relay on smtp x3/1h");
  port25.finding.detail.clear();  // falls back to the line's service
  EXPECT_EQ(RenderSms(port25), "mx1 PORT25 bob@example.com auth relay on submission x3/1h");

  Alert rcpt = WithKind(VolumeAlert(), detect::RuleKind::kRcptLimit, "rcpt-limit-hits");
  rcpt.finding.count = 4;
  rcpt.finding.limit = 3;
  EXPECT_EQ(RenderSms(rcpt), "mx1 RCPTLIMIT bob@example.com 4 hits/1h (limit 3)");

  Alert gap = WithKind(VolumeAlert(), detect::RuleKind::kGap, "gap");
  gap.finding.key = "submission";
  gap.finding.detail = "2 archives pruned before they were read";
  EXPECT_EQ(RenderSms(gap), "mx1 GAP submission 2 archives pruned before they were read");
}

TEST(RenderSmsTest, OngoingSaysStillAndTheCountLastAlerted) {
  Alert a = WithState(VolumeAlert(), AlertState::kOngoing, 612);
  a.finding.count = 1200;
  EXPECT_EQ(RenderSms(a), "mx1 STILL VOLUME bob@example.com 1200 rcpt/1h (was 612)");
  EXPECT_EQ(RenderSms(WithState(FraudAlert(), AlertState::kOngoing, 12)),
            "mx1 STILL FRAUD suzy@example.com as ceo@bank.example x12/1d (was 12)");
}

TEST(RenderSmsTest, ResolvedSaysOkAndTheCountNow) {
  Alert a = WithState(VolumeAlert(), AlertState::kResolved, 612);
  a.finding.count = 12;
  EXPECT_EQ(RenderSms(a), "mx1 OK VOLUME bob@example.com now 12 rcpt/1h (limit 500)");
}

TEST(RenderSmsTest, DigestCountsTheHeldAlertsAndListsWhatFits) {
  Alert d;
  d.state = AlertState::kDigest;
  d.host = "mx1.example.com";
  d.digest_count = 14;
  d.digest_text =
      "VOLUME bob@example.com 612/1h\nFRAUD suzy@example.com as ceo@bank.example 12/1d\n";
  EXPECT_EQ(RenderSms(d),
            "mx1 DIGEST 14 more alerts - log in: VOLUME bob@example.com 612/1h; FRAUD "
            "suzy@example.com as ceo@bank.example 12/1d");
  for (int i = 0; i < 100; ++i)
    d.digest_text += "VOLUME user" + std::to_string(i) + "@example.com 600/1h\n";
  const std::string sms = RenderSms(d);
  EXPECT_EQ(sms.size(), kSmsMaxChars);
  EXPECT_EQ(sms.rfind("mx1 DIGEST 14 more alerts - log in: VOLUME bob@example.com", 0), 0u);
  EXPECT_EQ(sms.substr(sms.size() - 3), "...");
}

TEST(RenderSmsTest, TestAlertSaysTestAndNamesTheChannel) {
  EXPECT_EQ(RenderSms(MakeTestAlert("mx1.example.com", "phone", kLineStamp)),
            "mx1 TEST alert from relaywatch, no action needed: via phone");
}

TEST(RenderSmsTest, ATenKilobyteSenderIsCutAndHostVerdictAndCountSurvive) {
  Alert a = FraudAlert();
  a.finding.detail = std::string(10 * 1024, 'a') + "@bank.example";
  const std::string sms = RenderSms(a);
  EXPECT_EQ(sms.size(), kSmsMaxChars);
  EXPECT_EQ(sms.rfind("mx1 FRAUD suzy@example.com as aaaa", 0), 0u) << sms;
  EXPECT_EQ(sms.substr(sms.size() - 13), "aaa... x12/1d");
}

TEST(RenderSmsTest, CutsTheLongestFieldFirstThenSharesTheCut) {
  // Fixed parts: "mx1 " "FRAUD " " as " " x12/1d" = 21 characters, 139 left for the fields.
  Alert a = FraudAlert();
  a.finding.key = std::string(28, 'k') + "@example.com";  // 40: fits beside a cut sender
  a.finding.detail = std::string(200, 's');
  EXPECT_EQ(RenderSms(a),
            "mx1 FRAUD " + a.finding.key + " as " + std::string(96, 's') + "... x12/1d");
  // Both too long: each gets about half.
  a.finding.key = std::string(300, 'k');
  const std::string sms = RenderSms(a);
  EXPECT_EQ(sms.size(), kSmsMaxChars);
  const std::size_t key_len = sms.find(" as ") - 10;
  const std::size_t sender_len = sms.size() - 7 - (sms.find(" as ") + 4);
  EXPECT_LE(key_len > sender_len ? key_len - sender_len : sender_len - key_len, 1u) << sms;
  EXPECT_EQ(sms.substr(sms.size() - 11), "s... x12/1d");
}

TEST(RenderSmsTest, HostIsItsFirstLabelUnlessItIsAnAddress) {
  EXPECT_EQ(ShortHostName("mx1.example.com"), "mx1");
  EXPECT_EQ(ShortHostName("mx1"), "mx1");
  EXPECT_EQ(ShortHostName("192.0.2.25"), "192.0.2.25");
  EXPECT_EQ(ShortHostName("2001:db8::25"), "2001:db8::25");
  EXPECT_EQ(ShortHostName(""), "relaywatch");
  EXPECT_EQ(ShortHostName("m\xC3\xBC"
                          "x.example"),
            "m?x");
  EXPECT_EQ(ShortHostName(std::string(100, 'h')), std::string(29, 'h') + "...");
}

TEST(RenderSmsTest, EveryKindAndStateIsAtMost160PrintableAsciiWhateverTheFieldsHold) {
  for (const std::string& text : HostileTexts()) {
    for (const Alert& a : HostileAlerts(text)) {
      const std::string sms = RenderSms(a);
      EXPECT_LE(sms.size(), kSmsMaxChars) << sms;
      EXPECT_TRUE(IsPrintableAscii(sms)) << sms;
      EXPECT_EQ(sms.rfind("mx1 ", 0), 0u) << sms;
    }
  }
}

}  // namespace
}  // namespace relaywatch::alerting
