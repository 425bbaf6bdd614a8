#include "relaywatch/alerting/alert_text.h"

#include <gtest/gtest.h>

#include <string>

namespace relaywatch::alerting {
namespace {

using std::chrono::hours;

Alert Make(detect::RuleKind kind, std::string key, std::uint64_t count, std::string detail = "") {
  Alert a;
  a.host = "mx1.example.com";
  a.finding.rule = "r";
  a.finding.kind = kind;
  a.finding.key = std::move(key);
  a.finding.count = count;
  a.finding.limit = 500;
  a.finding.window = hours(1);
  a.finding.service = "smtp";
  a.finding.detail = std::move(detail);
  return a;
}

TEST(KindWordTest, NamesEveryRuleKindForAPhoneScreen) {
  EXPECT_EQ(KindWord(detect::RuleKind::kVolume), "VOLUME");
  EXPECT_EQ(KindWord(detect::RuleKind::kSender), "FRAUD");
  EXPECT_EQ(KindWord(detect::RuleKind::kRemoteIps), "IPS");
  EXPECT_EQ(KindWord(detect::RuleKind::kServicePolicy), "PORT25");
  EXPECT_EQ(KindWord(detect::RuleKind::kRcptLimit), "RCPTLIMIT");
  EXPECT_EQ(KindWord(detect::RuleKind::kGap), "GAP");
}

TEST(AlertStateNameTest, NamesEveryState) {
  EXPECT_EQ(AlertStateName(AlertState::kNew), "new");
  EXPECT_EQ(AlertStateName(AlertState::kOngoing), "ongoing");
  EXPECT_EQ(AlertStateName(AlertState::kResolved), "resolved");
  EXPECT_EQ(AlertStateName(AlertState::kDigest), "digest");
  EXPECT_EQ(AlertStateName(AlertState::kTest), "test");
}

TEST(SummaryLineTest, PutsTheVerdictKeyAndCountOnOneLinePerKind) {
  EXPECT_EQ(SummaryLine(Make(detect::RuleKind::kVolume, "bob@example.com", 612)),
            "VOLUME bob@example.com 612/1h");
  Alert fraud = Make(detect::RuleKind::kSender, "suzy@example.com", 12, "ceo@gmail.com");
  fraud.finding.window = hours(24);
  EXPECT_EQ(SummaryLine(fraud), "FRAUD suzy@example.com as ceo@gmail.com 12/1d");
  EXPECT_EQ(SummaryLine(Make(detect::RuleKind::kServicePolicy, "bob@example.com", 3)),
            "PORT25 bob@example.com on smtp 3/1h");
  Alert gap = Make(detect::RuleKind::kGap, "submission", 2, "2 files pruned");
  gap.finding.window = {};
  EXPECT_EQ(SummaryLine(gap), "GAP submission 2 2 files pruned");
}

TEST(SummaryLineTest, MarksOngoingResolvedTestAndDigestAlerts) {
  Alert a = Make(detect::RuleKind::kRemoteIps, "ip:203.0.113.7", 14);
  a.state = AlertState::kOngoing;
  EXPECT_EQ(SummaryLine(a), "STILL IPS ip:203.0.113.7 14/1h");
  a.state = AlertState::kResolved;
  EXPECT_EQ(SummaryLine(a), "OK IPS ip:203.0.113.7 14/1h");
  a.state = AlertState::kTest;
  EXPECT_EQ(SummaryLine(a), "TEST IPS ip:203.0.113.7 14/1h");
  a.state = AlertState::kDigest;
  a.digest_count = 14;
  EXPECT_EQ(SummaryLine(a), "DIGEST 14 alerts");
}

TEST(SummaryLineTest, StaysOneBoundedLineWhateverTheFieldsHold) {
  const std::string huge(10 * 1024, 'x');
  Alert a = Make(detect::RuleKind::kSender, huge + "\r\n", 1, "a\r\nBcc: victim@z" + huge);
  a.finding.window = std::chrono::nanoseconds(-1);
  a.state = AlertState::kOngoing;
  const std::string line = SummaryLine(a);
  EXPECT_LE(line.size(), kMaxSummaryLine);
  EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(line.rfind("STILL FRAUD xxx", 0), 0u);
}

}  // namespace
}  // namespace relaywatch::alerting
