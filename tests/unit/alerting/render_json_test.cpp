#include "relaywatch/alerting/render_json.h"

#include <gtest/gtest.h>

#include <string>

#include "json_reader.h"
#include "relaywatch/alerting/test_alert.h"
#include "sample_alerts.h"

namespace relaywatch::alerting {
namespace {

using namespace testing;
using Type = JsonValue::Type;

bool IsUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n =
        static_cast<unsigned char>(s[i]) < 0x80 ? 1 : core::Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

JsonValue ParseOrFail(const std::string& json) {
  auto v = JsonReader::Parse(json);
  EXPECT_TRUE(v) << json;
  return v.value_or(JsonValue{});
}

TEST(RenderJsonTest, WritesTheDesignFieldsOfASenderAlert) {
  const Alert a = FraudAlert();
  const std::string json = RenderJson(a);
  const JsonValue v = ParseOrFail(json);
  EXPECT_EQ(v["id"].text, a.id);
  EXPECT_EQ(v["rule"].text, "foreign-sender");
  EXPECT_EQ(v["kind"].text, "sender");
  EXPECT_EQ(v["user"].text, "suzy@example.com");
  EXPECT_EQ(v["count"].type, Type::kNumber);
  EXPECT_EQ(v["count"].text, "12");
  EXPECT_EQ(v["limit"].text, "1");
  EXPECT_EQ(v["window"].text, "86400");
  EXPECT_EQ(v["window_text"].text, "1d");
  EXPECT_EQ(v["first"].text, "2026-11-28T02:55:26.029545444Z");
  EXPECT_EQ(v["last"].text, "2026-11-28T03:37:26.029545567Z");
  EXPECT_EQ(v["host"].text, "mx1.example.com");
  EXPECT_EQ(v["state"].text, "new");
  EXPECT_EQ(v["service"].text, "submission");
  EXPECT_EQ(v["basis"].text, "chkuser");
  EXPECT_EQ(v["detail"].text, "ceo@bank.example");
  EXPECT_EQ(v["previous_count"].text, "0");
  const JsonValue& sample = v["sample"];
  ASSERT_EQ(sample["senders"].items.size(), 2u);
  EXPECT_EQ(sample["senders"].items[0]["sender"].text, "ceo@bank.example");
  EXPECT_EQ(sample["senders"].items[0]["count"].text, "12");
  ASSERT_EQ(sample["remote_ips"].items.size(), 1u);
  EXPECT_EQ(sample["remote_ips"].items[0]["ip"].text, "203.0.113.5");
  ASSERT_EQ(sample["recipients"].items.size(), 2u);
  EXPECT_EQ(sample["recipients"].items[1].text, "y@yahoo.example");
  EXPECT_FALSE(v.has("digest"));
  EXPECT_EQ(json.find('\n'), std::string::npos);  // one line
}

TEST(RenderJsonTest, StartsWithTheIdAndKeepsAStableKeyOrder) {
  const std::string json = RenderJson(VolumeAlert());
  EXPECT_EQ(json.rfind("{\"id\":\"hourly-volume-", 0), 0u) << json;
  EXPECT_LT(json.find("\"user\""), json.find("\"count\""));
  EXPECT_LT(json.find("\"last\""), json.find("\"host\""));
}

TEST(RenderJsonTest, CarriesTheSlicesOldestFirstOrAnEmptyArray) {
  Alert a = VolumeAlert();
  EXPECT_NE(RenderJson(a).find("\"slices\":[],\"sample\""), std::string::npos);
  a.finding.slices = {0, 7, 4294967295u};
  EXPECT_NE(RenderJson(a).find("\"previous_count\":0,\"slices\":[0,7,4294967295],\"sample\""),
            std::string::npos)
      << RenderJson(a);
}

TEST(RenderJsonTest, OngoingCarriesThePreviousCount) {
  const JsonValue v = ParseOrFail(RenderJson(WithState(VolumeAlert(), AlertState::kOngoing, 500)));
  EXPECT_EQ(v["state"].text, "ongoing");
  EXPECT_EQ(v["previous_count"].text, "500");
  EXPECT_EQ(v["kind"].text, "volume");
}

TEST(RenderJsonTest, DigestAndTestAlertsHaveTheirOwnKindSoHooksDoNotActOnThem) {
  Alert d;
  d.state = AlertState::kDigest;
  d.host = "mx1.example.com";
  d.id = "digest-0123456789abcdef-1795836000000000000";
  d.finding.rule = "digest";
  d.digest_count = 2;
  d.digest_text =
      "VOLUME bob@example.com 612/1h\nFRAUD suzy@example.com as ceo@bank.example 12/1d\n";
  const JsonValue v = ParseOrFail(RenderJson(d));
  EXPECT_EQ(v["kind"].text, "digest");
  EXPECT_EQ(v["state"].text, "digest");
  EXPECT_EQ(v["digest_count"].text, "2");
  ASSERT_EQ(v["digest"].items.size(), 2u);
  EXPECT_EQ(v["digest"].items[1].text, "FRAUD suzy@example.com as ceo@bank.example 12/1d");

  const JsonValue t = ParseOrFail(RenderJson(MakeTestAlert("mx1.example.com", "hook", kLineStamp)));
  EXPECT_EQ(t["kind"].text, "test");
  EXPECT_EQ(t["state"].text, "test");
  EXPECT_EQ(t["user"].text, "");
}

TEST(RenderJsonTest, KeepsTheExactLoginWithQuotesAndBackslashesEscaped) {
  Alert a = VolumeAlert();
  a.finding.key = "o'brien\"\\x@example.com";
  const std::string json = RenderJson(a);
  EXPECT_NE(json.find(R"("user":"o'brien\"\\x@example.com")"), std::string::npos) << json;
  EXPECT_EQ(ParseOrFail(json)["user"].text, a.finding.key);
}

TEST(RenderJsonTest, ParsesAndHoldsNoRawControlByteWhateverTheFieldsHold) {
  for (const std::string& text : HostileTexts()) {
    for (const Alert& a : HostileAlerts(text)) {
      const std::string json = RenderJson(a);
      auto v = JsonReader::Parse(json);
      ASSERT_TRUE(v) << core::EscapeForLog(json.substr(0, 300));
      for (char c : json) {
        const auto u = static_cast<unsigned char>(c);
        ASSERT_FALSE(u < 0x20 || u == 0x7F) << core::EscapeForLog(json.substr(0, 300));
      }
      // Valid UTF-8 comes back exactly, the CR LF of an injection attempt included.
      if (IsUtf8(text)) {
        EXPECT_EQ((*v)["user"].text, text);
      }
    }
  }
}

}  // namespace
}  // namespace relaywatch::alerting
