// ReadRegularFile and SetAsideBadFile: what is read, what is refused and why, and where a refused
// entry goes. The store's own use of them is in untrusted_files_test.cpp.
#include "relaywatch/store/safe_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "relaywatch/store/dir_ops.h"
#include "store_test_util.h"

namespace relaywatch::store {
namespace {

using testing::Exists;
using testing::TempDir;
using testing::WriteRaw;

void MakeFifo(const std::string& path) { ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << path; }
void MakeLink(const std::string& target, const std::string& path) {
  ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0) << path;
}
bool IsFifo(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

TEST(SafeFileTest, ReadsARegularFileWholeAndSaysWhenNothingIsThere) {
  TempDir dir;
  core::Result<RegularFile> missing = ReadRegularFile(dir / "checkpoint", 100);
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_EQ(missing->state, RegularFile::State::kMissing);
  WriteRaw(dir / "checkpoint", std::string(100, 'x'));
  core::Result<RegularFile> read = ReadRegularFile(dir / "checkpoint", 100);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->state, RegularFile::State::kRead);
  EXPECT_EQ(read->content, std::string(100, 'x'));
}

TEST(SafeFileTest, RejectsWhatIsNotARegularFileWithoutOpeningOrFollowingIt) {
  TempDir dir;
  MakeFifo(dir / "fifo");
  MakeLink("/dev/zero", dir / "zero");
  MakeLink(dir / "regular", dir / "link-to-regular");
  WriteRaw(dir / "regular", "data");
  ASSERT_TRUE(EnsureDir(dir / "dir"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fifo", "it is a FIFO, expected a regular file"},
      {"zero", "it is a symbolic link (to /dev/zero), expected a regular file"},
      {"link-to-regular",
       "it is a symbolic link (to " + dir / "regular" + "), expected a regular file"},
      {"dir", "it is a directory, expected a regular file"},
  };
  for (const auto& [name, problem] : cases) {
    core::Result<RegularFile> read = ReadRegularFile(dir / name, 1 << 20);
    ASSERT_TRUE(read) << name << ": " << read.error().message;
    EXPECT_EQ(read->state, RegularFile::State::kRejected) << name;
    EXPECT_EQ(read->problem, problem) << name;
  }
  core::Result<RegularFile> device = ReadRegularFile("/dev/zero", 1 << 20);
  ASSERT_TRUE(device);
  EXPECT_EQ(device->problem, "it is a character device, expected a regular file");
}

TEST(SafeFileTest, RejectsAFileLargerThanItsCapWithoutReadingIt) {
  TempDir dir;
  WriteRaw(dir / "send-times", std::string(101, '1'));
  core::Result<RegularFile> read = ReadRegularFile(dir / "send-times", 100);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->state, RegularFile::State::kRejected);
  EXPECT_EQ(read->problem, "it is 101 bytes, expected at most 100 bytes");
  // A sparse file of 2 GiB costs nothing to make and nothing to refuse.
  const int fd = ::open((dir / "big").c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, off_t{2} << 30), 0);
  ::close(fd);
  read = ReadRegularFile(dir / "big", kMaxCheckpointBytes);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->problem, "it is 2147483648 bytes, expected at most 1 GiB");
  EXPECT_EQ(FormatByteCap(kMaxAlertFileBytes), "16 MiB");
  EXPECT_EQ(FormatByteCap(kMaxSendTimesBytes), "1 MiB");
}

TEST(SafeFileTest, SetsAsideUnderAFreshNameEachTime) {
  TempDir dir;
  MakeFifo(dir / "checkpoint");
  core::Result<std::string> first = SetAsideBadFile(dir / "checkpoint");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->rfind(dir / "checkpoint.bad-", 0), 0u) << *first;
  EXPECT_TRUE(IsFifo(*first));
  EXPECT_FALSE(Exists(dir / "checkpoint"));
  MakeFifo(dir / "checkpoint");
  core::Result<std::string> second = SetAsideBadFile(dir / "checkpoint");
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(IsFifo(*second));
}

}  // namespace
}  // namespace relaywatch::store
