#include "relaywatch/detect/rule_kind.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::detect {
namespace {

TEST(RuleKindTest, HasOneRowPerKindWhoseNameReadsBackAsThatKind) {
  std::set<std::string_view> names, verdicts;
  ASSERT_EQ(RuleKinds().size(), 6u);
  for (const RuleKindInfo& info : RuleKinds()) {
    EXPECT_EQ(&RuleKindInfoOf(info.kind), &info) << info.name;
    EXPECT_EQ(RuleKindName(info.kind), info.name);
    EXPECT_EQ(RuleKindFromName(info.name), info.kind) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << "two kinds named " << info.name;
    EXPECT_TRUE(verdicts.insert(info.verdict).second) << "two kinds say " << info.verdict;
    EXPECT_FALSE(info.email_sentence.empty()) << info.name;
    EXPECT_GT(info.default_window.count(), 0) << info.name;
  }
  EXPECT_EQ(RuleKindFromName("Volume"), std::nullopt);
  EXPECT_EQ(RuleKindFromName("unknown"), std::nullopt);
}

TEST(RuleKindTest, NamesTheConfigWordsOfEachKind) {
  EXPECT_EQ(RuleKindName(RuleKind::kVolume), "volume");
  EXPECT_EQ(RuleKindName(RuleKind::kSender), "sender");
  EXPECT_EQ(RuleKindName(RuleKind::kRemoteIps), "remote-ips");
  EXPECT_EQ(RuleKindName(RuleKind::kServicePolicy), "service-policy");
  EXPECT_EQ(RuleKindName(RuleKind::kRcptLimit), "rcpt-limit");
  EXPECT_EQ(RuleKindName(RuleKind::kGap), "gap");
  EXPECT_EQ(RuleKindName(static_cast<RuleKind>(99)), "unknown");
  EXPECT_EQ(RuleKindInfoOf(static_cast<RuleKind>(99)).verdict, "ALERT");
}

TEST(RuleKindTest, CountedKindsAreTheOnesThatNeedALimit) {
  for (const RuleKindInfo& info : RuleKinds()) {
    const bool counted = info.kind == RuleKind::kVolume || info.kind == RuleKind::kRemoteIps ||
                         info.kind == RuleKind::kRcptLimit;
    EXPECT_EQ(info.counted, counted) << info.name;
  }
  EXPECT_EQ(RuleKindInfoOf(RuleKind::kSender).default_window, std::chrono::hours(24));
  EXPECT_EQ(RuleKindInfoOf(RuleKind::kSender).default_limit, 1u);
}

TEST(RuleKindTest, ASpecsKindIsItsParametersKind) {
  RuleSpec spec;
  spec.params = VolumeParams{};
  EXPECT_EQ(spec.kind(), RuleKind::kVolume);
  spec.params = SenderParams{};
  EXPECT_EQ(spec.kind(), RuleKind::kSender);
  spec.params = RemoteIpsParams{};
  EXPECT_EQ(spec.kind(), RuleKind::kRemoteIps);
  spec.params = ServicePolicyParams{};
  EXPECT_EQ(spec.kind(), RuleKind::kServicePolicy);
  spec.params = RcptLimitParams{};
  EXPECT_EQ(spec.kind(), RuleKind::kRcptLimit);
}

}  // namespace
}  // namespace relaywatch::detect
