#include "relaywatch/state/checkpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/detect/memory_window_store.h"
#include "state_test_util.h"

namespace relaywatch::state {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::HostileTexts;
using testing::Seal;

// 2026-11-28T03:15:22.299206500Z, the stamp of a relaying line.
const core::Timestamp kT0 = core::Timestamp(seconds(1795835722)) + nanoseconds(299206500);

void ExpectSameStats(const pipeline::Stats& a, const pipeline::Stats& b) {
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(a.relay, b.relay);
  EXPECT_EQ(a.chkuser, b.chkuser);
  EXPECT_EQ(a.malformed, b.malformed);
  EXPECT_EQ(a.unstamped, b.unstamped);
  EXPECT_EQ(a.long_lines, b.long_lines);
  EXPECT_EQ(a.findings, b.findings);
  EXPECT_EQ(a.alerts, b.alerts);
  EXPECT_EQ(a.evicted_keys, b.evicted_keys);
  EXPECT_EQ(a.malformed_by_reason, b.malformed_by_reason);
  EXPECT_EQ(a.malformed_samples, b.malformed_samples);
}

void ExpectSame(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.sources, b.sources);
  EXPECT_EQ(a.pipeline.detector.windows, b.pipeline.detector.windows);
  EXPECT_EQ(a.pipeline.detector.services, b.pipeline.detector.services);
  EXPECT_EQ(a.pipeline.detector.sessions, b.pipeline.detector.sessions);
  EXPECT_EQ(a.pipeline.detector.samples, b.pipeline.detector.samples);
  EXPECT_EQ(a.pipeline.ledger, b.pipeline.ledger);
  ExpectSameStats(a.pipeline.stats, b.pipeline.stats);
  EXPECT_EQ(a.pipeline.maintenance_slot, b.pipeline.maintenance_slot);
  EXPECT_TRUE(a.pipeline == b.pipeline);  // and whatever the lines above do not name
}

Checkpoint Full() {
  Checkpoint c;
  Position p;
  p.device = 2049;
  p.inode = 1311057;
  p.fingerprint = 0xcbf29ce484222325ull;
  p.fingerprint_len = 256;
  p.offset = 99999;
  p.last_stamp = kT0;
  c.sources.push_back({"submission", "/var/log/qmail/submission", p});
  p.last_stamp.reset();  // a file of unstamped lines so far
  p.offset = 0;
  p.fingerprint_len = 0;
  c.sources.push_back({"smtp", "/var/log/qmail/smtp", p});

  RuleWindows volume{"hourly-volume", detect::RuleKind::kVolume, hours(1), {}};
  volume.keys.push_back(
      {"bob@example.com", {{29930595, 12, kT0 - minutes(3)}, {29930598, 488, kT0}}, {}});
  volume.keys.push_back({"ip:203.0.113.5", {{-4, 1, core::Timestamp(seconds(-200))}}, {}});
  c.pipeline.detector.windows.push_back(volume);
  RuleWindows ips{"many-ips", detect::RuleKind::kRemoteIps, hours(1), {}};
  ips.keys.push_back({"suzy@example.com",
                      {},
                      {{"203.0.113.5", kT0, kT0 - minutes(20)}, {"2001:db8::5", kT0, kT0}}});
  c.pipeline.detector.windows.push_back(ips);
  c.pipeline.detector.windows.push_back(
      {"empty-rule", detect::RuleKind::kRcptLimit, minutes(15), {}});
  c.pipeline.detector.windows[0].evicted = 3;

  c.pipeline.detector.services.push_back({"smtp", false, "r@gmail.example"});
  c.pipeline.detector.services.push_back({"submission", true, ""});
  c.pipeline.detector.sessions.pid_ip.push_back({std::string("smtp\0"
                                                             "4321",
                                                             9),
                                                 "203.0.113.5"});
  c.pipeline.detector.sessions.ip_login.push_back({std::string("smtp\0"
                                                               "203.0.113.5",
                                                               16),
                                                   "suzy@example.com"});
  c.pipeline.detector.samples.push_back({"suzy@example.com",
                                         {{"ceo@bank.example", 40}, {"suzy@example.com", 2}},
                                         {{"203.0.113.5", 42}},
                                         {"a@gmail.example", "b@yahoo.example"},
                                         kT0});
  c.pipeline.maintenance_slot = 5986080;

  c.pipeline.ledger.push_back({"hourly-volume", "bob@example.com", kT0, 500, hours(1), true,
                               detect::RuleKind::kVolume, 500, hours(1)});
  c.pipeline.ledger.push_back({"foreign-sender", "suzy@example.com", kT0 - hours(30), 1, hours(24),
                               false, detect::RuleKind::kSender, 1, hours(24)});

  c.pipeline.stats.lines = 123456;
  c.pipeline.stats.relay = 4000;
  c.pipeline.stats.chkuser = 5000;
  c.pipeline.stats.malformed = 3;
  c.pipeline.stats.unstamped = 2;
  c.pipeline.stats.long_lines = 1;
  c.pipeline.stats.findings = 17;
  c.pipeline.stats.alerts = 2;
  c.pipeline.stats.malformed_by_reason = {{"chkuser: cut line", 2}, {"qlog: no fields", 1}};
  c.pipeline.stats.malformed_samples = {"CHKUSER relaying rcpt: from <a@b:bo", "qlogreceived: "};
  return c;
}

TEST(CheckpointTest, RoundTripsEveryRecordKind) {
  const Checkpoint c = Full();
  core::Result<Checkpoint> back = DecodeCheckpoint(EncodeCheckpoint(c));
  ASSERT_TRUE(back) << back.error().message;
  ExpectSame(*back, c);
}

TEST(CheckpointTest, RoundTripsAnEmptyCheckpoint) {
  const std::string text = EncodeCheckpoint(Checkpoint{});
  core::Result<Checkpoint> back = DecodeCheckpoint(text);
  ASSERT_TRUE(back) << back.error().message;
  ExpectSame(*back, Checkpoint{});
}

TEST(CheckpointTest, WritesTheDocumentedFormat) {
  Checkpoint c;
  Position p;
  p.device = 2049;
  p.inode = 77;
  p.fingerprint = 42;
  p.fingerprint_len = 10;
  p.offset = 10;
  c.sources.push_back({"submission", "/var/log/qmail/submission", p});
  RuleWindows w{"hourly-volume", detect::RuleKind::kVolume, hours(1), {}};
  w.keys.push_back({"bob @example.com", {{7, 3, core::Timestamp(seconds(1))}}, {}});
  w.keys.push_back(
      {"", {}, {{"203.0.113.5", core::Timestamp(seconds(2)), core::Timestamp(seconds(1))}}});
  c.pipeline.detector.windows.push_back(w);
  c.pipeline.ledger.push_back({"hourly-volume", "a\\b\n", core::Timestamp(seconds(5)), 500,
                               hours(1), true, detect::RuleKind::kVolume, 500, hours(1)});
  c.pipeline.stats.malformed_by_reason = {{"cut line", 1}};
  c.pipeline.stats.malformed_samples = {"x"};
  const std::string body =
      "relaywatch-checkpoint 2\n"
      "source submission /var/log/qmail/submission 2049 77 42 10 10 -\n"
      "rule hourly-volume volume 3600000000000\n"
      "key bob\\x20@example.com\n"
      "bucket 7 3 1000000000\n"
      "key \\-\n"
      "distinct 203.0.113.5 2000000000 1000000000\n"
      "ledger hourly-volume a\\\\b\\x0a 5000000000 500 3600000000000 1 volume 500 3600000000000\n"
      "stat lines 0\n"
      "stat relay 0\n"
      "stat chkuser 0\n"
      "stat malformed 0\n"
      "stat unstamped 0\n"
      "stat long-lines 0\n"
      "stat findings 0\n"
      "stat alerts 0\n"
      "stat evicted-keys 0\n"
      "malformed cut\\x20line 1\n"
      "sample x\n"
      "maintained 0\n";
  EXPECT_EQ(EncodeCheckpoint(c), Seal(body));
}

TEST(CheckpointTest, KeepsHostileKeysValuesAndReasonsByteForByte) {
  for (const std::string& text : HostileTexts()) {
    Checkpoint c;
    c.sources.push_back({text, text, Position{}});
    RuleWindows w{text, detect::RuleKind::kSender, hours(24), {}};
    w.keys.push_back({text, {{1, 1, kT0}}, {{text, kT0, kT0}}});
    w.keys.push_back({text + "2", {}, {}});
    c.pipeline.detector.windows.push_back(w);
    c.pipeline.ledger.push_back(
        {text, text, kT0, 1, hours(24), true, detect::RuleKind::kSender, 1, hours(24)});
    c.pipeline.stats.malformed_by_reason[text] = 7;
    c.pipeline.stats.malformed_samples.push_back(text);

    const std::string encoded = EncodeCheckpoint(c);
    // One record per line whatever the key holds: printable ASCII and newlines only.
    for (char ch : encoded) {
      const auto b = static_cast<unsigned char>(ch);
      ASSERT_TRUE(ch == '\n' || (b >= 0x20 && b <= 0x7E)) << "byte " << int(b);
    }
    core::Result<Checkpoint> back = DecodeCheckpoint(encoded);
    ASSERT_TRUE(back) << back.error().message;
    ExpectSame(*back, c);
  }
}

TEST(CheckpointTest, CarriesAMemoryWindowStoreThroughExportAndImport) {
  detect::MemoryWindowStore store;
  store.Add(0, "bob@example.com", kT0 - minutes(50), 3, hours(1));
  store.Add(0, "bob@example.com", kT0, 4, hours(1));
  store.Add(0, "ip:203.0.113.5", kT0, 1, hours(1));
  store.AddDistinct(1, "suzy@example.com", "203.0.113.5", kT0 - minutes(5), hours(1), 50);
  store.AddDistinct(1, "suzy@example.com", "198.51.100.7", kT0, hours(1), 50);

  Checkpoint c;
  c.pipeline.detector.windows.push_back(
      {"hourly-volume", detect::RuleKind::kVolume, hours(1), store.Export(0)});
  c.pipeline.detector.windows.push_back(
      {"many-ips", detect::RuleKind::kRemoteIps, hours(1), store.Export(1)});
  core::Result<Checkpoint> back = DecodeCheckpoint(EncodeCheckpoint(c));
  ASSERT_TRUE(back) << back.error().message;

  detect::MemoryWindowStore restored;
  restored.Import(0, back->pipeline.detector.windows[0].keys, 0);
  restored.Import(1, back->pipeline.detector.windows[1].keys, 0);
  EXPECT_EQ(restored.Count(0, "bob@example.com", kT0, hours(1)), 7u);
  EXPECT_EQ(restored.Count(0, "ip:203.0.113.5", kT0, hours(1)), 1u);
  EXPECT_EQ(restored.Count(1, "suzy@example.com", kT0, hours(1)), 2u);
  EXPECT_EQ(restored.Export(0), store.Export(0));
  EXPECT_EQ(restored.Export(1), store.Export(1));
}

TEST(CheckpointTest, RefusesTheFileCutAtAnyByte) {
  const std::string text = EncodeCheckpoint(Full());
  for (std::size_t n = 0; n < text.size(); ++n) {
    EXPECT_FALSE(DecodeCheckpoint(text.substr(0, n))) << "cut at " << n;
  }
}

TEST(CheckpointTest, SaysWhereAFileWasCutShort) {
  const std::string text = EncodeCheckpoint(Full());
  // Cut in the middle of line 3 (the first rule line).
  std::size_t third = text.find('\n', text.find('\n', text.find('\n') + 1) + 1);
  EXPECT_EQ(DecodeCheckpoint(text.substr(0, third + 5)).error().message,
            "line 4: missing checksum line: the file was cut short");
  // Cut after a whole line: that line is not a checksum.
  EXPECT_EQ(DecodeCheckpoint(text.substr(0, third + 1)).error().message,
            "line 3: missing checksum line: the file was cut short");
  EXPECT_EQ(DecodeCheckpoint("relaywatch-checkpoint 1\n").error().message,
            "line 2: missing checksum line: the file was cut short");
  // Without its final newline the checksum line itself may be cut.
  EXPECT_EQ(DecodeCheckpoint(text.substr(0, text.size() - 1)).error().message,
            "line 42: missing checksum line: the file was cut short");
}

TEST(CheckpointTest, DetectsAnyFlippedByte) {
  const std::string text = EncodeCheckpoint(Full());
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (unsigned char mask : {0x01, 0x20, 0x80}) {
      std::string bad = text;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      EXPECT_FALSE(DecodeCheckpoint(bad)) << "byte " << i << " ^ " << int(mask);
    }
  }
  std::string bad = text;
  bad[text.find("bucket 29930595 12") + 8] = '3';  // one digit of a count
  EXPECT_EQ(DecodeCheckpoint(bad).error().message,
            "line 42: checksum mismatch: the file is corrupt");
}

TEST(CheckpointTest, RefusesAnotherVersionOrAnotherFile) {
  EXPECT_EQ(DecodeCheckpoint(Seal("relaywatch-checkpoint 3\nsource x\n")).error().message,
            "line 1: unsupported checkpoint version 3 (this relaywatch reads versions 1 to 2)");
  EXPECT_EQ(DecodeCheckpoint("").error().message,
            "line 1: not a relaywatch checkpoint (expected \"relaywatch-checkpoint 2\")");
  EXPECT_EQ(DecodeCheckpoint("relaywatch-alert 1\nchecksum 0\n").error().message,
            "line 1: not a relaywatch checkpoint (expected \"relaywatch-checkpoint 2\")");
  EXPECT_EQ(DecodeCheckpoint("relaywatch-checkpoint one\n").error().message,
            "line 1: not a relaywatch checkpoint (expected \"relaywatch-checkpoint 2\")");
}

// Files whose checksum is right but whose records are not: a writer's bug, never trusted.
TEST(CheckpointTest, NamesTheLineOfABadRecord) {
  const std::string h = "relaywatch-checkpoint 1\n";
  const std::string rule = "rule hourly-volume volume 3600000000000\n";
  const std::pair<std::string, std::string> cases[] = {
      {h + "key bob\n", "line 2: key before any rule"},
      {h + rule + "bucket 1 2 3\n", "line 3: bucket before any key"},
      {h + rule + "key bob\nstat lines 1\nbucket 1 2 3\n", "line 5: bucket before any key"},
      {h + rule + "key bob\nbucket 1 x 3\n",
       "line 4: bucket count: expected an unsigned integer, got \"x\""},
      {h + rule + "key bob\nbucket 1 -2 3\n",
       "line 4: bucket count: expected an unsigned integer, got \"-2\""},
      {h + rule + "key bob\nbucket 5 1 3\nbucket 5 1 3\n",
       "line 5: bucket index: expected an index above 5"},
      {h + rule + "key bob\nbucket 1 2\n", "line 4: bucket: expected 3 fields, got 2"},
      {h + "rule r volume 0\n", "line 2: rule window: expected a positive duration"},
      {h + "rule r volcano 60\n", "line 2: rule kind: unknown rule kind \"volcano\""},
      {h + rule + rule, "line 3: rule name: rule given twice"},
      {h + "source s d 1 2 3 257 0 -\n",
       "line 2: source fingerprint-len: expected an unsigned integer up to 256, got \"257\""},
      {h + "source s d 1 2 3 4 5 +6\n",
       "line 2: source last-stamp: expected an integer, got \"+6\""},
      {h + "source s d 1 2 3 4 5 99999999999999999999\n",
       "line 2: source last-stamp: expected an integer, got \"99999999999999999999\""},
      {h + "ledger r k 1 2 3 yes volume 4 5\n",
       "line 2: ledger open: expected 0 or 1, got \"yes\""},
      {h + rule + "key bo\\qb\n", "line 3: key key: expected escaped text, got \"bo\\\\qb\""},
      {h + rule + "key bob\\x4\n", "line 3: key key: expected escaped text, got \"bob\\\\x4\""},
      {h + rule + "key a\\-\n", "line 3: key key: expected escaped text, got \"a\\\\-\""},
      {h + rule + "key b\x01ob\n", "line 3: key key: expected escaped text, got \"b\\x01ob\""},
      {h + rule + "key  bob\n", "line 3: empty field"},
      {h + "stat lines 1 \n", "line 2: empty field"},
      {h + "\n", "line 2: empty field"},
      {h + "window x\n", "line 2: unknown record \"window\""},
  };
  for (const auto& [body, message] : cases) {
    core::Result<Checkpoint> c = DecodeCheckpoint(Seal(body));
    ASSERT_FALSE(c) << body;
    EXPECT_EQ(c.error().message, message) << body;
  }
}

TEST(CheckpointTest, SkipsACounterItDoesNotKnowAndZeroesOneItLacks) {
  core::Result<Checkpoint> c =
      DecodeCheckpoint(Seal("relaywatch-checkpoint 1\nstat lines 12\nstat from-the-future 3\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->pipeline.stats.lines, 12u);
  EXPECT_EQ(c->pipeline.stats.relay, 0u);
}

}  // namespace
}  // namespace relaywatch::state
