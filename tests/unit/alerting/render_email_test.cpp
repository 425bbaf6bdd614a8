#include "relaywatch/alerting/render_email.h"

#include <gtest/gtest.h>

#include <string>

#include "relaywatch/alerting/render_sms.h"
#include "relaywatch/alerting/test_alert.h"
#include "relaywatch/detect/rule_kind.h"
#include "sample_alerts.h"

namespace relaywatch::alerting {
namespace {

using namespace testing;

const core::LocalZone kZone = core::LocalZone::Fixed(3600);  // CET

TEST(RenderEmailTest, SenderAlertBodyHasEverythingToActOn) {
  const EmailContent e = RenderEmail(FraudAlert(), kZone);
  EXPECT_EQ(e.subject, "mx1 FRAUD suzy@example.com as ceo@bank.example x12/1d");
  EXPECT_EQ(e.body,
            "relaywatch on mx1.example.com: suzy@example.com sent as ceo@bank.example, an address "
            "it may not use (12 times in 1d).\n"
            "\n"
            "Rule:      foreign-sender (sender)\n"
            "State:     new\n"
            "Key:       suzy@example.com\n"
            "Count:     12 in 1d (limit 1)\n"
            "First:     2026-11-28 03:55:26 +0100 (2026-11-28T02:55:26.029545444Z)\n"
            "Last:      2026-11-28 04:37:26 +0100 (2026-11-28T03:37:26.029545567Z)\n"
            "Service:   submission\n"
            "Basis:     chkuser (its AUTHUSER field: the SMTP AUTH login when the session "
            "authenticated; for a client relaying by IP it can come from ident or MAIL FROM "
            "AUTH=)\n"
            "Detail:    ceo@bank.example\n"
            "\n"
            "Top senders (envelope MAIL FROM):\n"
            "  ceo@bank.example  12\n"
            "  suzy@example.com  3\n"
            "\n"
            "Top client IPs:\n"
            "  203.0.113.5  15\n"
            "\n"
            "Sample recipients:\n"
            "  x@gmail.example\n"
            "  y@yahoo.example\n"
            "\n"
            "Investigate:\n"
            "  relaywatch report --user 'suzy@example.com' --since 2026-11-28T02:55:26Z --until "
            "2026-11-28T03:37:27Z\n"
            "\n"
            "Alert id:  foreign-sender-18b1d106788cc6c9-1795837046029545567\n");
}

TEST(RenderEmailTest, AHistoryLineUnderTheCountShowsTheSlices) {
  Alert a = VolumeAlert();
  a.finding.slices.assign(60, 0);  // 49 quiet minutes, then the run, peak 80 in the last
  const std::uint32_t run[] = {1, 5, 10, 20, 30, 40, 50, 60, 70, 79, 40};
  for (std::size_t i = 0; i < std::size(run); ++i)
    a.finding.slices[60 - std::size(run) + i] = run[i];
  a.finding.slices.back() = 80;
  const std::string body = RenderEmail(a, kZone).body;
  EXPECT_NE(body.find("Count:     612 in 1h (limit 500)\n"
                      "History:   |" +
                      std::string(49, ' ') +
                      "▁▁▁▂▃▄▅▆▇██| 1m each, peak 80\n"
                      "First:     "),
            std::string::npos)
      << body;
  // Not known (a spool file from before): no line, the rest as it was.
  a.finding.slices.clear();
  EXPECT_EQ(RenderEmail(a, kZone).body, RenderEmail(VolumeAlert(), kZone).body);
  EXPECT_EQ(RenderEmail(a, kZone).body.find("History:"), std::string::npos);
  // The SMS has no room for it.
  a.finding.slices.assign(60, 1);
  EXPECT_EQ(RenderEmail(a, kZone).subject, RenderSms(VolumeAlert()));
}

TEST(RenderEmailTest, SubjectIsTheSmsText) {
  for (const Alert& a :
       {FraudAlert(), VolumeAlert(), WithState(VolumeAlert(), AlertState::kResolved, 612)}) {
    EXPECT_EQ(RenderEmail(a, kZone).subject, RenderSms(a));
  }
}

TEST(RenderEmailTest, EachKindSaysWhatHappenedInOneSentence) {
  auto headline = [](const Alert& a) {
    const std::string body = RenderEmail(a, kZone).body;
    return body.substr(0, body.find('\n'));
  };
  EXPECT_EQ(headline(VolumeAlert()),
            "relaywatch on mx1.example.com: bob@example.com relayed 612 recipients in 1h (limit "
            "500).");
  Alert ips = WithKind(VolumeAlert(), detect::RuleKind::kRemoteIps, "many-ips");
  EXPECT_EQ(headline(ips),
            "relaywatch on mx1.example.com: bob@example.com relayed from 612 different client IPs "
            "in 1h (limit 500).");
  Alert port25 = WithKind(VolumeAlert(), detect::RuleKind::kServicePolicy, "port25-auth");
  port25.finding.detail = "smtp";
  EXPECT_EQ(headline(port25),
            "relaywatch on mx1.example.com: bob@example.com relayed authenticated mail through "
            "smtp, which the rule does not allow (612 times in 1h).");
  Alert rcpt = WithKind(VolumeAlert(), detect::RuleKind::kRcptLimit, "rcpt-limit-hits");
  EXPECT_EQ(headline(rcpt),
            "relaywatch on mx1.example.com: bob@example.com hit chkuser's recipient limit per "
            "connection 612 times in 1h (limit 500).");
  Alert gap = WithKind(VolumeAlert(), detect::RuleKind::kGap, "gap");
  gap.finding.key = "submission";
  gap.finding.detail = "2 archives pruned before they were read";
  EXPECT_EQ(headline(gap),
            "relaywatch on mx1.example.com: Log lines of submission were lost: 2 archives pruned "
            "before they were read.");
  EXPECT_NE(
      RenderEmail(gap, kZone)
          .body.find(
              "  (no command: a gap is about a log source, not a login; see relaywatch status)\n"),
      std::string::npos);
}

TEST(RenderEmailTest, EveryKindsSentenceFillsEachPlaceholderAndNeverRescansTheValues) {
  for (const detect::RuleKindInfo& kind : detect::RuleKinds()) {
    Alert a = WithKind(VolumeAlert(), kind.kind, "rule");
    a.finding.detail = "d";
    const std::string body = RenderEmail(a, kZone).body;
    const std::string headline = body.substr(0, body.find('\n'));
    EXPECT_EQ(headline.find_first_of("{}"), std::string::npos) << kind.name << ": " << headline;
    // A login that looks like a placeholder is written as it is.
    a.finding.key = "{count}{detail}@example.com";
    const std::string hostile = RenderEmail(a, kZone).body;
    EXPECT_NE(hostile.find("{count}{detail}@example.com"), std::string::npos) << kind.name;
  }
}

TEST(RenderEmailTest, OngoingAndResolvedGiveTheCountLastAlerted) {
  const std::string ongoing =
      RenderEmail(WithState(VolumeAlert(), AlertState::kOngoing, 500), kZone).body;
  EXPECT_EQ(ongoing.substr(0, ongoing.find('\n')),
            "relaywatch on mx1.example.com: Still going on: bob@example.com relayed 612 recipients "
            "in 1h (limit 500). The last alert counted 500.");
  EXPECT_NE(ongoing.find("\nState:     ongoing\n"), std::string::npos);
  EXPECT_NE(ongoing.find("\nCount:     612 in 1h (limit 500), last alert counted 500\n"),
            std::string::npos);

  Alert resolved = WithState(VolumeAlert(), AlertState::kResolved, 612);
  resolved.finding.count = 12;
  const std::string body = RenderEmail(resolved, kZone).body;
  EXPECT_EQ(body.substr(0, body.find('\n')),
            "relaywatch on mx1.example.com: VOLUME for bob@example.com is over: 12 in 1h now, "
            "under the limit of 500 (the last alert counted 612).");
}

TEST(RenderEmailTest, DigestListsTheHeldAlerts) {
  Alert d;
  d.state = AlertState::kDigest;
  d.host = "mx1.example.com";
  d.id = "digest-0123456789abcdef-1795836000000000000";
  d.digest_count = 14;
  d.digest_text =
      "VOLUME bob@example.com 612/1h\nFRAUD suzy@example.com as ceo@bank.example 12/1d\n"
      "... and 12 more\n";
  d.finding.first = kLineStamp;
  d.finding.last = kLineStamp + minutes(30);
  const EmailContent e = RenderEmail(d, kZone);
  EXPECT_EQ(e.subject,
            "mx1 DIGEST 14 more alerts - log in: VOLUME bob@example.com 612/1h; FRAUD "
            "suzy@example.com as ceo@bank.example 12/1d; ... and 12 more");
  EXPECT_EQ(e.body,
            "relaywatch on mx1.example.com: 14 more alerts on mx1.example.com were held back by "
            "max_per_hour; log in to look at them.\n"
            "\n"
            "First:     2026-11-28 03:55:26 +0100 (2026-11-28T02:55:26.029545444Z)\n"
            "Last:      2026-11-28 04:25:26 +0100 (2026-11-28T03:25:26.029545444Z)\n"
            "\n"
            "Held alerts:\n"
            "  VOLUME bob@example.com 612/1h\n"
            "  FRAUD suzy@example.com as ceo@bank.example 12/1d\n"
            "  ... and 12 more\n"
            "\n"
            "Alert id:  digest-0123456789abcdef-1795836000000000000\n");
}

TEST(RenderEmailTest, TestAlertAsksForNothing) {
  const EmailContent e = RenderEmail(MakeTestAlert("mx1.example.com", "admins", kLineStamp), kZone);
  EXPECT_EQ(e.subject, "mx1 TEST alert from relaywatch, no action needed: via admins");
  EXPECT_EQ(e.body.substr(0, e.body.find('\n')),
            "relaywatch on mx1.example.com: This is a test alert from relaywatch on "
            "mx1.example.com (via admins). No action needed.");
  EXPECT_EQ(e.body.find("Investigate"), std::string::npos);
}

TEST(RenderEmailTest, RefusesTheCommandForALoginWithControlBytesAndSaysWhy) {
  Alert a = VolumeAlert();
  a.finding.key = "bob@example.com\r\nrm -rf /";
  const std::string body = RenderEmail(a, kZone).body;
  EXPECT_NE(body.find("\nKey:       bob@example.com??rm -rf /\n"), std::string::npos) << body;
  EXPECT_NE(body.find("\nInvestigate:\n  (no command: the login holds control characters"),
            std::string::npos)
      << body;
  EXPECT_EQ(body.find("relaywatch report --user"), std::string::npos);
}

TEST(RenderEmailTest, CutsTenKilobyteFieldsAndListsAtMostTenSamples) {
  Alert a = FraudAlert();
  a.finding.detail = std::string(10 * 1024, 's') + "@bank.example";
  for (int i = 0; i < 50; ++i)
    a.finding.sample.recipients.push_back("r" + std::to_string(i) + "@x");
  const std::string body = RenderEmail(a, kZone).body;
  EXPECT_NE(body.find("\nDetail:    " + std::string(253, 's') + "...\n"), std::string::npos);
  EXPECT_NE(body.find("  r7@x\n"), std::string::npos);
  EXPECT_EQ(body.find("  r8@x\n"), std::string::npos);  // 2 + 8 = 10 listed
  std::size_t longest = 0;
  for (std::size_t p = 0, q; p < body.size(); p = q + 1) {
    q = body.find('\n', p);
    longest = std::max(longest, q - p);
  }
  EXPECT_LE(longest, 998u);
}

}  // namespace
}  // namespace relaywatch::alerting
