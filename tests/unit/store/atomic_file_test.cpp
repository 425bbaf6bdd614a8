#include "relaywatch/store/atomic_file.h"

#include <gtest/gtest.h>

#include <string>

#include "relaywatch/store/dir_ops.h"
#include "store_test_util.h"

namespace relaywatch::store {
namespace {

using testing::Exists;
using testing::Mode;
using testing::Names;
using testing::ReadRaw;
using testing::ScopedUmask;
using testing::TempDir;
using testing::WriteRaw;

TEST(AtomicFileTest, WritesTheFileWithExactlyTheModeAskedWhateverTheUmask) {
  TempDir dir;
  ScopedUmask umask(0077);
  ASSERT_TRUE(WriteFileAtomic(dir / "checkpoint", "one\n"));
  EXPECT_EQ(ReadRaw(dir / "checkpoint"), "one\n");
  EXPECT_EQ(Mode(dir / "checkpoint"), 0600u);
  ASSERT_TRUE(WriteFileAtomic(dir / "public", "two\n", 0644));
  EXPECT_EQ(Mode(dir / "public"), 0644u);
}

TEST(AtomicFileTest, ReplacesTheContentAndLeavesNoTemporaryBehind) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir / "checkpoint", std::string(100000, 'x')));
  ASSERT_TRUE(WriteFileAtomic(dir / "checkpoint", "short\n"));
  EXPECT_EQ(ReadRaw(dir / "checkpoint"), "short\n");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"checkpoint"});
}

TEST(AtomicFileTest, OverwritesAStaleTemporaryACrashLeft) {
  TempDir dir;
  WriteRaw(dir / ".checkpoint.tmp", "half a checkp");
  ASSERT_TRUE(WriteFileAtomic(dir / "checkpoint", "whole\n"));
  EXPECT_EQ(ReadRaw(dir / "checkpoint"), "whole\n");
  EXPECT_FALSE(Exists(dir / ".checkpoint.tmp"));
}

TEST(AtomicFileTest, KeepsTheOldContentWhenTheWriteFails) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir / "checkpoint", "old\n"));
  // A directory where the temporary goes: open fails before anything is replaced.
  ASSERT_TRUE(EnsureDir(dir / ".checkpoint.tmp"));
  core::Status s = WriteFileAtomic(dir / "checkpoint", "new\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "unable to write " + dir / "checkpoint" + ": Is a directory");
  EXPECT_EQ(ReadRaw(dir / "checkpoint"), "old\n");
}

TEST(AtomicFileTest, SaysWhichFileItCouldNotWrite) {
  TempDir dir;
  core::Status s = WriteFileAtomic(dir / "missing/checkpoint", "x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "unable to write " + dir / "missing/checkpoint" + ": No such file or directory");
}

TEST(AtomicFileTest, ReadsNothingForAMissingFileAndTheBytesOfAnExistingOne) {
  TempDir dir;
  core::Result<std::optional<std::string>> missing = ReadFileIfExists(dir / "checkpoint");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());

  std::string bytes;
  for (int i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>(i * 7));
  WriteRaw(dir / "checkpoint", bytes);
  core::Result<std::optional<std::string>> read = ReadFileIfExists(dir / "checkpoint");
  ASSERT_TRUE(read);
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, bytes);
}

TEST(AtomicFileTest, ReportsAFileThatExistsButCannotBeRead) {
  TempDir dir;
  ASSERT_TRUE(EnsureDir(dir / "checkpoint"));
  core::Result<std::optional<std::string>> read = ReadFileIfExists(dir / "checkpoint");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message, "unable to read " + dir / "checkpoint" +
                                      ": it is a directory, expected a regular file");
}

TEST(DirOpsTest, CreatesMissingParentsWithExactlyTheModeAsked) {
  TempDir dir;
  ScopedUmask umask(0022);
  ASSERT_TRUE(EnsureDir(dir / "state/spool/phone", 0700));
  EXPECT_EQ(Mode(dir / "state"), 0700u);
  EXPECT_EQ(Mode(dir / "state/spool"), 0700u);
  EXPECT_EQ(Mode(dir / "state/spool/phone"), 0700u);
  ASSERT_TRUE(EnsureDir(dir / "state/spool/phone", 0700));  // exists: fine
}

TEST(DirOpsTest, RefusesAFileWhereADirectoryShouldBe) {
  TempDir dir;
  WriteRaw(dir / "spool", "");
  core::Status s = EnsureDir(dir / "spool/phone");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "unable to create directory " + dir / "spool" + ": Not a directory");
}

TEST(DirOpsTest, ListsNamesSortedAndRenamesAndRemovesDurably) {
  TempDir dir;
  WriteRaw(dir / "b", "");
  WriteRaw(dir / "a", "");
  WriteRaw(dir / ".hidden", "");
  core::Result<std::vector<std::string>> names = ListDir(dir.path());
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, (std::vector<std::string>{".hidden", "a", "b"}));
  ASSERT_TRUE(EnsureDir(dir / "sub"));
  ASSERT_TRUE(RenameFile(dir / "a", dir / "sub/a"));
  EXPECT_TRUE(Exists(dir / "sub/a"));
  ASSERT_TRUE(RemoveFile(dir / "sub/a"));
  ASSERT_TRUE(RemoveFile(dir / "sub/a"));  // already gone: fine
  EXPECT_FALSE(Exists(dir / "sub/a"));
  core::Status s = RenameFile(dir / "nothing", dir / "b");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "unable to rename " + dir / "nothing" + " to " + dir / "b" +
                                   ": No such file or directory");
  EXPECT_EQ(ListDir(dir / "none").error().message,
            "unable to read directory " + dir / "none" + ": No such file or directory");
  EXPECT_EQ(DirName("/var/lib/relaywatch/checkpoint"), "/var/lib/relaywatch");
  EXPECT_EQ(DirName("/checkpoint"), "/");
  EXPECT_EQ(DirName("checkpoint"), ".");
}

}  // namespace
}  // namespace relaywatch::store
