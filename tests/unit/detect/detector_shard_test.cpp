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
#include "relaywatch/parse/parser.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::DetectorHarness;
using testing::FixtureLines;
using testing::RcptLimitRule;
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

// Lines of every kind routing tells apart: logins written as their Key (routed to their shard),
// in capitals or bare (every shard makes the Key), relaying by address (no login), an
// authenticated client's recipient limit, inbound recipients and tcpserver lines (no shard).
std::vector<std::string> RoutedLines() {
  std::vector<std::string> out;
  core::Timestamp t = core::Timestamp(seconds(1795840000));
  for (int i = 0; i < 600; ++i) {
    t += seconds(i % 10 == 0 ? 300 : 11);  // now and then a 5-minute maintenance, and sweeps
    const std::string n = std::to_string(i % 12);
    const std::string login = i % 7 == 0    ? "U" + n + "@EXAMPLE.COM"
                              : i % 11 == 0 ? "u" + n
                              : i % 13 == 0 ? ""
                                            : "u" + n + "@example.com";
    const std::string ip = "198.51.100." + std::to_string(i % 9 + 1);
    const std::string sender = i % 9 == 0 ? "ceo@bank.example" : "u" + n + "@example.com";
    const std::string head = Tai(t) + " CHKUSER ";
    const std::string tail =
        ":> remote <pc:unknown:" + ip + "> rcpt <r" + std::to_string(i) + "@gmail.example> : ";
    out.push_back(Tai(t) + " tcpserver: pid " + std::to_string(1000 + i) + " from " + ip);
    out.push_back(head + "relaying rcpt: from <" + sender + ":" + login + tail +
                  "client allowed to relay");
    if (i % 17 == 0) {
      out.push_back(head + "intrusion threshold: from <" + sender + ":" + login + tail +
                    "max number of recipients");
    }
    out.push_back(head + "rejected rcpt: from <x@spam.example::> remote <bot:unknown:203.0.113." +
                  std::to_string(i % 200 + 1) +
                  "> rcpt <nobody@example.com> : not existing recipient");
  }
  return out;
}

std::vector<RuleSpec> RulesWithoutMessages() {
  return {VolumeRule("hourly-volume", hours(1), 4), SenderRule("foreign-sender"),
          RemoteIpsRule("many-ips", 3), RcptLimitRule("rcpt-limit", 1, hours(1))};
}

// report's routing (Detector::ShardNeeding): each shard's Detector given whole only the lines
// it needs and the others' stamps finds, hits and counts exactly what one Detector given every
// line does. The qlog fixture's service is known to log qlogenvelope lines before its first line,
// as report's reader tells it.
TEST(DetectorShardTest, ShardsGivenOnlyTheLinesTheyNeedFindExactlyWhatOneDetectorDoes) {
  const std::vector<std::string> lines = RoutedLines();
  const std::vector<std::string> fixture = FixtureLines("constructed.txt");
  DetectorHarness one(RulesWithoutMessages(), "example.com");
  one.detector().KnowQlogService("submission");
  std::vector<Row> want;
  for (const Finding& f : one.FeedAll(fixture, "submission")) want.push_back(RowOf(f));
  for (const Finding& f : one.FeedAll(lines, "smtps")) want.push_back(RowOf(f));
  for (const char* rule : {"hourly-volume", "foreign-sender", "many-ips", "rcpt-limit"}) {
    EXPECT_TRUE(std::any_of(want.begin(), want.end(), [&](const Row& r) {
      return std::get<0>(r) == rule;
    })) << rule;
  }

  constexpr std::size_t kShards = 3;
  std::vector<Row> got;
  std::size_t hits = 0, recipients = 0, routed_away = 0;
  for (std::size_t s = 0; s < kShards; ++s) {
    DetectorHarness h(RulesWithoutMessages(), "example.com");
    h.detector().set_shard(s, kShards);
    h.detector().KnowQlogService("submission");
    for (const std::string& l : fixture) {
      for (const Finding& f : h.FeedRouted(l, "submission", s)) got.push_back(RowOf(f));
    }
    for (const std::string& l : lines) {
      for (const Finding& f : h.FeedRouted(l, "smtps", s)) {
        got.push_back(RowOf(f));
        EXPECT_EQ(Detector::ShardOf(f.key, kShards), s) << f.key;
      }
    }
    hits += h.hits().size();
    recipients += h.recipients().size();
    routed_away += h.routed_away();
  }
  // Most lines went to one shard or none: the routing was used, not every line to all.
  EXPECT_GT(routed_away, (kShards - 1) * lines.size() / 2);
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(hits, one.hits().size());
  EXPECT_EQ(recipients, one.recipients().size());
}

TEST(DetectorShardTest, WhatNeedsEveryShardOrNone) {
  auto needs = [](const std::vector<RuleSpec>& rules, std::size_t shards, std::string_view raw) {
    DetectorHarness h(rules, "example.com");
    h.detector().set_shard(0, shards);
    stamp::Stamper stamper(core::LocalZone::Fixed(0));
    const stamp::Line line = stamper.Stamp(raw);
    return h.detector().ShardNeeding(parse::ParseEvent(line.tag, line.text));
  };
  const std::string t = Tai(core::Timestamp(seconds(1795840000)));
  const std::string relaying = t +
                               " CHKUSER relaying rcpt: from <a@example.com:a@example.com:> remote "
                               "<pc:unknown:192.0.2.1> rcpt <r@gmail.example> : client allowed";
  const std::size_t own = Detector::ShardOf("a@example.com", 4);
  EXPECT_EQ(needs(RulesWithoutMessages(), 4, relaying), own);
  // One shard, or a rule that counts messages (sessions are every shard's): every line whole.
  EXPECT_EQ(needs(RulesWithoutMessages(), 1, relaying), Detector::kAllShards);
  EXPECT_EQ(needs(Rules(), 4, relaying), Detector::kAllShards);
  // Another spelling of the login: every shard makes its Key.
  std::string capitals = relaying;
  capitals.replace(capitals.find(":a@example.com:"), 15, ":A@Example.com:");
  EXPECT_EQ(needs(RulesWithoutMessages(), 4, capitals), Detector::kAllShards);
  EXPECT_EQ(needs(RulesWithoutMessages(), 4,
                  t + " CHKUSER rejected rcpt: from <x@spam.example::> remote "
                      "<bot:unknown:203.0.113.9> rcpt <nobody@example.com> : not existing"),
            Detector::kNoShard);
  EXPECT_EQ(needs(RulesWithoutMessages(), 4, t + " tcpserver: pid 100 from 192.0.2.1"),
            Detector::kNoShard);
  EXPECT_EQ(needs(RulesWithoutMessages(), 4,
                  t + " qlogenvelope: result=accepted code=250 reason=rcptto "
                      "detail=chkuserrelay helo=pc mailfrom=a@example.com rcptto=r@gmail.example "
                      "relay=yes rcpthosts=no size= authuser=a@example.com authtype=login "
                      "encrypted= sslverified=no localip=192.0.2.10 localport=587 "
                      "remoteip=192.0.2.1 remoteport=51234 remotehost=unknown qp= pid=4321"),
            Detector::kAllShards);
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
