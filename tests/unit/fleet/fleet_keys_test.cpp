#include "relaywatch/fleet/fleet_keys.h"

#include <gtest/gtest.h>

#include <chrono>

namespace relaywatch::fleet {
namespace {

TEST(FleetKeys, HexRoundTripsAnyBytes) {
  const std::string hostile("a b\r\n:*{x}\0\xff", 12);
  const std::string hex = Hex(hostile);
  EXPECT_EQ(hex, "6120620d0a3a2a7b787d00ff");
  EXPECT_EQ(Unhex(hex), hostile);
}

TEST(FleetKeys, UnhexRefusesWhatHexNeverWrites) {
  EXPECT_FALSE(Unhex("abc"));  // odd
  EXPECT_FALSE(Unhex("0G"));
  EXPECT_FALSE(Unhex("AB"));  // uppercase is not ours
  EXPECT_EQ(Unhex(""), "");
}

TEST(FleetKeys, KeysCarryNoRawLoginByte) {
  const std::string login = "evil\r\nDEL *:x y@example.com";
  const std::string rule = RuleId("volume", std::chrono::hours(1));
  for (const std::string& k : {CountKey("rw:", rule, login), DistinctKey("rw:", rule, login),
                               ClaimKey("rw:", rule, login, "page")}) {
    EXPECT_TRUE(k.starts_with("rw:")) << k;
    for (char c : k.substr(3)) {
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == ':' || c == '.') << k;
    }
    EXPECT_NE(k.find(Hex(login)), std::string::npos) << k;
  }
}

TEST(FleetKeys, ARuleWithAnotherWindowIsAnotherRule) {
  EXPECT_EQ(RuleId("volume", std::chrono::hours(1)), Hex("volume") + ".3600");
  EXPECT_NE(RuleId("volume", std::chrono::hours(1)), RuleId("volume", std::chrono::hours(24)));
  EXPECT_NE(CountKey("p:", RuleId("v", std::chrono::hours(1)), "k"),
            CountKey("p:", RuleId("v", std::chrono::hours(2)), "k"));
}

TEST(FleetKeys, DistinctLoginsNeverShareAKey) {
  // A hash could collide; hex cannot: "ab" + ":" + "c" and "ab:" + "c" differ.
  const std::string rule = RuleId("v", std::chrono::hours(1));
  EXPECT_NE(CountKey("p:", rule, "a:b"), CountKey("p:", rule, "a") + ":b");
  EXPECT_NE(CountKey("p:", rule, "A@x"), CountKey("p:", rule, "a@x"));
}

TEST(FleetKeys, NodeNamesAndPrefixes) {
  EXPECT_TRUE(IsValidNodeName("mx1.example-2_b"));
  EXPECT_FALSE(IsValidNodeName(""));
  EXPECT_FALSE(IsValidNodeName("mx 1"));
  EXPECT_FALSE(IsValidNodeName("mx:1"));  // ':' separates slice and node in a count field
  EXPECT_FALSE(IsValidNodeName(std::string(65, 'a')));
  EXPECT_TRUE(IsValidPrefix("relaywatch:"));
  EXPECT_FALSE(IsValidPrefix("relay watch"));
}

}  // namespace
}  // namespace relaywatch::fleet
