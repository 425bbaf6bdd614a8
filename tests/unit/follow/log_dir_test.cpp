#include "relaywatch/follow/log_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace relaywatch::follow {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class LogDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rw-logdir-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(LogDirTest, ListsArchivesByLabelThenPreviousThenCurrentAndNothingElse) {
  Write("current", "@400000006a3a0000 c\n");
  Write("@400000006a390002000000aa.u", "u\n");
  Write("@400000006a390001000000ff.s", "s2\n");
  Write("@400000006a390001000000fe.s", "s1\n");
  Write("previous", "p\n");
  for (const char* other : {"lock", "state", "newstate", "processed", "@4000.s", "current~"}) {
    Write(other, "");
  }
  auto files = ListLogFiles(dir_);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_THAT(
      *files,
      ElementsAre(dir_ + "/@400000006a390001000000fe.s", dir_ + "/@400000006a390001000000ff.s",
                  dir_ + "/@400000006a390002000000aa.u", dir_ + "/previous", dir_ + "/current"));
}

TEST_F(LogDirTest, ListsAnEmptyDirectoryAsNoFiles) {
  auto files = ListLogFiles(dir_);
  ASSERT_TRUE(files.ok());
  EXPECT_THAT(*files, IsEmpty());
}

TEST_F(LogDirTest, SaysWhichDirectoryCouldNotBeRead) {
  auto files = ListLogFiles(dir_ + "/missing");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().message,
            "unable to read " + dir_ + "/missing: No such file or directory");
  auto scanned = ScanLogDir(dir_ + "/missing");
  ASSERT_FALSE(scanned.ok());
  EXPECT_EQ(scanned.error().message,
            "unable to read " + dir_ + "/missing: No such file or directory");
}

TEST_F(LogDirTest, ScansIdentityHeadAndSizeOfEachLogFile) {
  std::string big(300, 'x');
  Write("@400000006a390001000000fe.s", big + "\n");
  Write("current", "@400000006a3a0000 c\n");
  Write("lock", "");
  auto files = ScanLogDir(dir_);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  const LogFileInfo& archive = (*files)[0];
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/@400000006a390001000000fe.s").c_str(), &st), 0);
  EXPECT_EQ(archive.name, "@400000006a390001000000fe.s");
  EXPECT_EQ(archive.kind.kind, stamp::LogFileKind::kArchiveDone);
  EXPECT_EQ(archive.id.key, (FileKey{st.st_dev, st.st_ino}));
  EXPECT_EQ(archive.id.head, std::string(state::kFingerprintBytes, 'x'));
  EXPECT_EQ(archive.size, 301u);
  EXPECT_EQ((*files)[1].name, "current");
  EXPECT_EQ((*files)[1].id.head, "@400000006a3a0000 c\n");
}

TEST_F(LogDirTest, FindsAHardLinkUnderItsNewNameWithTheSameIdentity) {
  Write("previous", "@400000006a3a0000 p\n");
  auto before = ScanLogDir(dir_);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(::link((dir_ + "/previous").c_str(), (dir_ + "/@400000006a3a0001000000aa.s").c_str()),
            0);
  ASSERT_EQ(::unlink((dir_ + "/previous").c_str()), 0);
  auto after = ScanLogDir(dir_);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_TRUE(SameFile((*before)[0].id, (*after)[0].id));
}

}  // namespace
}  // namespace relaywatch::follow
