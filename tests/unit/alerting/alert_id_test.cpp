#include "relaywatch/alerting/alert_id.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <unordered_set>

#include "relaywatch/core/text.h"

namespace relaywatch::alerting {
namespace {

using namespace std::string_literals;

// 2026-11-28T03:15:22.299206500Z.
const core::Timestamp kStart =
    core::Timestamp(std::chrono::seconds(1795835722)) + std::chrono::nanoseconds(299206500);

bool OnlyIdChars(std::string_view id) {
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

TEST(Fnv1a64Test, MatchesTheReferenceVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(MakeAlertIdTest, JoinsRulePrefixHashAndNanosecondStart) {
  const std::string id = MakeAlertId("hourly-volume", "bob@example.com", kStart);
  const std::uint64_t hash = Fnv1a64("hourly-volume\0bob@example.com"s);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  EXPECT_EQ(id, "hourly-volume-"s + hex + "-1795835722299206500");
}

TEST(MakeAlertIdTest, SameInputsGiveTheSameId) {
  EXPECT_EQ(MakeAlertId("foreign-sender", "suzy@example.com", kStart),
            MakeAlertId("foreign-sender", "suzy@example.com", kStart));
}

TEST(MakeAlertIdTest, DifferentRuleKeyOrStartGiveDifferentIds) {
  const std::string base = MakeAlertId("hourly-volume", "bob@example.com", kStart);
  EXPECT_NE(base, MakeAlertId("hourly-volume", "Bob@example.com", kStart));
  EXPECT_NE(base, MakeAlertId("Hourly Volume", "bob@example.com", kStart));
  EXPECT_NE(base,
            MakeAlertId("hourly-volume", "bob@example.com", kStart + std::chrono::nanoseconds(1)));
  // The NUL between rule and key keeps ("ab", "c") and ("a", "bc") apart.
  EXPECT_NE(MakeAlertId("ab", "c", kStart).substr(3), MakeAlertId("a", "bc", kStart).substr(2));
}

TEST(MakeAlertIdTest, FoldsTheRuleNameToAReadablePrefix) {
  EXPECT_EQ(MakeAlertId("Hourly Volume!!", "k", kStart).substr(0, 14), "hourly-volume-");
  EXPECT_EQ(MakeAlertId("--x--", "k", kStart).substr(0, 2), "x-");
  EXPECT_EQ(MakeAlertId("", "k", kStart).substr(0, 5), "rule-");
  EXPECT_EQ(MakeAlertId("\xC3\xA9\r\n", "k", kStart).substr(0, 5), "rule-");
  EXPECT_EQ(MakeAlertId(std::string(500, 'r'), "k", kStart).substr(0, 37),
            std::string(36, 'r') + "-");
}

TEST(MakeAlertIdTest, IsASafeFileNameWhateverTheKeyAndRuleHold) {
  const std::string hostile[] = {
      "x@y\r\nBcc: victim@z"s,
      "../../etc/passwd"s,
      "a\0b"s,
      std::string(10 * 1024, 'A'),
      "caf\xE9\xFF"s,
      "-rf"s,
      ""s,
      "$(reboot)`id`"s,
  };
  const core::Timestamp starts[] = {core::Timestamp{}, kStart, core::Timestamp::max(),
                                    core::Timestamp::min()};
  for (const std::string& text : hostile) {
    for (core::Timestamp start : starts) {
      for (const std::string& id : {MakeAlertId(text, "k", start), MakeAlertId("r", text, start),
                                    MakeAlertId(text, text, start)}) {
        EXPECT_TRUE(OnlyIdChars(id)) << id;
        EXPECT_LE(id.size(), kMaxAlertIdLength) << id;
        EXPECT_TRUE(core::IsSafeFileName(id)) << id;
      }
    }
  }
}

TEST(MakeAlertIdTest, HasNoCollisionsAmongOneHundredThousandSimilarKeys) {
  std::unordered_set<std::string> ids;
  for (int i = 0; i < 100000; ++i) {
    // Keys an attacker spraying logins or client IPs produces: near-identical, sequential.
    const std::string key = (i % 2 == 0)
                                ? "user" + std::to_string(i) + "@example.com"
                                : "ip:10." + std::to_string(i / 256 % 256) + "." +
                                      std::to_string(i % 256) + "." + std::to_string(i / 65536);
    ids.insert(MakeAlertId("hourly-volume", key, kStart));
  }
  EXPECT_EQ(ids.size(), 100000u);
}

}  // namespace
}  // namespace relaywatch::alerting
