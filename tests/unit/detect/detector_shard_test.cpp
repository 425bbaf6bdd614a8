// Detector::set_shard: `report --threads` gives every line to one Detector per shard, each
// counting only its own Keys. Together the shards must find, hit and count exactly what one
// Detector does, each Key in one shard only, with sessions (not per Key) seen by every shard.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "detector_harness.h"
#include "relaywatch/detect/detector.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::DetectorHarness;
using testing::FixtureLines;
using testing::RemoteIpsRule;
using testing::SenderRule;
using testing::Tai;
using testing::VolumeRule;

std::vector<RuleSpec> Rules() {
  return {VolumeRule("hourly-volume", hours(1), 4),
          VolumeRule("hourly-messages", hours(1), 2, VolumeParams{CountUnit::kMessages, {}}),
          SenderRule("foreign-sender"), RemoteIpsRule("many-ips", 3)};
}

// 40 logins each relaying from a few addresses, some as a foreign sender,
// with tcpserver and simscan lines: messages are tied to a login by the session, which the shard
// that owns the login must see even though other shards read the lines too.
std::vector<std::string> Lines() {
  std::vector<std::string> out;
  core::Timestamp t = core::Timestamp(seconds(1795840000));
  for (int i = 0; i < 400; ++i) {
    t += seconds(7);
    const std::string login = "u" + std::to_string(i % 40) + "@example.com";
    const std::string ip = "198.51.100." + std::to_string(i % 7 + 1);
    const std::string pid = std::to_string(1000 + i);
    const std::string sender = i % 9 == 0 ? "ceo@bank.example" : login;
    out.push_back(Tai(t) + " tcpserver: pid " + pid + " from " + ip);
    out.push_back(Tai(t) + " tcpserver: ok " + pid + " mail.example.com:192.0.2.10:587 :" + ip +
                  "::4000" + std::to_string(i % 10));
    out.push_back(Tai(t) + " CHKUSER relaying rcpt: from <" + sender + ":" + login +
                  ":> remote <pc:unknown:" + ip + "> rcpt <r" + std::to_string(i) +
                  "@gmail.example> : client allowed to relay");
    out.push_back(Tai(t) + " simscan:[" + pid + "]:RELAYCLIENT:0.0123s:-:" + ip + ":" + sender +
                  ":r" + std::to_string(i) + "@gmail.example");
    out.push_back(Tai(t) + " tcpserver: end " + pid + " status 0");
  }
  return out;
}

// The fixture (whose submission log has qlogenvelope lines), then Lines() on smtps.
std::vector<Finding> FeedBoth(DetectorHarness& h, const std::vector<std::string>& lines) {
  std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"), "submission");
  for (Finding& f : h.FeedAll(lines, "smtps")) all.push_back(std::move(f));
  return all;
}

using Row = std::tuple<std::string, std::string, std::uint64_t, std::int64_t, std::string>;

Row RowOf(const Finding& f) {
  return {f.rule, f.key, f.count, f.last.time_since_epoch().count(), f.basis};
}

TEST(DetectorShardTest, ShardsTogetherFindAndCountExactlyWhatOneDetectorDoes) {
  const std::vector<std::string> lines = Lines();
  DetectorHarness one(Rules(), "example.com");
  std::vector<Row> want;
  for (const Finding& f : FeedBoth(one, lines)) want.push_back(RowOf(f));
  ASSERT_GT(want.size(), 20u);
  // Every rule fired, messages too: the comparison covers each way of counting.
  for (const char* rule : {"hourly-volume", "hourly-messages", "foreign-sender", "many-ips"}) {
    EXPECT_TRUE(std::any_of(want.begin(), want.end(), [&](const Row& r) {
      return std::get<0>(r) == rule;
    })) << rule;
  }

  constexpr std::size_t kShards = 3;
  std::vector<std::unique_ptr<DetectorHarness>> shards;
  std::vector<Row> got;
  std::map<std::string, std::size_t> shard_of_key;
  std::size_t hits = 0, recipients = 0;
  for (std::size_t s = 0; s < kShards; ++s) {
    auto& h = *shards.emplace_back(std::make_unique<DetectorHarness>(Rules(), "example.com"));
    h.detector().set_shard(s, kShards);
    for (const Finding& f : FeedBoth(h, lines)) {
      got.push_back(RowOf(f));
      auto [it, added] = shard_of_key.emplace(f.key, s);
      EXPECT_EQ(it->second, s) << f.key << " found in two shards";
      EXPECT_EQ(Detector::ShardOf(f.key, kShards), s) << f.key;
    }
    for (const auto& hit : h.hits()) {
      EXPECT_EQ(Detector::ShardOf(hit.key, kShards), s) << hit.key;
    }
    hits += h.hits().size();
    recipients += h.recipients().size();
  }
  EXPECT_GE(shard_of_key.size(), 3u);
  std::set<std::size_t> used;
  for (const auto& [key, s] : shard_of_key) used.insert(s);
  EXPECT_EQ(used.size(), kShards) << "every shard found something";
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(hits, one.hits().size());
  EXPECT_EQ(recipients, one.recipients().size());
}

TEST(DetectorShardTest, OneShardIsTheWholeDetector) {
  EXPECT_EQ(Detector::ShardOf("anyone@example.com", 1), 0u);
  EXPECT_EQ(Detector::ShardOf("anyone@example.com", 0), 0u);
  DetectorHarness whole(Rules(), "example.com"), sharded(Rules(), "example.com");
  sharded.detector().set_shard(0, 1);
  const std::vector<std::string> lines = Lines();
  std::vector<Row> a, b;
  for (const Finding& f : FeedBoth(whole, lines)) a.push_back(RowOf(f));
  for (const Finding& f : FeedBoth(sharded, lines)) b.push_back(RowOf(f));
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace relaywatch::detect
