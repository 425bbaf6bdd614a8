#include "relaywatch/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../detect/detector_harness.h"
#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/detect/memory_window_store.h"

namespace relaywatch::pipeline {
namespace {

using detect::testing::FixtureLine;
using detect::testing::FixtureLines;
using detect::testing::SenderRule;
using detect::testing::VolumeRule;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const core::Timestamp kSince = core::Timestamp(seconds(1795824000));  // 2026-11-28T00:00:00Z

std::string Tai(core::Timestamp t) {
  const auto ns = t.time_since_epoch().count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "@%016llx%08llx",
                static_cast<unsigned long long>((1ULL << 62) + ns / 1000000000 + 10),
                static_cast<unsigned long long>(ns % 1000000000));
  return buf;
}

std::string RelayingText(std::string_view auth = "bob@example.com",
                         std::string_view sender = "bob@example.com") {
  return "CHKUSER relaying rcpt: from <" + std::string(sender) + ":" + std::string(auth) +
         ":> remote <pc:unknown:203.0.113.80> rcpt <r@gmail.example> : client allowed to relay";
}

std::string Relaying(core::Timestamp t, std::string_view auth = "bob@example.com") {
  return Tai(t) + " " + RelayingText(auth);
}

config::Config ConfigWith(std::vector<detect::RuleSpec> rules) {
  config::Config c;
  c.hostname = "mx1.example.com";
  c.rules = std::move(rules);
  return c;
}

// A Pipeline with its store, collecting alerts and the lines the observer saw.
class PipelineHarness {
 public:
  explicit PipelineHarness(config::Config config) : config_(std::move(config)), pipe_(config_) {
    pipe_.set_alert_sink([this](alerting::Alert&& a) { alerts.push_back(std::move(a)); });
    pipe_.set_line_observer([this](const LineView& v) {
      seen.push_back(Seen{std::string(v.line.line.text), v.line.line.time, v.line.line.stamped,
                          std::string(v.service)});
    });
  }
  // One raw line of a source, decoded by the source's own LineDecoder, as a Follower does.
  void Line(std::size_t source, std::string_view raw) {
    while (decoders_.size() <= source) decoders_.emplace_back(core::LocalZone::Fixed(0));
    decode::DecodedLine d;
    decoders_[source].Decode(raw, /*cut=*/false, d);
    pipe_.OnLine(source, d);
  }
  std::optional<core::Timestamp> LastStamp(std::size_t source) const {
    return source < decoders_.size() ? decoders_[source].last_stamp() : std::nullopt;
  }
  struct Seen {
    std::string text;
    core::Timestamp time;
    bool stamped;
    std::string service;
  };
  Pipeline& pipe() { return pipe_; }
  std::vector<alerting::Alert> alerts;
  std::vector<Seen> seen;

 private:
  config::Config config_;
  Pipeline pipe_;
  std::vector<decode::LineDecoder> decoders_;
};

TEST(PipelineTest, CountsLinesRelayingAndChkuserLinesOfTheConstructedFixture) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 1000)}));
  const std::size_t src = h.pipe().AddSource("submission");
  for (const std::string& l : FixtureLines("constructed.txt")) h.Line(src, l);
  const Stats& s = h.pipe().stats();
  EXPECT_EQ(s.lines, 31u);
  EXPECT_EQ(s.relay, 7u);
  EXPECT_EQ(s.chkuser, 16u);
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_EQ(s.unstamped, 0u);
  EXPECT_EQ(s.findings, 0u);
  EXPECT_EQ(s.alerts, 0u);
  EXPECT_EQ(h.seen.size(), 31u);
}

TEST(PipelineTest, CountsTheUnstampedLinesOfTheRealFixture) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 1000)}));
  const std::size_t src = h.pipe().AddSource("smtp");
  for (const std::string& l : FixtureLines("real.txt")) h.Line(src, l);
  const Stats& s = h.pipe().stats();
  EXPECT_EQ(s.lines, 34u);
  EXPECT_EQ(s.chkuser, 2u);
  EXPECT_EQ(s.relay, 0u);
  // No stamp: 5 bare tcpserver/qmail-skim lines, simscan, spamdyke's own, and the syslog lines
  // without splogger's SECS.USECS (rblsmtpd, 3 vpopmaild, spamdyke, vchkpw).
  EXPECT_EQ(s.unstamped, 13u);
  ASSERT_EQ(h.seen.size(), 34u);
  // The bare tcpserver lines after the 2010 "tcpserver: ok" take its stamp.
  EXPECT_EQ(h.seen[8].text, "tcpserver: pid 23904 from 192.168.1.165");
  EXPECT_FALSE(h.seen[8].stamped);
  EXPECT_EQ(h.seen[8].time, h.seen[7].time);
}

TEST(PipelineTest, MalformedLinesAreCountedByReasonWithTheirRawText) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 1)}));
  const std::size_t src = h.pipe().AddSource("submission");
  const std::string full = Relaying(kSince);
  const std::string cut = full.substr(0, full.find("> rcpt <"));
  const std::string glued = full.substr(0, 80) + RelayingText();
  h.Line(src, cut);
  h.Line(src, glued);
  h.Line(src, glued);
  const Stats& s = h.pipe().stats();
  EXPECT_EQ(s.lines, 3u);
  EXPECT_EQ(s.malformed, 3u);
  EXPECT_EQ(s.chkuser, 0u);
  EXPECT_EQ(s.relay, 0u);
  EXPECT_EQ(s.malformed_by_reason, (std::map<std::string, std::uint64_t>{
                                       {"chkuser: interleaved line (a second 'CHKUSER ')", 2},
                                       {"chkuser: no '> rcpt <'", 1}}));
  EXPECT_EQ(s.malformed_samples, (std::vector<std::string>{cut, glued, glued}));
  EXPECT_EQ(s.findings, 0u);
  EXPECT_TRUE(h.alerts.empty());
}

TEST(PipelineTest, ALineWithADamagedStampIsMalformedNotSilentlyOther) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 1000)}));
  const std::size_t src = h.pipe().AddSource("submission");
  const std::string good = Relaying(kSince);
  const std::string short_stamp = good.substr(0, 21) + good.substr(25);  // 20 hex digits
  const std::string no_space = good.substr(0, 25) + good.substr(26);
  std::string bad_hex = good;
  bad_hex[10] = 'g';
  for (const std::string& l : {good, short_stamp, no_space, bad_hex}) h.Line(src, l);
  const Stats& s = h.pipe().stats();
  EXPECT_EQ(s.lines, 4u);
  EXPECT_EQ(s.relay, 1u);
  EXPECT_EQ(s.unstamped, 3u);
  EXPECT_EQ(s.malformed, 3u);
  EXPECT_EQ(s.malformed_by_reason,
            (std::map<std::string, std::uint64_t>{
                {"stamp: '@' without a TAI64N label (24 hex digits and a space)", 3}}));
  EXPECT_EQ(s.malformed_samples, (std::vector<std::string>{short_stamp, no_space, bad_hex}));
}

TEST(PipelineTest, MalformedSamplesAreBoundedInNumberAndLength) {
  PipelineHarness h(ConfigWith({}));
  const std::size_t src = h.pipe().AddSource("submission");
  const std::string longcut =
      Tai(kSince) + " CHKUSER relaying rcpt: from <" + std::string(2000, 'x');
  for (int i = 0; i < 25; ++i) h.Line(src, longcut);
  const Stats& s = h.pipe().stats();
  EXPECT_EQ(s.malformed, 25u);
  ASSERT_EQ(s.malformed_samples.size(), Stats::kMalformedSamples);
  EXPECT_EQ(s.malformed_samples[0], longcut.substr(0, 512));
}

TEST(PipelineTest, AnUnstampedLineTakesThePreviousStampOfItsOwnSource) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 2)}));
  const std::size_t a = h.pipe().AddSource("submission");
  const std::size_t b = h.pipe().AddSource("smtps");
  const core::Timestamp t = kSince + minutes(7) + nanoseconds(42);
  h.Line(b, "tcpserver: status: 0/100");  // b has no stamp yet
  h.Line(a, Relaying(t));
  h.Line(a, "tcpserver: end 4321 status 0");
  h.Line(a, RelayingText());  // unstamped relaying: counted at t
  ASSERT_EQ(h.seen.size(), 4u);
  EXPECT_EQ(h.seen[0].time, core::Timestamp{});
  EXPECT_EQ(h.seen[0].service, "smtps");
  EXPECT_FALSE(h.seen[0].stamped);
  EXPECT_EQ(h.seen[2].time, t);
  EXPECT_FALSE(h.seen[2].stamped);
  EXPECT_EQ(h.seen[3].time, t);
  EXPECT_EQ(h.pipe().stats().unstamped, 3u);
  EXPECT_EQ(h.pipe().stats().relay, 2u);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].finding.count, 2u);
  EXPECT_EQ(h.alerts[0].finding.last, t);
  EXPECT_EQ(h.alerts[0].finding.service, "submission");
  EXPECT_EQ(h.LastStamp(a), t);
  EXPECT_EQ(h.LastStamp(b), std::nullopt);
}

TEST(PipelineTest, AFindingBecomesOneAlertPerWindowWithTheLedgersId) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 2)}));
  const std::size_t src = h.pipe().AddSource("submission");
  for (int i = 0; i < 10; ++i) h.Line(src, Relaying(kSince + minutes(i)));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].state, alerting::AlertState::kNew);
  EXPECT_EQ(h.alerts[0].host, "mx1.example.com");
  EXPECT_EQ(h.alerts[0].id,
            alerting::MakeAlertId("hourly-volume", "bob@example.com", kSince + minutes(1)));
  EXPECT_EQ(h.pipe().stats().findings, 9u);
  EXPECT_EQ(h.pipe().stats().alerts, 1u);
  // One window after the alert, the next finding is an "ongoing" alert.
  h.Line(src, Relaying(kSince + minutes(61)));
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].state, alerting::AlertState::kOngoing);
  EXPECT_EQ(h.alerts[1].previous_count, 2u);
}

TEST(PipelineTest, AlertsRepeatFollowsTheConfiguredPeriod) {
  config::Config c = ConfigWith({VolumeRule("hourly-volume", hours(1), 1)});
  c.alerts.repeat = minutes(10);
  PipelineHarness h(std::move(c));
  const std::size_t src = h.pipe().AddSource("submission");
  for (int i = 0; i <= 30; ++i) h.Line(src, Relaying(kSince + minutes(i)));
  ASSERT_EQ(h.alerts.size(), 4u);  // 00:00, 00:10, 00:20, 00:30
  EXPECT_EQ(h.alerts[3].finding.last, kSince + minutes(30));
}

TEST(PipelineTest, LinesBeforeQuietUntilFeedTheWindowsButAreNeitherCountedNorAlerted) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 2)}));
  const std::size_t src = h.pipe().AddSource("submission");
  h.pipe().set_quiet_until(kSince);
  h.Line(src, Relaying(kSince - minutes(10)));
  h.Line(src, "tcpserver: status: 0/100");  // unstamped: takes 23:50, quiet too
  EXPECT_TRUE(h.seen.empty());
  EXPECT_EQ(h.pipe().stats().lines, 0u);
  EXPECT_EQ(h.pipe().stats().unstamped, 0u);
  h.Line(src, Relaying(kSince));  // exactly at quiet_until: in range
  EXPECT_EQ(h.pipe().stats().lines, 1u);
  EXPECT_EQ(h.pipe().stats().relay, 1u);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].finding.count, 2u);
  EXPECT_EQ(h.alerts[0].finding.first, kSince - minutes(10));
}

TEST(PipelineTest, AnAlertTheLedgerAdmittedBeforeQuietUntilSilencesTheRestOfItsPeriod) {
  PipelineHarness h(ConfigWith({VolumeRule("hourly-volume", hours(1), 1)}));
  const std::size_t src = h.pipe().AddSource("submission");
  h.pipe().set_quiet_until(kSince);
  h.Line(src, Relaying(kSince - minutes(5)));  // quiet alert at 23:55
  h.Line(src, Relaying(kSince + minutes(1)));
  h.Line(src, Relaying(kSince + minutes(55) - nanoseconds(1)));
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.pipe().stats().findings, 2u);
  EXPECT_EQ(h.pipe().stats().alerts, 0u);
  h.Line(src, Relaying(kSince + minutes(55)));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].state, alerting::AlertState::kOngoing);
}

TEST(PipelineTest, TheSameLinesGiveTheSameAlertsInANewPipeline) {
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) {
    lines.push_back(Relaying(kSince + minutes(3 * i), i % 2 ? "bob@example.com" : "Amy@X.example"));
  }
  auto run = [&] {
    PipelineHarness h(ConfigWith({VolumeRule("v", hours(1), 5), SenderRule("s")}));
    const std::size_t src = h.pipe().AddSource("submission");
    for (const std::string& l : lines) h.Line(src, l);
    std::vector<std::string> ids;
    for (const auto& a : h.alerts) ids.push_back(a.id);
    return ids;
  };
  const std::vector<std::string> first = run();
  // v: Amy at 00:24, 01:24, 02:24 and bob at 00:27, 01:27, 02:27; s: Amy (as bob@) once.
  EXPECT_EQ(first.size(), 7u);
  EXPECT_EQ(run(), first);
}

}  // namespace
}  // namespace relaywatch::pipeline
