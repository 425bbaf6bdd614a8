// AlertOutbox: a checkpoint is written only once every alert queued before it is in the spool; an
// alert the spool refuses is kept, counted apart, logged and retried.
#include "relaywatch/app/alert_outbox.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/config/loader.h"
#include "relaywatch/state/checkpoint.h"
#include "relaywatch/store/checkpoint_store.h"
#include "temp_dir.h"

namespace relaywatch::app {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

struct Logged {
  std::mutex mu;
  std::vector<std::string> lines;
  AlertOutbox::Log fn() {
    return [this](std::string_view level, std::string_view m) {
      std::lock_guard lock(mu);
      lines.push_back(std::string(level) + ": " + std::string(m));
    };
  }
  bool Has(const std::string& part) {
    std::lock_guard lock(mu);
    for (const std::string& l : lines) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

config::Config MakeConfig(const std::string& state_dir) {
  auto c = config::LoadConfigString(
      "state_dir: " + state_dir +
          "\nrules:\n  - {name: hourly-volume, kind: volume, window: 1h, limit: 2}\n"
          "alerts:\n  channels:\n    - {name: hook, format: json, via: exec, command: "
          "[/bin/true]}\n",
      "test.yaml");
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

alerting::Alert Volume(const std::string& key) {
  alerting::Alert a;
  a.host = "mx1.example.com";
  a.finding.rule = "hourly-volume";
  a.finding.kind = detect::RuleKind::kVolume;
  a.finding.key = key;
  a.finding.count = 2;
  a.finding.limit = 2;
  a.finding.window = hours(1);
  a.finding.last = std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
  a.finding.first = a.finding.last - minutes(5);
  a.id = alerting::MakeAlertId(a.finding.rule, key, a.finding.last);
  return a;
}

template <typename F>
bool WaitFor(F f, std::chrono::milliseconds limit = std::chrono::milliseconds(8000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return f();
}

state::Checkpoint Marked(std::uint64_t lines) {
  state::Checkpoint c;
  c.pipeline.stats.lines = lines;
  return c;
}

// A checkpoint of `lines` that also holds one malformed sample of `mib` MiB: slow to encode,
// write and sync.
state::Checkpoint Big(std::uint64_t lines, std::size_t mib) {
  state::Checkpoint c = Marked(lines);
  c.pipeline.stats.malformed_samples.assign(1, std::string(mib << 20, 'x'));
  return c;
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// A file where the channel's spool directory goes: every spool write fails, as on a full disk.
void Block(const std::string& path) { std::ofstream(path) << "in the way\n"; }

TEST(AlertOutboxTest, ACheckpointWaitsForTheAlertsBeforeItUntilTheSpoolTakesThem) {
  relaywatch::testing::TempDir dir("rw-outbox");
  std::filesystem::create_directories(dir / "spool");
  Block(dir / "spool/hook");
  Logged log;
  AlertOutbox outbox(MakeConfig(dir.path()), log.fn());
  outbox.Start();
  const alerting::Alert a = Volume("bob@example.com");
  outbox.Put(a);
  outbox.Commit(Marked(7));
  ASSERT_TRUE(WaitFor([&] { return log.Has("checkpoint waiting"); }));
  EXPECT_TRUE(log.Has("error: unable to spool alert " + a.id + " via hook: "));
  EXPECT_TRUE(log.Has("keeping it in memory (1 alert not in the spool"));
  AlertOutbox::Counts c = outbox.counts();
  EXPECT_EQ(c.unspooled, 1u);
  EXPECT_EQ(c.spooled, 0u);
  EXPECT_GE(c.spool_errors, 1u);
  EXPECT_EQ(c.checkpoints, 0u);
  EXPECT_TRUE(outbox.Committing());
  EXPECT_FALSE(Exists(dir / "checkpoint"));
  EXPECT_NE(outbox.StatusJson().find("\"unspooled\":1"), std::string::npos) << outbox.StatusJson();

  // The disk takes writes again: the retry spools the alert, then the checkpoint is written.
  std::filesystem::remove(dir / "spool/hook");
  ASSERT_TRUE(WaitFor([&] { return outbox.counts().checkpoints == 1; }));
  c = outbox.counts();
  EXPECT_EQ(c.unspooled, 0u);
  EXPECT_EQ(c.spooled, 1u);
  EXPECT_FALSE(outbox.Committing());
  EXPECT_TRUE(Exists(dir / "checkpoint"));
  EXPECT_TRUE(Exists(dir / ("spool/hook/" + a.id)) || Exists(dir / ("spool/hook/sent/" + a.id)));
  EXPECT_TRUE(log.Has("the spool took the alerts it had refused"));
  outbox.Stop();
}

TEST(AlertOutboxTest, ACheckpointAfterSpooledAlertsIsWrittenAtOnce) {
  relaywatch::testing::TempDir dir("rw-outbox");
  Logged log;
  AlertOutbox outbox(MakeConfig(dir.path()), log.fn());
  outbox.Start();
  outbox.Put(Volume("a@example.com"));
  outbox.Put(Volume("b@example.com"));
  outbox.Commit(Marked(3));
  ASSERT_TRUE(WaitFor([&] { return outbox.counts().checkpoints == 1; }));
  EXPECT_EQ(outbox.counts().spooled, 2u);
  EXPECT_EQ(outbox.counts().unspooled, 0u);
  EXPECT_EQ(outbox.counts().spool_errors, 0u);
  outbox.Stop();
}

TEST(AlertOutboxTest, StopWithAnAlertTheSpoolRefusesKeepsTheOldCheckpoint) {
  relaywatch::testing::TempDir dir("rw-outbox");
  std::filesystem::create_directories(dir / "spool");
  Block(dir / "spool/hook");
  Logged log;
  {
    AlertOutbox outbox(MakeConfig(dir.path()), log.fn());
    outbox.Start();
    outbox.Put(Volume("bob@example.com"));
    outbox.Commit(Marked(9));
    outbox.Stop();
    EXPECT_EQ(outbox.counts().checkpoints, 0u);
    EXPECT_EQ(outbox.counts().unspooled, 1u);
  }
  EXPECT_FALSE(Exists(dir / "checkpoint"));
  EXPECT_TRUE(log.Has("error: stopping with 1 alert not in the spool ("));
  EXPECT_TRUE(log.Has("so the next start reads their lines again and spools them"));
}

TEST(AlertOutboxTest, AnAlertQueuedWhileABigCheckpointIsWrittenIsSpooledWithoutWaitingForIt) {
  // A checkpoint of 128 MiB, encoded, written and fsynced to the real disk, takes far longer
  // than spooling one alert: the alert queued just after it must be in the spool before it is
  // written (the checkpoint is encoded and written on a thread of its own).
  relaywatch::testing::TempDir dir("rw-outbox");
  Logged log;
  AlertOutbox outbox(MakeConfig(dir.path()), log.fn());
  outbox.Start();
  outbox.Commit(Big(5, 128));
  const alerting::Alert a = Volume("late@example.com");
  outbox.Put(a);
  ASSERT_TRUE(WaitFor([&] { return outbox.counts().spooled == 1; }));
  EXPECT_EQ(outbox.counts().checkpoints, 0u) << "the alert waited for the checkpoint's write";
  EXPECT_TRUE(outbox.Committing());
  ASSERT_TRUE(WaitFor([&] { return outbox.counts().checkpoints == 1; }));
  EXPECT_FALSE(outbox.Committing());
  EXPECT_GT(std::filesystem::file_size(dir / "checkpoint"), 128u << 20);
  outbox.Stop();
}

TEST(AlertOutboxTest, StopWhileABigCheckpointIsWrittenLeavesTheNewerOneOnDisk) {
  // The daemon's last checkpoint (Final) comes while the saver still writes an older, big one:
  // Stop must wait for both, in order, so that the file holds the newer.
  relaywatch::testing::TempDir dir("rw-outbox");
  Logged log;
  AlertOutbox outbox(MakeConfig(dir.path()), log.fn());
  outbox.Start();
  outbox.Commit(Big(5, 64));
  outbox.Put(Volume("last@example.com"));
  outbox.Commit(Marked(9));
  outbox.Stop();
  EXPECT_EQ(outbox.counts().spooled, 1u);
  auto loaded = store::CheckpointStore(dir.path()).Load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->checkpoint);
  EXPECT_EQ(loaded->checkpoint->pipeline.stats.lines, 9u);
  EXPECT_TRUE(loaded->checkpoint->pipeline.stats.malformed_samples.empty());
}

}  // namespace
}  // namespace relaywatch::app
