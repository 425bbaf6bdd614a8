// Detector::LookAhead: report shows the Detector each line kLookAhead lines before counting it,
// so the store can bring that line's Key into the cache stage by stage. It must change no count,
// and each stage must come for the right Key, in order, the last one just before its line.
#include <gtest/gtest.h>

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

// 60 logins, sessions of one to three recipients (consecutive lines of one login) each from a
// fresh address, with lines no rule counts between them and logins that are not written as
// their Key (upper case, no domain).
std::vector<std::string> Lines() {
  std::vector<std::string> out;
  core::Timestamp t = core::Timestamp(seconds(1795840000));
  for (int i = 0; i < 3000; ++i) {
    t += seconds(3);
    const int session = i - i % (1 + i / 7 % 3);  // the first line of its session
    std::string login = "u" + std::to_string(session * 7 % 60) + "@example.com";
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
  const void* Prefetch(std::string_view key, std::uint64_t hash, Stage stage) const override {
    EXPECT_EQ(hash, KeyHash(key)) << key;
    calls.push_back(Call{std::string(key), stage});
    return MemoryWindowStore::Prefetch(key, hash, stage);
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
         std::vector<std::size_t>* calls_before_line = nullptr, std::size_t batch = 1000,
         std::size_t shard = 0, std::size_t shards = 1) {
  Detector detector(Rules(), "example.com", store);
  detector.set_shard(shard, shards);
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

// The login of a chkuser line ("" for other lines).
std::string LoginOf(const std::string& raw) {
  stamp::Stamper stamper(core::LocalZone::Fixed(0));
  const stamp::Line l = stamper.Stamp(raw);
  const parse::Event event = parse::ParseEvent(l.tag, l.text);
  const auto* c = std::get_if<parse::ChkuserEvent>(&event);
  return c != nullptr ? std::string(c->auth_user) : std::string();
}

// The Key a look-ahead of `raw`'s line keeps: a chkuser line's login when it is written as its
// Key (lower case, a domain) and, with shards, the shard's.
std::string KeyShown(const std::string& raw, std::size_t shard, std::size_t shards) {
  const std::string login = LoginOf(raw);
  if (login.empty() || login.find('@') == std::string::npos ||
      login.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos ||
      Detector::ShardOf(login, shards) != shard) {
    return {};
  }
  return login;
}

// Call i's look-ahead asks, in this order: the index of line i + 8 (the line it is shown), the
// entry of line i + 5, the row of line i + 3 and the windows of line i + 1, each for a line
// that was shown (not among its batch's first kLookAhead) and has a Key shown, unless the line
// shown just before it (by the call before) was of the same login.
void ExpectTheSchedule(const std::vector<std::string>& lines, std::size_t batch, std::size_t shard,
                       std::size_t shards) {
  RecordingStore store;
  std::vector<std::size_t> before;  // store.calls.size() after call i, before line i is counted
  Feed(lines, true, store, &before, batch, shard, shards);
  auto shown = [&](std::size_t line) {
    return line >= Detector::kLookAhead && line / batch == (line - Detector::kLookAhead) / batch;
  };
  std::vector<std::string> keys;
  std::size_t repeats = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    keys.push_back(KeyShown(lines[i], shard, shards));
    const std::string login = LoginOf(lines[i]);
    if (i > 0 && shown(i - 1) && !login.empty() && LoginOf(lines[i - 1]) == login) {
      repeats += !keys.back().empty();
      keys.back().clear();  // brought in for the line before
    }
  }
  EXPECT_GT(repeats, 100u);
  constexpr std::pair<std::size_t, Stage> kStages[] = {
      {0, Stage::kIndex}, {3, Stage::kKey}, {5, Stage::kRow}, {7, Stage::kWindows}};
  std::size_t windows = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> want, got;
    for (const auto& [age, stage] : kStages) {
      const std::size_t line = i + Detector::kLookAhead - age;
      if (age > i || line >= lines.size()) continue;
      if (!shown(line) || keys[line].empty()) continue;
      want.push_back(keys[line] + " " + std::to_string(static_cast<int>(stage)));
      windows += stage == Stage::kWindows;
    }
    for (std::size_t c = i == 0 ? 0 : before[i - 1]; c < before[i]; ++c) {
      got.push_back(store.calls[c].key + " " +
                    std::to_string(static_cast<int>(store.calls[c].stage)));
    }
    ASSERT_EQ(got, want) << "the look-ahead before line " << i;
  }
  EXPECT_GT(windows, lines.size() / (4 * shards));
}

TEST(DetectorLookAheadTest, EachStageComesForTheLineItIsForAtItsDistanceAndInOrder) {
  const std::vector<std::string> lines = Lines();
  ExpectTheSchedule(lines, 1000, 0, 1);
  ExpectTheSchedule(lines, 97, 0, 1);  // batches that end often
}

TEST(DetectorLookAheadTest, AShardLooksAheadOnlyAtItsOwnKeysAndCountsAsWithout) {
  const std::vector<std::string> lines = Lines();
  for (std::size_t shard = 0; shard < 2; ++shard) {
    ExpectTheSchedule(lines, 1000, shard, 2);
    RecordingStore plain, ahead;
    const Fed want = Feed(lines, false, plain, nullptr, 1000, shard, 2);
    const Fed got = Feed(lines, true, ahead, nullptr, 1000, shard, 2);
    EXPECT_FALSE(want.hits.empty());
    EXPECT_EQ(got.findings, want.findings);
    EXPECT_EQ(got.hits, want.hits);
  }
}

}  // namespace
}  // namespace relaywatch::detect
