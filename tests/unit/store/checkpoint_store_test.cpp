#include "relaywatch/store/checkpoint_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "relaywatch/store/dir_ops.h"
#include "store_test_util.h"

namespace relaywatch::store {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::Exists;
using testing::Mode;
using testing::Names;
using testing::ReadRaw;
using testing::TempDir;
using testing::WriteRaw;

state::Checkpoint Sample() {
  state::Checkpoint c;
  state::Position p;
  p.device = 2049;
  p.inode = 1311057;
  p.fingerprint = 99;
  p.fingerprint_len = 256;
  p.offset = 4096;
  p.last_stamp = core::Timestamp(seconds(1795835722));
  c.sources.push_back({"submission", "/var/log/qmail/submission", p});
  state::RuleWindows w{"hourly-volume", detect::RuleKind::kVolume, hours(1), {}};
  w.keys.push_back(
      {"bob@example.com", {{29930595, 488, core::Timestamp(seconds(1795835700))}}, {}});
  c.pipeline.detector.windows.push_back(w);
  c.pipeline.stats.lines = 1000;
  return c;
}

TEST(CheckpointStoreTest, StartsFreshWithoutACheckpointAndSaysSo) {
  TempDir dir;
  CheckpointStore store(dir / "state");
  core::Result<CheckpointStore::Loaded> loaded = store.Load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_FALSE(loaded->checkpoint);
  EXPECT_EQ(loaded->notice, "no checkpoint at " + dir / "state/checkpoint" + ": starting fresh");
}

TEST(CheckpointStoreTest, LoadsWhatItSavedFromAPrivateFileInAPrivateDirectory) {
  TempDir dir;
  CheckpointStore store(dir / "var/lib/relaywatch");
  ASSERT_TRUE(store.Save(Sample()));
  EXPECT_EQ(store.path(), dir / "var/lib/relaywatch/checkpoint");
  EXPECT_EQ(Mode(dir / "var/lib/relaywatch"), 0700u);
  EXPECT_EQ(Mode(store.path()), 0600u);
  EXPECT_EQ(Names(dir / "var/lib/relaywatch"), std::vector<std::string>{"checkpoint"});

  core::Result<CheckpointStore::Loaded> loaded = CheckpointStore(dir / "var/lib/relaywatch").Load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->checkpoint);
  EXPECT_EQ(loaded->notice, "");
  EXPECT_EQ(loaded->checkpoint->sources, Sample().sources);
  EXPECT_EQ(loaded->checkpoint->pipeline.detector.windows, Sample().pipeline.detector.windows);
  EXPECT_EQ(loaded->checkpoint->pipeline.stats.lines, 1000u);
}

TEST(CheckpointStoreTest, SetsACorruptCheckpointAsideAndStartsFresh) {
  TempDir dir;
  CheckpointStore store(dir.path());
  ASSERT_TRUE(store.Save(Sample()));
  std::string bad = ReadRaw(store.path());
  bad[bad.find("488")] = '5';
  WriteRaw(store.path(), bad);

  core::Result<CheckpointStore::Loaded> loaded = store.Load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_FALSE(loaded->checkpoint);
  // The checksum is the file's last line: its number grows with every field the format gains.
  const std::string last_line = std::to_string(std::count(bad.begin(), bad.end(), '\n'));
  EXPECT_EQ(loaded->notice, "unable to use checkpoint " + dir / "checkpoint" + ": line " +
                                last_line +
                                ": checksum mismatch: the file is corrupt; moved it to " +
                                dir / "checkpoint.corrupt-1" + "; starting fresh");
  EXPECT_EQ(ReadRaw(dir / "checkpoint.corrupt-1"), bad);
  EXPECT_FALSE(Exists(store.path()));

  // The next one does not overwrite the evidence of the first.
  WriteRaw(store.path(), "relaywatch-checkpoint 1\nsource sub");
  loaded = store.Load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->notice, "unable to use checkpoint " + dir / "checkpoint" +
                                ": line 2: missing checksum line: the file was cut short; moved "
                                "it to " +
                                dir / "checkpoint.corrupt-2" + "; starting fresh");
  EXPECT_EQ(ReadRaw(dir / "checkpoint.corrupt-1"), bad);
  EXPECT_EQ(ReadRaw(dir / "checkpoint.corrupt-2"), "relaywatch-checkpoint 1\nsource sub");

  // Starting fresh, the daemon saves again, and that one loads.
  ASSERT_TRUE(store.Save(Sample()));
  loaded = store.Load();
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->checkpoint);
}

TEST(CheckpointStoreTest, SetsACheckpointOfAnotherVersionAside) {
  TempDir dir;
  WriteRaw(dir / "checkpoint", "relaywatch-checkpoint 3\nwhatever comes\n");
  core::Result<CheckpointStore::Loaded> loaded = CheckpointStore(dir.path()).Load();
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->checkpoint);
  EXPECT_EQ(
      loaded->notice,
      "unable to use checkpoint " + dir / "checkpoint" +
          ": line 1: unsupported checkpoint version 3 (this relaywatch reads versions 1 to 2); "
          "moved it to " +
          dir / "checkpoint.corrupt-1" + "; starting fresh");
}

TEST(CheckpointStoreTest, FailsOnlyWhenTheFileCannotBeReadAtAll) {
  TempDir dir;
  WriteRaw(dir / "state", "");  // state_dir is a file: no checkpoint can be opened in it
  core::Result<CheckpointStore::Loaded> loaded = CheckpointStore(dir / "state").Load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message,
            "unable to read " + dir / "state/checkpoint" + ": Not a directory");
}

TEST(CheckpointStoreTest, AFailedSaveLeavesThePreviousCheckpointWhole) {
  TempDir dir;
  CheckpointStore store(dir.path());
  ASSERT_TRUE(store.Save(Sample()));
  ASSERT_TRUE(EnsureDir(dir / ".checkpoint.tmp"));
  state::Checkpoint next = Sample();
  next.pipeline.stats.lines = 2000;
  core::Status saved = store.Save(next);
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().message, "unable to write " + dir / "checkpoint" + ": Is a directory");
  core::Result<CheckpointStore::Loaded> loaded = store.Load();
  ASSERT_TRUE(loaded && loaded->checkpoint);
  EXPECT_EQ(loaded->checkpoint->pipeline.stats.lines, 1000u);
}

}  // namespace
}  // namespace relaywatch::store
