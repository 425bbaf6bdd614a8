// RenderMetrics: the Prometheus text exposition format (0.0.4) of the daemon's counters. The
// integration test tests/integration/daemon/metrics_nagios_test.py parses the daemon's file with
// prometheus_client's parser.
#include "relaywatch/app/metrics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace relaywatch::app {
namespace {

MetricsData Sample() {
  MetricsData m;
  m.uptime_seconds = 12.5;
  m.lines = 100;
  m.relaying = 40;
  m.malformed = 2;
  m.long_lines = 1;
  m.findings = 3;
  m.alerts = 2;
  m.alerts_unspooled = 1;
  m.gaps = 1;
  m.keys = 7;
  m.keys_evicted = 4;
  m.checkpoints = 5;
  m.checkpoint_age_seconds = 0.25;
  m.sources.push_back({"submission", "/var/log/qmail/submission", 60, 1.5, 1, false});
  m.sources.push_back({"smtps", "/var/log/qmail/smtps", 40, std::nullopt, 0, true});
  m.rules.push_back({"hour-volume", 2, 7, 4});
  m.channels.push_back({"pager", 3, 1, 9, 2, 1, 4});
  return m;
}

bool HasLine(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

TEST(MetricsTest, RendersCountersAndGaugesWithHelpAndType) {
  const std::string text = RenderMetrics(Sample());
  EXPECT_TRUE(HasLine(text, "# TYPE relaywatch_lines_total counter")) << text;
  EXPECT_TRUE(HasLine(text, "relaywatch_lines_total 100"));
  EXPECT_TRUE(HasLine(text, "relaywatch_lines_relaying_total 40"));
  EXPECT_TRUE(HasLine(text, "relaywatch_lines_malformed_total 2"));
  EXPECT_TRUE(HasLine(text, "relaywatch_lines_long_total 1"));
  EXPECT_TRUE(HasLine(text, "relaywatch_findings_total 3"));
  EXPECT_TRUE(HasLine(text, "relaywatch_gaps_total 1"));
  EXPECT_TRUE(HasLine(text, "# TYPE relaywatch_keys gauge"));
  EXPECT_TRUE(HasLine(text, "relaywatch_keys 7"));
  EXPECT_TRUE(HasLine(text, "relaywatch_keys_evicted_total 4"));
  EXPECT_TRUE(HasLine(text, "relaywatch_checkpoint_age_seconds 0.25"));
  EXPECT_TRUE(HasLine(text, "relaywatch_uptime_seconds 12.5"));
  // pending in the spools (3) and not yet spooled (1)
  EXPECT_TRUE(HasLine(text, "relaywatch_outbox_depth 4"));
  EXPECT_TRUE(HasLine(text, "relaywatch_rule_alerts_total{rule=\"hour-volume\"} 2"));
  EXPECT_TRUE(HasLine(text, "relaywatch_rule_keys_evicted_total{rule=\"hour-volume\"} 4"));
  EXPECT_TRUE(HasLine(text, "relaywatch_channel_sent_total{channel=\"pager\"} 9"));
  EXPECT_TRUE(HasLine(text, "relaywatch_channel_failed_attempts_total{channel=\"pager\"} 2"));
  EXPECT_TRUE(HasLine(text, "relaywatch_channel_failed{channel=\"pager\"} 4"));
  EXPECT_TRUE(HasLine(text, "relaywatch_channel_unspooled{channel=\"pager\"} 1"));
  EXPECT_TRUE(HasLine(
      text,
      "relaywatch_source_lag_seconds{service=\"submission\",dir=\"/var/log/qmail/submission\"} "
      "1.5"));
  EXPECT_TRUE(
      HasLine(text, "relaywatch_source_waiting{service=\"smtps\",dir=\"/var/log/qmail/smtps\"} 1"));
  EXPECT_TRUE(HasLine(
      text,
      "relaywatch_source_gaps_total{service=\"submission\",dir=\"/var/log/qmail/submission\"} 1"));
  EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsTest, LeavesOutWhatIsNotKnownYet) {
  MetricsData m = Sample();
  m.checkpoint_age_seconds.reset();
  const std::string text = RenderMetrics(m);
  EXPECT_EQ(text.find("relaywatch_checkpoint_age_seconds"), std::string::npos);
  // smtps read nothing stamped yet: no lag sample for it, and no made-up 0
  EXPECT_EQ(text.find("relaywatch_source_lag_seconds{service=\"smtps\""), std::string::npos);
  EXPECT_EQ(RenderMetrics(MetricsData{}).find("relaywatch_channel_"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  MetricsData m;
  m.sources.push_back({"sub", "/var/log/we\"ird\\dir\nx", 1, 2.0, 0, false});
  const std::string text = RenderMetrics(m);
  EXPECT_TRUE(HasLine(
      text,
      "relaywatch_source_lines_total{service=\"sub\",dir=\"/var/log/we\\\"ird\\\\dir\\nx\"} 1"))
      << text;
}

TEST(MetricsTest, EverySampleLineBelongsToTheFamilyDeclaredBeforeIt) {
  const std::string text = RenderMetrics(Sample());
  std::istringstream in(text);
  std::string family;
  int samples = 0;
  for (std::string l; std::getline(in, l);) {
    ASSERT_FALSE(l.empty());
    if (l.starts_with("# TYPE ")) {
      family = l.substr(7, l.find(' ', 7) - 7);
      continue;
    }
    if (l.starts_with("#")) continue;
    const std::string name = l.substr(0, l.find_first_of("{ "));
    EXPECT_EQ(name, family) << l;
    ++samples;
  }
  EXPECT_GT(samples, 30);
}

}  // namespace
}  // namespace relaywatch::app
