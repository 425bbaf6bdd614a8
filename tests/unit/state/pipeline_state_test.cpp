// The pipeline's one state value: nothing it knows lives outside PipelineState.
//
// A run of lines fed in one go must give the same alerts and end in the same state as the same
// run cut anywhere in two, with the first half's Snapshot encoded into a checkpoint, decoded and
// Restored into a new Pipeline before the second half (a restart), or handed to a Pipeline built
// from the same config (a reload). A field some stage keeps between lines and the snapshot
// misses shows up as a different alert, count, sample or attribution after the cut. The field
// counts below fail when a field is added to the state value without being encoded and tested.
#include "relaywatch/pipeline/pipeline_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "../detect/detector_harness.h"
#include "relaywatch/pipeline/pipeline.h"
#include "relaywatch/state/checkpoint.h"

namespace relaywatch::pipeline {
namespace {

using detect::testing::RcptLimitRule;
using detect::testing::RemoteIpsRule;
using detect::testing::SenderRule;
using detect::testing::ServicePolicyRule;
using detect::testing::Tai;
using detect::testing::VolumeRule;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// The number of fields of an aggregate (C++20: initialisable from that many of anything).
struct AnyField {
  template <typename T>
  operator T() const;  // never defined: only asked about in unevaluated contexts
};
template <typename T, typename... Fields>
constexpr std::size_t FieldCount() {
  if constexpr (requires { T{Fields{}..., AnyField{}}; }) {
    return FieldCount<T, Fields..., AnyField>();
  } else {
    return sizeof...(Fields);
  }
}

const core::Timestamp kT0 = core::Timestamp(seconds(1795824000));  // 2026-11-28T00:00:00Z

struct Fed {
  std::size_t source;
  std::string raw;
};

std::string Chk(std::string_view verdict, std::string_view sender, std::string_view auth,
                std::string_view ip, std::string_view rcpt, std::string_view tail) {
  return "CHKUSER " + std::string(verdict) + ": from <" + std::string(sender) + ":" +
         std::string(auth) + ":> remote <pc:unknown:" + std::string(ip) + "> rcpt <" +
         std::string(rcpt) + "> : " + std::string(tail);
}

std::string Qlog(std::string_view sender, std::string_view rcpt, std::string_view authuser,
                 std::string_view ip) {
  return "qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay helo=pc "
         "mailfrom=" +
         std::string(sender) + " rcptto=" + std::string(rcpt) +
         " relay=yes rcpthosts=no size= authuser=" + std::string(authuser) +
         " authtype=login encrypted=tls sslverified=no localip=192.0.2.10 localport=587 "
         "remoteip=" +
         std::string(ip) + " remoteport=51234 remotehost=unknown qp= pid=4321";
}

// Two hours of two services: every rule kind fires, some keys resolve, the qlog service learns
// that it logs qlog lines (its first pair is split by some cuts), sessions tie simscan and QMT
// lines to logins, a malformed and an unstamped line, and a gap finding from outside.
std::vector<Fed> Corpus() {
  enum : std::size_t { kSubmission = 0, kSmtp = 1, kQlog = 2 };
  std::vector<Fed> out;
  auto at = [](int second) { return Tai(kT0 + seconds(second)) + " "; };
  int t = 0;
  for (int i = 0; i < 30; ++i, t += 7) {
    const std::string n = std::to_string(i);
    out.push_back({kSubmission, at(t) + "tcpserver: ok " + std::to_string(4000 + i) +
                                    " mx:192.0.2.10:587 :203.0.113." + n + "::5" + n});
    out.push_back({kSubmission,
                   at(t + 1) + Chk("relaying rcpt", i % 3 ? "suzy@example.com" : "ceo@bank.example",
                                   "suzy@example.com", "203.0.113." + n, "r" + n + "@gmail.example",
                                   "client allowed to relay")});
    out.push_back({kSubmission, at(t + 2) + "simscan:[" + std::to_string(4000 + i) +
                                    "]:RELAYCLIENT:0.01s:-:203.0.113." + n + ":suzy@example.com:r" +
                                    n + "@gmail.example"});
    out.push_back({kSubmission, at(t + 3) + "mail recv: pid " + std::to_string(4000 + i) +
                                    " from <suzy@example.com> qp " + std::to_string(9000 + i)});
    out.push_back({kSmtp, at(t + 2) + Chk("relaying rcpt", "bob@example.com", "bob@example.com",
                                          "198.51.100.7", "x" + n + "@yahoo.example",
                                          "client allowed to relay")});
    if (i % 2 == 0) {
      out.push_back({kQlog, at(t + 3) + Chk("relaying rcpt", "boss@example.com", "boss@example.com",
                                            "192.0.2.77", "q" + n + "@gmail.example",
                                            "client allowed to relay")});
      out.push_back({kQlog, at(t + 3) + Qlog("boss@example.com", "q" + n + "@gmail.example",
                                             i % 4 ? "" : "mallory@example.com", "192.0.2.77")});
    }
    if (i == 10) {
      out.push_back({kSmtp, at(t + 4) + Chk("intrusion threshold", "bob@example.com",
                                            "bob@example.com", "198.51.100.7", "x@yahoo.example",
                                            "max number of allowed rcpt")});
      out.push_back({kSmtp, at(t + 4) + "CHKUSER relaying rcpt: from <broken"});
      out.push_back({kSmtp, "a line without a stamp"});
    }
    if (i == 20) out.push_back({kSubmission, at(t + 5) + "tcpserver: end 4019 status 0"});
  }
  // Later: the windows empty, the alerts resolve, then one login comes back.
  for (int i = 0; i < 6; ++i) {
    t = 3 * 3600 + 600 * i;
    out.push_back(
        {kSmtp, at(t) + Chk("relaying rcpt", "bob@example.com", "bob@example.com", "198.51.100.7",
                            "late@yahoo.example", "client allowed to relay")});
  }
  return out;
}

config::Config Config() {
  config::Config c;
  c.hostname = "mx1.example.com";
  c.alerts.resolved = true;
  detect::VolumeParams messages;
  messages.count = detect::CountUnit::kMessages;
  c.rules = {VolumeRule("volume", minutes(30), 8),
             VolumeRule("messages", hours(1), 5, messages),
             SenderRule("sender", 2),
             RemoteIpsRule("ips", 4),
             ServicePolicyRule("policy", {"submission"}, 3),
             RcptLimitRule("rcpt-limit", 1)};
  return c;
}

// One Pipeline with a decoder per source, as the daemon's Followers.
class Replay {
 public:
  explicit Replay(const config::Config& config) : pipe_(config) {
    for (const char* service : {"submission", "smtp", "qlogged"}) {
      pipe_.AddSource(service);
      decoders_.emplace_back(core::LocalZone::Fixed(0));
    }
    pipe_.set_alert_sink([this](alerting::Alert&& a) { alerts.push_back(std::move(a)); });
  }
  // A restart: each source resumes with the last stamp its Position kept.
  void ResumeDecodersOf(const Replay& before) {
    for (std::size_t i = 0; i < decoders_.size(); ++i) {
      decoders_[i] =
          decode::LineDecoder(core::LocalZone::Fixed(0), before.decoders_[i].last_stamp());
    }
  }
  void Feed(const std::vector<Fed>& lines, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      decode::DecodedLine d;
      decoders_[lines[i].source].Decode(lines[i].raw, /*cut=*/false, d);
      pipe_.OnLine(lines[i].source, d);
      if (i == lines.size() / 2) {  // a gap finding from outside the rules, through the ledger
        detect::Finding gap;
        gap.rule = "gap";
        gap.kind = detect::RuleKind::kGap;
        gap.key = "log:smtp";
        gap.count = 1;
        gap.window = hours(1);
        gap.first = gap.last = d.line.time;
        pipe_.InjectFinding(std::move(gap));
      }
    }
  }
  Pipeline& pipe() { return pipe_; }
  std::vector<alerting::Alert> alerts;

 private:
  Pipeline pipe_;
  std::vector<decode::LineDecoder> decoders_;
};

std::string Describe(const alerting::Alert& a) {
  const detect::Finding& f = a.finding;
  std::string s = a.id + " " + std::to_string(static_cast<int>(a.state)) + " " + f.rule + " " +
                  f.key + " " + std::to_string(f.count) + "/" + std::to_string(f.limit) + " " +
                  f.basis + " " + f.detail + " samples";
  for (const auto& [v, n] : f.sample.senders) s += " " + v + "=" + std::to_string(n);
  for (const auto& [v, n] : f.sample.remote_ips) s += " " + v + "=" + std::to_string(n);
  for (const auto& r : f.sample.recipients) s += " " + r;
  s += " slices";  // the windows restored from a checkpoint give the same histogram
  for (const std::uint32_t n : f.slices) s += " " + std::to_string(n);
  return s;
}

std::vector<std::string> Describe(const std::vector<alerting::Alert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(Describe(a));
  return out;
}

TEST(PipelineStateTest, TheCorpusExercisesEveryPartOfTheState) {
  Replay whole(Config());
  const std::vector<Fed> lines = Corpus();
  whole.Feed(lines, 0, lines.size() * 2 / 3);
  const PipelineState s = whole.pipe().Snapshot();
  // Every field is non-empty somewhere in the run, so the comparisons below compare something.
  for (const detect::RuleWindows& w : s.detector.windows) EXPECT_FALSE(w.keys.empty()) << w.rule;
  EXPECT_FALSE(s.detector.services.empty());
  EXPECT_FALSE(s.detector.sessions.pid_ip.empty());
  EXPECT_FALSE(s.detector.sessions.ip_login.empty());
  EXPECT_FALSE(s.detector.samples.empty());
  EXPECT_FALSE(s.ledger.empty());
  EXPECT_GT(s.stats.malformed, 0u);
  EXPECT_GT(s.stats.unstamped, 0u);
  EXPECT_NE(s.maintenance_slot, 0);
  whole.Feed(lines, lines.size() * 2 / 3, lines.size());
  std::set<std::string> fired;
  for (const auto& a : whole.alerts) fired.insert(a.finding.rule);
  EXPECT_EQ(fired, (std::set<std::string>{"gap", "ips", "messages", "policy", "rcpt-limit",
                                          "sender", "volume"}));
  EXPECT_TRUE(std::any_of(whole.alerts.begin(), whole.alerts.end(), [](const auto& a) {
    return a.state == alerting::AlertState::kResolved;
  }));
  EXPECT_TRUE(std::any_of(whole.alerts.begin(), whole.alerts.end(),
                          [](const auto& a) { return !a.finding.slices.empty(); }));
}

TEST(PipelineStateTest, ARestartThroughTheCheckpointAnywhereChangesNothing) {
  const std::vector<Fed> lines = Corpus();
  Replay whole(Config());
  whole.Feed(lines, 0, lines.size());
  const std::vector<std::string> want = Describe(whole.alerts);
  const PipelineState want_state = whole.pipe().Snapshot();

  for (std::size_t cut = 0; cut <= lines.size(); ++cut) {
    Replay first(Config());
    first.Feed(lines, 0, cut);
    state::Checkpoint c;
    c.pipeline = first.pipe().Snapshot();
    core::Result<state::Checkpoint> back = state::DecodeCheckpoint(state::EncodeCheckpoint(c));
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_TRUE(back->pipeline == c.pipeline) << "the checkpoint changed the state, cut " << cut;

    Replay second(Config());
    second.pipe().Restore(std::move(back->pipeline));
    second.ResumeDecodersOf(first);
    second.Feed(lines, cut, lines.size());
    std::vector<std::string> got = Describe(first.alerts);
    for (const std::string& a : Describe(second.alerts)) got.push_back(a);
    ASSERT_EQ(got, want) << "restart before line " << cut << ": "
                         << lines[std::min(cut, lines.size() - 1)].raw;
    ASSERT_TRUE(second.pipe().Snapshot() == want_state) << "state after a restart at " << cut;
  }
}

TEST(PipelineStateTest, AReloadWithTheSameRulesChangesNothing) {
  const std::vector<Fed> lines = Corpus();
  Replay whole(Config());
  whole.Feed(lines, 0, lines.size());
  for (std::size_t cut : {lines.size() / 5, lines.size() / 2, lines.size() - 3}) {
    Replay first(Config());
    first.Feed(lines, 0, cut);
    Replay second(Config());
    second.pipe().Restore(first.pipe().Snapshot());
    second.ResumeDecodersOf(first);
    second.Feed(lines, cut, lines.size());
    std::vector<std::string> got = Describe(first.alerts);
    for (const std::string& a : Describe(second.alerts)) got.push_back(a);
    EXPECT_EQ(got, Describe(whole.alerts)) << "reload before line " << cut;
  }
}

TEST(PipelineStateTest, AReloadKeepsTheWindowsOfUnchangedRulesOnly) {
  Replay first(Config());
  const std::vector<Fed> lines = Corpus();
  first.Feed(lines, 0, lines.size() / 2);
  config::Config next = Config();
  next.rules[0].window = hours(2);           // "volume": changed, starts empty
  next.rules.erase(next.rules.begin() + 3);  // "ips": gone
  std::swap(next.rules[0], next.rules[1]);   // the others move: matched by name
  Replay second(next);
  second.pipe().Restore(first.pipe().Snapshot());
  const PipelineState before = first.pipe().Snapshot();
  const PipelineState after = second.pipe().Snapshot();
  auto windows_of = [](const PipelineState& s, std::string_view rule) {
    for (const auto& w : s.detector.windows) {
      if (w.rule == rule) return w.keys;
    }
    return std::vector<detect::KeyWindowState>{};
  };
  EXPECT_TRUE(windows_of(after, "volume").empty());
  EXPECT_FALSE(windows_of(before, "volume").empty());
  EXPECT_EQ(windows_of(after, "messages"), windows_of(before, "messages"));
  EXPECT_EQ(windows_of(after, "sender"), windows_of(before, "sender"));
  EXPECT_EQ(after.detector.services, before.detector.services);
  EXPECT_EQ(after.ledger, before.ledger);
  EXPECT_EQ(after.stats, before.stats);
}

// A field added to the state value must be snapshotted, encoded (state/checkpoint.cpp) and
// compared; these counts make the addition visible here first.
TEST(PipelineStateTest, TheStateValueHasTheFieldsTheCheckpointEncodes) {
  EXPECT_EQ(FieldCount<PipelineState>(), 4u);
  EXPECT_EQ(FieldCount<detect::DetectorState>(), 4u);
  EXPECT_EQ(FieldCount<detect::RuleWindows>(), 5u);
  EXPECT_EQ(FieldCount<detect::ServiceLogState>(), 3u);
  EXPECT_EQ(FieldCount<detect::SessionState>(), 2u);
  EXPECT_EQ(FieldCount<detect::SamplePage>(), 5u);
  EXPECT_EQ(FieldCount<detect::KeyWindowState>(), 3u);
  EXPECT_EQ(FieldCount<Stats>(), 11u);
  EXPECT_EQ(FieldCount<alerting::Ledger::Entry>(), 9u);
}

}  // namespace
}  // namespace relaywatch::pipeline
