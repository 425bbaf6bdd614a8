// Files under state_dir that are not what the daemon wrote: a FIFO (an open or a read that never
// returns), a symlink to /dev/zero (a read without end), a directory, a file past its cap. Each
// is set aside with a message naming the path and what was expected, never read, and the store
// carries on. (Issue 17, "local files not trusted".) The caps are store/safe_file.h's: 1 GiB for
// the checkpoint, 16 MiB for an alert, 1 MiB for send-times.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/state/alert_codec.h"
#include "relaywatch/store/atomic_file.h"
#include "relaywatch/store/checkpoint_store.h"
#include "relaywatch/store/dir_ops.h"
#include "relaywatch/store/spool.h"
#include "store_test_util.h"

namespace relaywatch::store {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Exists;
using testing::Names;
using testing::ReadRaw;
using testing::TempDir;
using testing::WriteRaw;

const core::Timestamp kNow = core::Timestamp(seconds(1795836000));

void MakeFifo(const std::string& path) { ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << path; }
void MakeLink(const std::string& target, const std::string& path) {
  ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0) << path;
}
bool IsFifo(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

// The one name in `dir` that starts with `prefix`, or "" when there is not exactly one.
std::string OneNamed(const std::string& dir, const std::string& prefix) {
  std::string found;
  int n = 0;
  for (const std::string& name : Names(dir)) {
    if (name.rfind(prefix, 0) == 0) {
      found = name;
      ++n;
    }
  }
  return n == 1 ? found : "";
}

alerting::Alert Volume(const std::string& key) {
  alerting::Alert a;
  a.host = "mx1.example.com";
  a.finding.rule = "hourly-volume";
  a.finding.kind = detect::RuleKind::kVolume;
  a.finding.key = key;
  a.finding.count = 500;
  a.finding.limit = 500;
  a.finding.window = hours(1);
  a.finding.first = kNow - minutes(45);
  a.finding.last = kNow - minutes(5);
  a.id = alerting::MakeAlertId(a.finding.rule, key, a.finding.last);
  return a;
}

struct Logged {
  std::vector<std::string> lines;
  LogFn fn() {
    return [this](std::string_view level, std::string_view m) {
      lines.push_back(std::string(level) + ": " + std::string(m));
    };
  }
};

TEST(UntrustedFilesTest, AtomicWriteReplacesAFifoLeftAsItsTemporary) {
  TempDir dir;
  MakeFifo(dir / ".checkpoint.tmp");  // an open() for writing would wait for a reader for ever
  ASSERT_TRUE(WriteFileAtomic(dir / "checkpoint", "new\n"));
  EXPECT_EQ(ReadRaw(dir / "checkpoint"), "new\n");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"checkpoint"});
}

TEST(UntrustedFilesTest, ReadFileIfExistsRefusesAFifoInsteadOfWaitingOnIt) {
  TempDir dir;
  MakeFifo(dir / "checkpoint");
  core::Result<std::optional<std::string>> read = ReadFileIfExists(dir / "checkpoint");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message,
            "unable to read " + dir / "checkpoint" + ": it is a FIFO, expected a regular file");
}

// Load must neither block on the FIFO nor read /dev/zero: it sets the entry aside and starts
// fresh, and the next Save commits a real checkpoint under the name.
TEST(UntrustedFilesTest, CheckpointThatIsAFifoOrALinkToDevZeroIsSetAsideAndStartsFresh) {
  for (const std::string kind : {"fifo", "zero", "dir"}) {
    TempDir dir;
    if (kind == "fifo") {
      MakeFifo(dir / "checkpoint");
    } else if (kind == "zero") {
      MakeLink("/dev/zero", dir / "checkpoint");
    } else {
      ASSERT_TRUE(EnsureDir(dir / "checkpoint"));
    }
    CheckpointStore store(dir.path());
    core::Result<CheckpointStore::Loaded> loaded = store.Load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_FALSE(loaded->checkpoint);
    const std::string aside = OneNamed(dir.path(), "checkpoint.bad-");
    ASSERT_NE(aside, "") << kind;
    const std::string what = kind == "fifo"   ? "it is a FIFO, expected a regular file"
                             : kind == "zero" ? "it is a symbolic link (to /dev/zero), expected "
                                                "a regular file"
                                              : "it is a directory, expected a regular file";
    EXPECT_EQ(loaded->notice, "unable to use checkpoint " + dir / "checkpoint" + ": " + what +
                                  "; moved it to " + dir / aside + "; starting fresh");
    EXPECT_FALSE(Exists(dir / "checkpoint"));
    ASSERT_TRUE(store.Save(state::Checkpoint{}));
    loaded = store.Load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(loaded->checkpoint) << loaded->notice;
  }
}

TEST(UntrustedFilesTest, CheckpointPastItsCapIsSetAsideUnread) {
  TempDir dir;
  const int fd = ::open((dir / "checkpoint").c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, (off_t{1} << 30) + 1), 0);  // sparse
  ::close(fd);
  core::Result<CheckpointStore::Loaded> loaded = CheckpointStore(dir.path()).Load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_FALSE(loaded->checkpoint);
  EXPECT_NE(loaded->notice.find(": it is 1073741825 bytes, expected at most 1 GiB; moved it to " +
                                dir / "checkpoint.bad-"),
            std::string::npos)
      << loaded->notice;
}

// The dispatcher lists the spool holding its mutex: a FIFO there must not stop it, nor the
// alerts beside it.
TEST(UntrustedFilesTest, SpoolSetsAsideAFifoOrLinkAmongItsAlertsAndListsTheRest) {
  TempDir dir;
  {
    Spool writer(dir.path());
    ASSERT_TRUE(writer.Put("phone", Volume("bob@example.com"), kNow));
  }
  const std::string fifo_id = Volume("eve@example.com").id;
  const std::string link_id = Volume("mal@example.com").id;
  MakeFifo(dir / "spool/phone/" + fifo_id);
  MakeLink("/dev/zero", dir / "spool/phone/" + link_id);
  Logged log;
  Spool spool(dir.path(), log.fn());
  std::vector<SpoolEntry> listed = spool.List("phone");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].alert.finding.key, "bob@example.com");
  ASSERT_EQ(log.lines.size(), 2u);
  const std::string failed = dir / "spool/phone/failed";
  const std::string fifo_aside = OneNamed(failed, fifo_id + ".bad-");
  const std::string link_aside = OneNamed(failed, link_id + ".bad-");
  ASSERT_NE(fifo_aside, "");
  ASSERT_NE(link_aside, "");
  EXPECT_TRUE(IsFifo(failed + "/" + fifo_aside));
  const std::vector<std::string> expected = {
      "warning: unable to read alert " + dir / "spool/phone/" + fifo_id +
          ": it is a FIFO, expected a regular file; moved it to " + failed + "/" + fifo_aside,
      "warning: unable to read alert " + dir / "spool/phone/" + link_id +
          ": it is a symbolic link (to /dev/zero), expected a regular file; moved it to " + failed +
          "/" + link_aside,
  };
  std::vector<std::string> got = log.lines;
  std::sort(got.begin(), got.end());
  std::vector<std::string> want = expected;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // And the spool still works: a new alert under the FIFO's old name is spooled.
  ASSERT_TRUE(spool.Put("phone", Volume("eve@example.com"), kNow));
  EXPECT_EQ(spool.Pending("phone"), 2u);
}

TEST(UntrustedFilesTest, SpoolSetsAsideAnAlertFilePastItsCap) {
  TempDir dir;
  const std::string id = Volume("bob@example.com").id;
  ASSERT_TRUE(EnsureDir(dir / "spool/phone"));
  WriteRaw(dir / "spool/phone/" + id, std::string((std::size_t{16} << 20) + 1, 'x'));
  Logged log;
  Spool spool(dir.path(), log.fn());
  EXPECT_TRUE(spool.List("phone").empty());
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_NE(log.lines[0].find(": it is 16777217 bytes, expected at most 16 MiB; moved it to " +
                              dir / "spool/phone/failed/" + id + ".bad-"),
            std::string::npos)
      << log.lines[0];
}

TEST(UntrustedFilesTest, SendTimesThatAreAFifoOrALinkToDevZeroStartTheCapFromZero) {
  for (const std::string kind : {"fifo", "zero", "big"}) {
    TempDir dir;
    ASSERT_TRUE(EnsureDir(dir / "spool/phone"));
    const std::string path = dir / "spool/phone/send-times";
    std::string what;
    if (kind == "fifo") {
      MakeFifo(path);
      what = "it is a FIFO, expected a regular file";
    } else if (kind == "zero") {
      MakeLink("/dev/zero", path);
      what = "it is a symbolic link (to /dev/zero), expected a regular file";
    } else {
      WriteRaw(path, std::string((std::size_t{1} << 20) + 1, '1'));
      what = "it is 1048577 bytes, expected at most 1 MiB";
    }
    Logged log;
    Spool spool(dir.path(), log.fn());
    EXPECT_TRUE(spool.LoadSendTimes("phone").empty()) << kind;
    const std::string aside = OneNamed(dir / "spool/phone/failed", "send-times.bad-");
    ASSERT_NE(aside, "") << kind;
    ASSERT_EQ(log.lines.size(), 1u) << kind;
    EXPECT_EQ(log.lines[0], "warning: unable to read send times " + path + ": " + what +
                                "; moved it to " + dir / "spool/phone/failed/" + aside +
                                "; this channel's hourly cap starts from zero");
    // The next save and load work as before.
    ASSERT_TRUE(spool.SaveSendTimes("phone", {kNow}));
    EXPECT_EQ(spool.LoadSendTimes("phone"), std::vector<core::Timestamp>{kNow}) << kind;
  }
}

TEST(UntrustedFilesTest, PruneUnlinksAFifoAmongTheSentMarkersWithoutOpeningIt) {
  TempDir dir;
  Spool spool(dir.path());
  const alerting::Alert a = Volume("bob@example.com");
  ASSERT_TRUE(spool.Put("phone", a, kNow));
  ASSERT_TRUE(spool.Remove("phone", a.id, kNow));
  MakeFifo(dir / "spool/phone/sent/" + Volume("eve@example.com").id);
  EXPECT_EQ(spool.Prune("phone", kNow - hours(1)), 1u);  // the FIFO; the fresh marker stays
  EXPECT_EQ(Names(dir / "spool/phone/sent"), std::vector<std::string>{a.id});
}

}  // namespace
}  // namespace relaywatch::store
