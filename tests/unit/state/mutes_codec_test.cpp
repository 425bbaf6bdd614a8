#include "relaywatch/state/mutes_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "state_test_util.h"

namespace relaywatch::state {
namespace {

using testing::HostileTexts;
using testing::Seal;

const core::Timestamp kT0 = core::Timestamp(std::chrono::hours(24 * 20000));

TEST(MutesCodec, RoundTripsHostileFields) {
  std::vector<alerting::Mute> mutes;
  mutes.push_back({"tom@example.com", "", kT0, kT0 + std::chrono::hours(24), "mute", ""});
  for (const std::string& h : HostileTexts()) {
    if (h.size() > alerting::kMaxMuteField) continue;
    mutes.push_back({h.empty() ? "k" : h, h, kT0, kT0 + std::chrono::seconds(3), "mute", h});
  }
  auto back = DecodeMutes(EncodeMutes(mutes));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, mutes);
  auto none = DecodeMutes(EncodeMutes({}));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(MutesCodec, RefusesCorruptFiles) {
  const std::string good =
      EncodeMutes({{"tom@example.com", "volume", kT0, kT0 + std::chrono::hours(1), "mute", "x"}});
  std::string flipped = good;
  flipped[good.find("tom")] = 'T';
  auto r = DecodeMutes(flipped);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("checksum mismatch"), std::string::npos) << r.error().message;
  r = DecodeMutes(good.substr(0, good.size() - 20));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cut short"), std::string::npos) << r.error().message;
  r = DecodeMutes(Seal("relaywatch-mutes 2\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unsupported"), std::string::npos) << r.error().message;
  r = DecodeMutes(Seal("relaywatch-mutes 1\nmute k \\- 1 2 mute\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "line 2: mute: expected 6 fields, got 5");
  r = DecodeMutes(Seal("relaywatch-mutes 1\nmute k \\- 1 x mute \\-\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line 2: mute until"), std::string::npos) << r.error().message;
  r = DecodeMutes(Seal("relaywatch-mutes 1\nsilence k\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "line 2: unknown record \"silence\" (expected mute)");
}

TEST(MutesCodec, RefusesOversized) {
  std::string body = "relaywatch-mutes 1\n";
  for (std::size_t i = 0; i <= alerting::kMaxMutes; ++i) {
    body += "mute k" + std::to_string(i) + " \\- 1 2 mute \\-\n";
  }
  auto r = DecodeMutes(Seal(body));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "line " + std::to_string(alerting::kMaxMutes + 2) + ": more than " +
                                   std::to_string(alerting::kMaxMutes) + " mutes");
  r = DecodeMutes(Seal("relaywatch-mutes 1\nmute " + std::string(alerting::kMaxMuteField + 1, 'a') +
                       " \\- 1 2 mute \\-\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "line 2: mute key: longer than " + std::to_string(alerting::kMaxMuteField) + " bytes");
}

}  // namespace
}  // namespace relaywatch::state
