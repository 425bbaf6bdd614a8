// `report --format json` lists each finding as the same object the alert JSON carries
// (alerting/finding_json.h): one writer, so a script reads "window" the same way from both.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "../alerting/json_reader.h"
#include "../alerting/sample_alerts.h"
#include "relaywatch/alerting/render_json.h"
#include "relaywatch/app/report.h"

namespace relaywatch::app {
namespace {

using alerting::Alert;
using alerting::AlertState;
using alerting::testing::JsonReader;
using alerting::testing::JsonValue;

// Same type, same text, same items and same members, recursively.
bool SameJson(const JsonValue& a, const JsonValue& b, std::string& where) {
  if (a.type != b.type || a.text != b.text || a.items.size() != b.items.size()) {
    where = ": " + a.text + " vs " + b.text;
    return false;
  }
  for (const auto& [key, value] : b.fields) {
    if (!a.has(key)) {
      where = ": no member " + key + " on the left";
      return false;
    }
  }
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    if (!SameJson(a.items[i], b.items[i], where)) {
      where = "[" + std::to_string(i) + "]" + where;
      return false;
    }
  }
  for (const auto& [key, value] : a.fields) {
    if (!b.has(key)) {
      where = ": no member " + key + " on the right";
      return false;
    }
    if (!SameJson(value, b[key], where)) {
      where = "." + key + where;
      return false;
    }
  }
  return true;
}

JsonValue Parse(const std::string& json) {
  auto v = JsonReader::Parse(json);
  EXPECT_TRUE(v) << json;
  return v.value_or(JsonValue{});
}

std::string ReportJsonOf(const std::vector<Alert>& findings) {
  ReportData d;
  d.findings = findings;
  return RenderReportJson(d);
}

TEST(ReportJsonTest, ListsEachFindingAsTheObjectTheAlertJsonCarries) {
  Alert ongoing =
      alerting::testing::WithState(alerting::testing::FraudAlert(), AlertState::kOngoing, 7);
  ongoing.finding.window = std::chrono::minutes(90);
  Alert volume = alerting::testing::VolumeAlert();  // no detail: "detail" is "" in both
  const JsonValue report = Parse(ReportJsonOf({ongoing, volume}));
  ASSERT_EQ(report["findings"].items.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const Alert& a = i == 0 ? ongoing : volume;
    JsonValue alert = Parse(alerting::RenderJson(a));
    // The alert JSON adds only the host it was sent from.
    EXPECT_EQ(alert["host"].text, "mx1.example.com");
    alert.fields.erase("host");
    std::string where;
    EXPECT_TRUE(SameJson(report["findings"].items[i], alert, where))
        << "findings[" << i << "] differs at " << where;
  }
  const JsonValue& f = report["findings"].items[0];
  EXPECT_EQ(f["window"].type, JsonValue::Type::kNumber);
  EXPECT_EQ(f["window"].text, "5400");
  EXPECT_EQ(f["window_text"].text, "90m");
  EXPECT_EQ(f["state"].text, "ongoing");
  EXPECT_EQ(f["previous_count"].text, "7");
  EXPECT_EQ(f["detail"].text, "ceo@bank.example");
  EXPECT_EQ(f["sample"]["senders"].items[0]["sender"].text, "ceo@bank.example");
  EXPECT_EQ(report["findings"].items[1]["detail"].type, JsonValue::Type::kString);
  EXPECT_EQ(report["findings"].items[1]["window"].text, "3600");
  EXPECT_EQ(report["findings"].items[1]["window_text"].text, "1h");
}

TEST(ReportJsonTest, WritesTheFindingMembersInTheAlertJsonsOrder) {
  const Alert a = alerting::testing::FraudAlert();
  const std::string alert = alerting::RenderJson(a);
  const std::string report = ReportJsonOf({a});
  // The alert object without its trailing ,"host":... is the report's finding, byte for byte.
  const std::size_t host = alert.rfind(",\"host\":");
  ASSERT_NE(host, std::string::npos) << alert;
  const std::string members = alert.substr(0, host) + "}";
  EXPECT_NE(report.find("\"findings\":[" + members + "]"), std::string::npos) << report << "\n"
                                                                              << members;
}

TEST(ReportJsonTest, ALongReportGoesOutInPiecesThatMakeTheSameDocument) {
  // 6,000 findings: several MiB, so several pieces of about 1 MiB, none of them the whole.
  ReportData d;
  d.findings.assign(6000, alerting::testing::FraudAlert());
  const std::string whole = RenderReportJson(d);
  std::string joined;
  std::size_t pieces = 0, largest = 0;
  EXPECT_TRUE(RenderReportJson(d, [&](std::string_view piece) {
    ++pieces;
    largest = std::max(largest, piece.size());
    joined.append(piece);
    return true;
  }));
  EXPECT_EQ(joined, whole);
  EXPECT_GE(pieces, 3u);
  EXPECT_LT(largest, (std::size_t{1} << 20) + 4096);
  EXPECT_EQ(Parse(joined)["findings"].items.size(), 6000u);
  // A write that fails (a full disk, a closed pipe) is said, and nothing more is written.
  std::size_t calls = 0;
  EXPECT_FALSE(RenderReportJson(d, [&](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2u);
}

}  // namespace
}  // namespace relaywatch::app
