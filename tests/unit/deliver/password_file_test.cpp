#include "relaywatch/deliver/password_file.h"

#include <gtest/gtest.h>

#include "test_files.h"

namespace relaywatch::deliver {
namespace {

using testing::TempDir;
using testing::WriteFile;

TEST(ReadPasswordFileTest, ReturnsTheFirstLineWithoutItsLineEnd) {
  TempDir dir;
  WriteFile(dir / "pw", "s3cret pa:ss\r\nsecond line\n", 0600);
  auto password = ReadPasswordFile(dir / "pw");
  ASSERT_TRUE(password) << password.error().message;
  EXPECT_EQ(*password, "s3cret pa:ss");
  WriteFile(dir / "pw2", "no newline", 0400);
  EXPECT_EQ(*ReadPasswordFile(dir / "pw2"), "no newline");
}

TEST(ReadPasswordFileTest, RefusesAFileThatGroupOrOthersMayTouch) {
  TempDir dir;
  for (mode_t mode : {0640, 0604, 0620, 0602, 0644, 0666}) {
    WriteFile(dir / "pw", "x\n", mode);
    char shown[8];
    std::snprintf(shown, sizeof shown, "%04o", static_cast<unsigned>(mode));
    auto password = ReadPasswordFile(dir / "pw");
    ASSERT_FALSE(password) << shown;
    EXPECT_EQ(password.error().message,
              "refusing password file " + (dir / "pw") + ": mode " + shown +
                  " lets group or others read or change it (chmod 600 " + (dir / "pw") + ")");
  }
}

TEST(ReadPasswordFileTest, RefusesADirectoryAndAnEmptyFirstLine) {
  TempDir dir;
  EXPECT_EQ(ReadPasswordFile(dir.path()).error().message,
            "refusing password file " + dir.path() + ": not a regular file");
  WriteFile(dir / "pw", "\nsecond\n", 0600);
  EXPECT_EQ(ReadPasswordFile(dir / "pw").error().message,
            "refusing password file " + (dir / "pw") + ": the first line is empty");
}

TEST(ReadPasswordFileTest, NamesAMissingFile) {
  EXPECT_EQ(ReadPasswordFile("/nonexistent/pw").error().message,
            "unable to open password file /nonexistent/pw: No such file or directory");
}

}  // namespace
}  // namespace relaywatch::deliver
