// state_dir is created private, and an existing one that is not private to the daemon's user is
// refused, never chmod-ed, with a line that says the fix (issue 17; issue 14, "run as root by
// hand"). The ownership cases chown files, so they need root, as the test suite runs.
#include "relaywatch/store/state_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "relaywatch/store/dir_ops.h"
#include "store_test_util.h"

namespace relaywatch::store {
namespace {

using testing::Mode;
using testing::TempDir;
using testing::WriteRaw;

constexpr uid_t kNobody = 65534;

void Chown(const std::string& path, uid_t uid) {
  ASSERT_EQ(::lchown(path.c_str(), uid, static_cast<gid_t>(-1)), 0) << path;
}

TEST(StateDirTest, CreatesAMissingStateDirPrivate) {
  TempDir dir;
  testing::ScopedUmask umask(0);
  ASSERT_TRUE(PrepareStateDir(dir / "var/lib/relaywatch"));
  EXPECT_EQ(Mode(dir / "var/lib/relaywatch"), 0700u);
  EXPECT_EQ(StateDirProblem(dir / "var/lib/relaywatch", ::geteuid()), std::nullopt);
}

TEST(StateDirTest, RefusesASharedDirectoryAndLeavesItsModeAlone) {
  TempDir dir;
  ASSERT_TRUE(EnsureDir(dir / "state"));
  ASSERT_EQ(::chmod((dir / "state").c_str(), 01777), 0);
  core::Status s = PrepareStateDir(dir / "state");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "unable to use state_dir " + dir / "state" + ": " + dir / "state" +
                                   " is writable by other users (mode 1777, a shared directory); "
                                   "set state_dir to a directory of its own, such as "
                                   "/var/lib/relaywatch");
  EXPECT_EQ(Mode(dir / "state"), 01777u);
}

TEST(StateDirTest, RefusesAGroupWritableDirectoryWithTheChmodToRun) {
  TempDir dir;
  ASSERT_TRUE(EnsureDir(dir / "state"));
  ASSERT_EQ(::chmod((dir / "state").c_str(), 0770), 0);
  EXPECT_EQ(
      StateDirProblem(dir / "state", ::geteuid()),
      dir / "state" + " is writable by its group (mode 0770); run: chmod 700 " + dir / "state");
  EXPECT_EQ(Mode(dir / "state"), 0770u);
  ASSERT_EQ(::chmod((dir / "state").c_str(), 0755), 0);  // readable is the admin's choice
  EXPECT_EQ(StateDirProblem(dir / "state", ::geteuid()), std::nullopt);
}

TEST(StateDirTest, RefusesAFileWhereTheDirectoryShouldBe) {
  TempDir dir;
  WriteRaw(dir / "state", "");
  EXPECT_EQ(StateDirProblem(dir / "state", ::geteuid()),
            dir / "state" + " is not a directory; set state_dir to a directory of its own");
}

TEST(StateDirTest, RefusesADirectoryOfAnotherUserWithTheChownToRun) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown (CI runs as root)";
  TempDir dir;
  ASSERT_TRUE(EnsureDir(dir / "state"));
  const std::string nobody = UserName(kNobody);
  EXPECT_EQ(StateDirProblem(dir / "state", kNobody),
            dir / "state" + " belongs to root, not to " + nobody +
                ", the user relaywatch runs as; run: chown -R " + nobody + ": " + dir / "state");
}

// Issue 14: `relaywatch run` as root by hand on the service's state_dir would leave root-owned
// files that the supervised daemon then cannot write, once a second for ever.
TEST(StateDirTest, RefusesToRunAsRootInTheDirectoryOfTheServiceUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown (CI runs as root)";
  TempDir dir;
  ASSERT_TRUE(EnsureDir(dir / "state"));
  Chown(dir / "state", kNobody);
  const std::string nobody = UserName(kNobody);
  core::Status s = PrepareStateDir(dir / "state");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "unable to use state_dir " + dir / "state" + ": " + dir / "state" +
                                   " belongs to " + nobody +
                                   ", not to root, the user relaywatch runs as; run relaywatch "
                                   "as " +
                                   nobody + " (as its service does: setuidgid " + nobody + ")");
  EXPECT_EQ(testing::Names(dir / "state"), std::vector<std::string>{});
}

TEST(StateDirTest, RefusesFilesInsideLeftByAnotherUserWithTheChownToRun) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown (CI runs as root)";
  TempDir dir;
  ASSERT_TRUE(EnsureDir(dir / "state/spool/phone/sent"));
  WriteRaw(dir / "state/checkpoint", "");
  WriteRaw(dir / "state/spool/phone/sent/x", "");
  WriteRaw(dir / "state/lock", "");
  for (const char* mine :
       {"state", "state/spool", "state/spool/phone", "state/spool/phone/sent", "state/lock"}) {
    Chown(dir / mine, kNobody);
  }
  const std::string nobody = UserName(kNobody);
  EXPECT_EQ(StateDirProblem(dir / "state", kNobody),
            dir / "state/checkpoint" + " belongs to root, not to " + nobody +
                ", the user relaywatch runs as (and 1 more in " + dir / "state" +
                "); run: chown -R " + nobody + ": " + dir / "state");
  Chown(dir / "state/checkpoint", kNobody);
  Chown(dir / "state/spool/phone/sent/x", kNobody);
  EXPECT_EQ(StateDirProblem(dir / "state", kNobody), std::nullopt);
}

}  // namespace
}  // namespace relaywatch::store
