#include "relaywatch/app/mutes.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace relaywatch::app {
namespace {

TEST(MuteRequest, RoundTripsAndStaysOneLine) {
  MuteRequest r{true, "a b%\n-@x", "", 3, "password changed\r\nBcc: x"};
  const std::string line = EncodeMuteRequest(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = ParseMuteRequest(line + "\n");
  ASSERT_TRUE(back && *back) << line;
  EXPECT_EQ((*back)->key, r.key);
  EXPECT_EQ((*back)->rule, "");
  EXPECT_EQ((*back)->seconds, 3u);
  EXPECT_EQ((*back)->reason, r.reason);
  MuteRequest u{false, "-", "volume", 0, ""};
  back = ParseMuteRequest(EncodeMuteRequest(u));
  ASSERT_TRUE(back && *back);
  EXPECT_FALSE((*back)->mute);
  EXPECT_EQ((*back)->key, "-");
  EXPECT_EQ((*back)->rule, "volume");
}

TEST(MuteRequest, OtherRequestsAndBadOnes) {
  EXPECT_FALSE(ParseMuteRequest("text\n"));
  EXPECT_FALSE(ParseMuteRequest("json"));
  for (const char* bad :
       {"mute", "mute k - 3", "mute k - 0 -", "mute k - 3x -", "mute - - 3 -", "mute k - 3 %4",
        "mute k - 3 %zz", "unmute k", "mute k  3 -", "mute k - 99999999999999999999 -"}) {
    auto r = ParseMuteRequest(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_FALSE(*r) << bad;
  }
  auto r = ParseMuteRequest("mute k - 3");
  EXPECT_EQ(r->error().message, "bad mute request: expected 4 fields, got 3");
  r = ParseMuteRequest("mute " + std::string(alerting::kMaxMuteField + 1, 'k') + " - 3 -");
  EXPECT_EQ(r->error().message, "bad mute request: bad key");
}

class MutesFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mutes_test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = MutesPath(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_, path_;
};

TEST_F(MutesFile, MissingIsEmptyWrittenIs0600AndReadBack) {
  auto none = ReadMutesFile(path_);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  std::vector<alerting::Mute> m = {{"k", "r", core::Timestamp(std::chrono::seconds(5)),
                                    core::Timestamp(std::chrono::seconds(9)), "mute", "why"}};
  ASSERT_TRUE(WriteMutesFile(path_, m));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = ReadMutesFile(path_);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
}

TEST_F(MutesFile, RefusesCorruptAndOversizedAndFifo) {
  std::ofstream(path_) << "relaywatch-mutes 1\nchecksum 0000000000000000\n";
  auto r = ReadMutesFile(path_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, path_ + ": line 2: checksum mismatch: the file is corrupt");
  {
    std::ofstream f(path_);
    f << std::string(kMaxMutesFileBytes + 1, 'x');
  }
  r = ReadMutesFile(path_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("4 MiB"), std::string::npos) << r.error().message;
  ::unlink(path_.c_str());
  ASSERT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  r = ReadMutesFile(path_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("FIFO"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace relaywatch::app
