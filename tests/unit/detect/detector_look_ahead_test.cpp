// Detector::LookAhead: report shows the Detector each line kLookAhead lines before counting it,
// so the store can bring that line's Key into the cache stage by stage. It must change no count,
// and each stage must come for the right Key, in order, the last one just before its line.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "detector_harness.h"
#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/parse/parser.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using Stage = WindowStore::PrefetchStage;
using testing::RemoteIpsRule;
using testing::SenderRule;
using testing::Tai;
using testing::VolumeRule;

std::vector<RuleSpec> Rules() {
  return {VolumeRule("hourly-volume", hours(1), 5), SenderRule("foreign-sender"),
          RemoteIpsRule("many-ips", 3)};
}

// 60 logins, one recipient each per line from a fresh address, with lines no rule counts between
// them and logins that are not written as their Key (upper case, no domain).
std::vector<std::string> Lines() {
  std::vector<std::string> out;
  core::Timestamp t = core::Timestamp(seconds(1795840000));
  for (int i = 0; i < 3000; ++i) {
    t += seconds(3);
    std::string login = "u" + std::to_string(i * 7 % 60) + "@example.com";
    if (i % 11 == 0) login = "U" + std::to_string(i % 60) + "@EXAMPLE.COM";
    if (i % 13 == 0) login = "bare" + std::to_string(i % 5);
    const std::string ip = "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    const std::string sender = i % 17 == 0 ? "ceo@bank.example" : login;
    if (i % 5 == 0) out.push_back(Tai(t) + " tcpserver: pid " + std::to_string(i) + " from " + ip);
    out.push_back(Tai(t) + " CHKUSER relaying rcpt: from <" + sender + ":" + login +
                  ":> remote <pc:unknown:" + ip + "> rcpt <r" + std::to_string(i) +
                  "@gmail.example> : client allowed to relay");
  }
  return out;
}

// A store that records what it was asked to prefetch, between the counts.
struct RecordingStore : MemoryWindowStore {
  struct Call {
    std::string key;
    Stage stage;
  };
  const void* Prefetch(std::string_view key, Stage stage) const override {
    calls.push_back(Call{std::string(key), stage});
    return MemoryWindowStore::Prefetch(key, stage);
  }
  mutable std::vector<Call> calls;
};

struct Fed {
  std::vector<std::string> findings;
  std::vector<std::string> hits;
};

// Feeds every line, with the look-ahead when `ahead` (as report's DecodeThread does: nothing is
// shown past `batch` lines, the end of a batch).
Fed Feed(const std::vector<std::string>& raw, bool ahead, RecordingStore& store,
         std::vector<std::size_t>* calls_before_line = nullptr, std::size_t batch = 1000) {
  Detector detector(Rules(), "example.com", store);
  testing::HitLog log;
  detector.set_observer(&log);
  stamp::Stamper stamper(core::LocalZone::Fixed(0));
  std::vector<stamp::Line> lines;
  std::vector<parse::Event> events;
  for (const std::string& r : raw) {
    lines.push_back(stamper.Stamp(r));
    events.push_back(parse::ParseEvent(lines.back().tag, lines.back().text));
  }
  Fed fed;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (ahead) {
      const std::size_t next = i + Detector::kLookAhead;
      const bool shown = next < events.size() && next / batch == i / batch;
      detector.LookAhead(shown ? &events[next] : nullptr);
    }
    if (calls_before_line != nullptr) calls_before_line->push_back(store.calls.size());
    std::vector<Finding> out;
    detector.OnEvent(EventContext{lines[i].time, "submission"}, events[i], out);
    for (const Finding& f : out)
      fed.findings.push_back(f.rule + " " + f.key + " " + std::to_string(f.count));
  }
  for (const auto& h : log.hits) {
    fed.hits.push_back(std::to_string(h.rule) + " " + h.key + " " + std::to_string(h.count));
  }
  return fed;
}

TEST(DetectorLookAheadTest, CountsFindsAndHitsExactlyWhatItDoesWithoutLookingAhead) {
  const std::vector<std::string> lines = Lines();
  RecordingStore plain, ahead;
  const Fed want = Feed(lines, false, plain);
  const Fed got = Feed(lines, true, ahead);
  ASSERT_GT(want.findings.size(), 50u);
  EXPECT_EQ(got.findings, want.findings);
  EXPECT_EQ(got.hits, want.hits);
  EXPECT_TRUE(plain.calls.empty());
  EXPECT_FALSE(ahead.calls.empty());
}

TEST(DetectorLookAheadTest, EachStageComesInOrderForTheKeyOfTheLineToComeTheLastJustBeforeIt) {
  const std::vector<std::string> lines = Lines();
  RecordingStore store;
  std::vector<std::size_t> before;  // store.calls.size() just before line i is counted
  Feed(lines, true, store, &before, 1000);
  // The four stages of every Key shown, in order.
  std::map<std::string, std::vector<Stage>> by_key;
  for (const auto& c : store.calls) by_key[c.key].push_back(c.stage);
  for (const auto& [key, stages] : by_key) {
    ASSERT_EQ(stages.size() % 4, 0u) << key;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      EXPECT_EQ(stages[i], static_cast<Stage>(i % 4)) << key << " call " << i;
    }
    // Only Keys as written: the upper-case and bare logins are counted, never looked ahead.
    EXPECT_EQ(key.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos) << key;
    EXPECT_NE(key.find('@'), std::string::npos) << key;
  }
  // The last stage of line i's Key is asked just before line i - 1 is counted (as the last call
  // of that look-ahead): one line's counting between it and its own.
  std::size_t checked = 0;
  stamp::Stamper stamper(core::LocalZone::Fixed(0));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const stamp::Line l = stamper.Stamp(lines[i]);
    const parse::Event event = parse::ParseEvent(l.tag, l.text);
    const auto* c = std::get_if<parse::ChkuserEvent>(&event);
    if (c == nullptr || !by_key.contains(std::string(c->auth_user))) continue;
    if (i % 1000 < Detector::kLookAhead) continue;  // first lines of a batch: never shown
    ASSERT_GT(before[i - 1], 0u);
    const auto& last = store.calls[before[i - 1] - 1];
    EXPECT_EQ(last.stage, Stage::kWindows) << "line " << i;
    EXPECT_EQ(last.key, c->auth_user) << "line " << i;
    ++checked;
  }
  EXPECT_GT(checked, 2000u);
}

}  // namespace
}  // namespace relaywatch::detect
