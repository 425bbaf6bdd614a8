#include "relaywatch/alerting/rate_cap.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/core/text.h"

namespace relaywatch::alerting {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using Decision = RateCap::Decision;

// Wall time of sending: 2026-11-28T03:20:00Z.
const core::Timestamp kNow = core::Timestamp(seconds(1795836000));

Alert VolumeAlert(const std::string& key, std::uint64_t count, core::Timestamp at = kNow) {
  Alert a;
  a.state = AlertState::kNew;
  a.host = "mx1.example.com";
  a.finding.rule = "hourly-volume";
  a.finding.kind = detect::RuleKind::kVolume;
  a.finding.key = key;
  a.finding.count = count;
  a.finding.limit = 500;
  a.finding.window = hours(1);
  a.finding.first = at - minutes(30);
  a.finding.last = at;
  a.id = MakeAlertId(a.finding.rule, key, at);
  return a;
}

TEST(RateCapTest, SendsUpToTheCapWithinTheSlidingHourThenFolds) {
  RateCap cap(3);
  EXPECT_EQ(cap.Admit(kNow, VolumeAlert("a@example.com", 500)), Decision::kSend);
  EXPECT_EQ(cap.Admit(kNow + minutes(1), VolumeAlert("b@example.com", 500)), Decision::kSend);
  EXPECT_EQ(cap.Admit(kNow + minutes(2), VolumeAlert("c@example.com", 500)), Decision::kSend);
  EXPECT_EQ(cap.Admit(kNow + minutes(3), VolumeAlert("d@example.com", 500)), Decision::kFold);
  EXPECT_EQ(cap.folded(), 1u);
}

TEST(RateCapTest, HoldsTheDigestUntilTheHourHasRoomAndSaysWhen) {
  RateCap cap(2);
  ASSERT_EQ(cap.Admit(kNow, VolumeAlert("a@example.com", 500)), Decision::kSend);
  ASSERT_EQ(cap.Admit(kNow + minutes(10), VolumeAlert("b@example.com", 500)), Decision::kSend);
  EXPECT_FALSE(cap.DigestDueAt());
  EXPECT_FALSE(cap.TakeDigest(kNow + minutes(11)));  // nothing held
  ASSERT_EQ(cap.Admit(kNow + minutes(20), VolumeAlert("c@example.com", 612, kNow + minutes(20))),
            Decision::kFold);
  ASSERT_EQ(cap.Admit(kNow + minutes(30), VolumeAlert("d@example.com", 700, kNow + minutes(30))),
            Decision::kFold);
  EXPECT_EQ(cap.DigestDueAt(), kNow + hours(1));  // when the first send leaves the hour
  EXPECT_FALSE(cap.TakeDigest(kNow + hours(1) - nanoseconds(1)));
  auto d = cap.TakeDigest(kNow + hours(1));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, AlertState::kDigest);
  EXPECT_EQ(d->digest_count, 2u);
  EXPECT_EQ(d->digest_text, "VOLUME c@example.com 612/1h\nVOLUME d@example.com 700/1h\n");
  EXPECT_EQ(d->host, "mx1.example.com");
  EXPECT_EQ(d->finding.rule, "digest");
  EXPECT_EQ(d->finding.count, 2u);
  EXPECT_EQ(d->finding.first, kNow + minutes(20));
  EXPECT_EQ(d->finding.last, kNow + minutes(30));
  EXPECT_TRUE(core::IsSafeFileName(d->id));
  EXPECT_EQ(d->id.rfind("digest-", 0), 0u);
  EXPECT_EQ(cap.folded(), 0u);
  EXPECT_FALSE(cap.DigestDueAt());
  EXPECT_FALSE(cap.TakeDigest(kNow + hours(5)));  // taken once
}

TEST(RateCapTest, FoldsEveryAlertWhileADigestIsPendingSoNoneOvertakesIt) {
  RateCap cap(1);
  ASSERT_EQ(cap.Admit(kNow, VolumeAlert("a@example.com", 500)), Decision::kSend);
  ASSERT_EQ(cap.Admit(kNow + minutes(5), VolumeAlert("b@example.com", 500)), Decision::kFold);
  // The hour has room again, but b is still held: c joins it.
  EXPECT_EQ(cap.Admit(kNow + hours(2), VolumeAlert("c@example.com", 500)), Decision::kFold);
  auto d = cap.TakeDigest(kNow + hours(2));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digest_count, 2u);
  EXPECT_EQ(d->digest_text, "VOLUME b@example.com 500/1h\nVOLUME c@example.com 500/1h\n");
  // The digest used the hour's one slot.
  EXPECT_EQ(cap.Admit(kNow + hours(2) + minutes(1), VolumeAlert("e@example.com", 500)),
            Decision::kFold);
}

TEST(RateCapTest, NeverDropsAnAlertAndKeepsEveryHourUnderTheCap) {
  // Two per hour against an alert every 7 minutes for ten hours; the dispatcher asks for the
  // digest before each alert, as it would on its timer.
  RateCap cap(2);
  std::vector<core::Timestamp> messages;
  std::uint32_t accounted = 0;
  int alerts = 0;
  core::Timestamp first_folded_at{};
  for (core::Timestamp t = kNow; t < kNow + hours(10); t += minutes(7)) {
    if (auto due = cap.DigestDueAt(); due && *due <= t) {
      auto d = cap.TakeDigest(t);
      ASSERT_TRUE(d);
      EXPECT_LE(t - first_folded_at, hours(1) + minutes(7));  // no later than the next tick
      messages.push_back(t);
      accounted += d->digest_count;
    }
    const bool was_folding = cap.folded() > 0;
    ++alerts;
    if (cap.Admit(t, VolumeAlert("k" + std::to_string(alerts) + "@example.com", 500, t)) ==
        Decision::kSend) {
      messages.push_back(t);
      ++accounted;
    } else if (!was_folding) {
      first_folded_at = t;
    }
  }
  auto last = cap.TakeDigest(kNow + hours(12));
  ASSERT_TRUE(last);
  accounted += last->digest_count;
  EXPECT_EQ(accounted, static_cast<std::uint32_t>(alerts));
  for (std::size_t i = 0; i + 2 < messages.size(); ++i) {
    EXPECT_GE(messages[i + 2] - messages[i], hours(1)) << i;  // never three in one hour
  }
}

TEST(RateCapTest, AFloodKeepsTheExactCountButBoundsTheListedLines) {
  RateCap cap(1);
  ASSERT_EQ(cap.Admit(kNow, VolumeAlert("first@example.com", 500)), Decision::kSend);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_EQ(cap.Admit(kNow + seconds(1), VolumeAlert("ip:10.0." + std::to_string(i), 500)),
              Decision::kFold);
  }
  auto d = cap.TakeDigest(kNow + hours(1));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digest_count, 10000u);
  std::size_t lines = 0;
  for (char c : d->digest_text) lines += c == '\n';
  EXPECT_EQ(lines, kMaxDigestLines + 1);
  EXPECT_NE(d->digest_text.find("\n... and 9900 more\n"), std::string::npos);
}

TEST(RateCapTest, DigestLinesCarryNoAttackerControlBytes) {
  RateCap cap(1);
  ASSERT_EQ(cap.Admit(kNow, VolumeAlert("a@example.com", 500)), Decision::kSend);
  Alert hostile = VolumeAlert(std::string("x@y\r\nBcc: victim@z\0\x1b[2J\xff", 24), 500);
  ASSERT_EQ(cap.Admit(kNow, hostile), Decision::kFold);
  ASSERT_EQ(cap.Admit(kNow, VolumeAlert(std::string(10 * 1024, 'a') + "@example.com", 500)),
            Decision::kFold);
  auto d = cap.TakeDigest(kNow + hours(1));
  ASSERT_TRUE(d);
  const std::string expected_first = "VOLUME x@y??Bcc: victim@z??[2J? 500/1h\n";
  EXPECT_EQ(d->digest_text.substr(0, expected_first.size()), expected_first);
  EXPECT_EQ(d->digest_text.substr(expected_first.size()),
            "VOLUME " + std::string(61, 'a') + "... 500/1h\n");
}

TEST(RateCapTest, TestAlertsAlwaysGoOutAndDoNotCount) {
  RateCap cap(1);
  Alert test;
  test.state = AlertState::kTest;
  EXPECT_EQ(cap.Admit(kNow, test), Decision::kSend);
  EXPECT_EQ(cap.Admit(kNow, VolumeAlert("a@example.com", 500)), Decision::kSend);
  EXPECT_EQ(cap.Admit(kNow, test), Decision::kSend);
  EXPECT_EQ(cap.Admit(kNow, VolumeAlert("b@example.com", 500)), Decision::kFold);
}

TEST(RateCapTest, ZeroMeansNoCap) {
  RateCap cap(0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(cap.Admit(kNow, VolumeAlert("k@example.com", 500)), Decision::kSend);
  }
  EXPECT_FALSE(cap.TakeDigest(kNow));
}

}  // namespace
}  // namespace relaywatch::alerting
