#include "relaywatch/fleet/claim.h"

#include <gtest/gtest.h>

#include "relaywatch/fleet/fleet_keys.h"

namespace relaywatch::fleet {
namespace {

using namespace std::chrono_literals;

alerting::Alert AlertOf(alerting::AlertState state) {
  alerting::Alert a;
  a.id = "volume-0123456789abcdef-1000";
  a.state = state;
  a.finding.rule = "volume";
  a.finding.kind = detect::RuleKind::kVolume;
  a.finding.key = "bob@example.com";
  a.finding.window = 1h;
  a.finding.count = 612;
  a.finding.last = core::Timestamp(std::chrono::milliseconds(1'796'000'000'123));
  return a;
}

TEST(Claim, APageClaimsTheRuleAndKeyForItsPeriod) {
  auto r = ClaimFor(AlertOf(alerting::AlertState::kNew), "rw:", "mx1", std::nullopt, 2.0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, ClaimKey("rw:", RuleId("volume", 1h), "bob@example.com", "page"));
  EXPECT_EQ(r->node, "mx1");
  EXPECT_EQ(r->id, "volume-0123456789abcdef-1000");
  EXPECT_EQ(r->stamp_ms, 1'796'000'000'123);
  EXPECT_EQ(r->period_ms, 3'600'000);  // no alerts.repeat: the rule's window
  EXPECT_EQ(r->count, 612u);
  EXPECT_DOUBLE_EQ(r->escalate, 2.0);
  EXPECT_FALSE(r->force);
}

TEST(Claim, OngoingSharesThePageClaimAndRepeatSetsThePeriod) {
  auto r = ClaimFor(AlertOf(alerting::AlertState::kOngoing), "rw:", "mx1", 15min, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->key.ends_with(":page"));
  EXPECT_EQ(r->period_ms, 900'000);
  EXPECT_DOUBLE_EQ(r->escalate, 0);
}

TEST(Claim, AResolutionHasItsOwnClaimAndNeverEscalates) {
  auto r = ClaimFor(AlertOf(alerting::AlertState::kResolved), "rw:", "mx1", std::nullopt, 2.0);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->key.ends_with(":resolved"));
  EXPECT_DOUBLE_EQ(r->escalate, 0);
}

TEST(Claim, ThisNodesOwnAlertsAreNotShared) {
  EXPECT_FALSE(ClaimFor(AlertOf(alerting::AlertState::kDigest), "rw:", "mx1", {}, {}));
  EXPECT_FALSE(ClaimFor(AlertOf(alerting::AlertState::kTest), "rw:", "mx1", {}, {}));
  alerting::Alert gap = AlertOf(alerting::AlertState::kNew);
  gap.finding.kind = detect::RuleKind::kGap;  // this node's log was lost: its own news
  EXPECT_FALSE(ClaimFor(gap, "rw:", "mx1", {}, {}));
}

TEST(Claim, AClaimWonByEscalationOverAnotherNodesPageIsAnEscalation) {
  alerting::Alert a = AlertOf(alerting::AlertState::kNew);
  FollowFleetPage(a, ClaimResult{true, "mx1", a.id, true, 300});
  EXPECT_EQ(a.state, alerting::AlertState::kOngoing);
  EXPECT_EQ(a.previous_count, 300u);
  alerting::Alert first = AlertOf(alerting::AlertState::kNew);
  FollowFleetPage(first, ClaimResult{true, "mx1", first.id, false, 0});  // nobody paged before
  EXPECT_EQ(first.state, alerting::AlertState::kNew);
  alerting::Alert lost = AlertOf(alerting::AlertState::kNew);
  FollowFleetPage(lost, ClaimResult{false, "mx2", "x", false, 300});
  EXPECT_EQ(lost.state, alerting::AlertState::kNew);  // not sent anyway
}

}  // namespace
}  // namespace relaywatch::fleet
