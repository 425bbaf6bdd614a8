#include "relaywatch/alerting/mute_list.h"

#include <gtest/gtest.h>

namespace relaywatch::alerting {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const core::Timestamp kT0 = core::Timestamp(hours(24 * 20000));

Mute M(std::string key, std::string rule, core::Timestamp until, std::string reason = "") {
  return Mute{std::move(key), std::move(rule), kT0, until, "mute", std::move(reason)};
}

TEST(MuteList, MatchesItsKeyOnly) {
  MuteList l({M("tom@example.com", "", kT0 + hours(1))});
  EXPECT_NE(l.Match("tom@example.com", "volume", kT0), nullptr);
  EXPECT_EQ(l.Match("bob@example.com", "volume", kT0), nullptr);
  EXPECT_EQ(l.Match("Tom@example.com", "volume", kT0), nullptr);  // keys are normalized before
}

TEST(MuteList, EndsAtUntil) {
  MuteList l({M("tom@example.com", "", kT0 + hours(1))});
  EXPECT_NE(l.Match("tom@example.com", "r", kT0 + minutes(59)), nullptr);
  EXPECT_EQ(l.Match("tom@example.com", "r", kT0 + hours(1)), nullptr);
  EXPECT_EQ(l.Prune(kT0 + minutes(59)), 0u);
  EXPECT_EQ(l.Prune(kT0 + hours(1)), 1u);
  EXPECT_TRUE(l.mutes().empty());
}

TEST(MuteList, RuleSpecificOnlyForItsRuleAndPreferred) {
  MuteList l({M("tom@example.com", "volume", kT0 + hours(1), "rule")});
  EXPECT_NE(l.Match("tom@example.com", "volume", kT0), nullptr);
  EXPECT_EQ(l.Match("tom@example.com", "countries", kT0), nullptr);
  ASSERT_TRUE(l.Add(M("tom@example.com", "", kT0 + hours(5), "all")));
  EXPECT_EQ(l.Match("tom@example.com", "volume", kT0)->reason, "rule");
  EXPECT_EQ(l.Match("tom@example.com", "countries", kT0)->reason, "all");
  // The rule's own mute ended: the one for every rule still holds.
  EXPECT_EQ(l.Match("tom@example.com", "volume", kT0 + hours(2))->reason, "all");
}

TEST(MuteList, AddReplacesSameKeyAndRule) {
  MuteList l;
  ASSERT_TRUE(l.Add(M("k", "", kT0 + hours(1))));
  ASSERT_TRUE(l.Add(M("k", "", kT0 + hours(3), "again")));
  ASSERT_EQ(l.mutes().size(), 1u);
  EXPECT_EQ(l.mutes()[0].reason, "again");
  ASSERT_TRUE(l.Add(M("k", "r", kT0 + hours(1))));
  EXPECT_EQ(l.mutes().size(), 2u);
}

TEST(MuteList, RemoveOneRuleOrAll) {
  MuteList l({M("k", "", kT0 + hours(1)), M("k", "r", kT0 + hours(1)), M("j", "", kT0 + hours(1))});
  EXPECT_EQ(l.Remove("k", "r", false), 1u);
  EXPECT_EQ(l.Remove("k", "r", false), 0u);
  l.Add(M("k", "r", kT0 + hours(1)));
  EXPECT_EQ(l.Remove("k", "", true), 2u);
  ASSERT_EQ(l.mutes().size(), 1u);
  EXPECT_EQ(l.mutes()[0].key, "j");
}

TEST(MuteList, BoundedCount) {
  MuteList l;
  for (std::size_t i = 0; i < kMaxMutes; ++i) ASSERT_TRUE(l.Add(M(std::to_string(i), "", kT0)));
  EXPECT_FALSE(l.Add(M("one more", "", kT0)));
  EXPECT_TRUE(l.Add(M("0", "", kT0 + hours(1))));  // a replacement still goes in
}

TEST(MuteList, Describe) {
  EXPECT_EQ(DescribeMute(M("k", "", core::Timestamp(std::chrono::seconds(1796637600)),
                           "password changed\n")),
            "muted until 2026-12-07 10:00:00 UTC by mute (password changed\\x0a)");
  EXPECT_EQ(DescribeMute(M("k", "", core::Timestamp(std::chrono::seconds(1796637600)))),
            "muted until 2026-12-07 10:00:00 UTC by mute");
}

}  // namespace
}  // namespace relaywatch::alerting
