// Follower reading a directory the test changes the way multilog (or an admin) would:
// appends, rotations, crashes, truncation, deletion, directories coming and going, overflow.
#include "relaywatch/follow/follower.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "follower_test_util.h"

namespace relaywatch::follow {
namespace {

using testing::Append;
using testing::At;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::Expect;
using testing::FollowerTest;
using ::testing::IsEmpty;
using testing::L;
using testing::Lines;
using testing::Recorder;
using testing::RunUntil;

TEST_F(FollowerTest, HoldsAPartialLineUntilItsNewlineArrivesAndDeliversItOnce) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  std::string line = L(0);
  Append(P("current"), line.substr(0, 10));
  ASSERT_TRUE(WaitBytes(10));
  Append(P("current"), line.substr(10, 20));
  ASSERT_TRUE(WaitBytes(30));
  EXPECT_THAT(rec_.lines, IsEmpty());
  EXPECT_EQ(follower_->position().offset, 0u);
  Append(P("current"), line.substr(30) + "\n" + L(1).substr(0, 5));
  ASSERT_TRUE(WaitLines(1));
  ASSERT_TRUE(WaitBytes(line.size() + 6));
  EXPECT_THAT(rec_.lines, ElementsAre(line));
  EXPECT_EQ(rec_.after[0].offset, line.size() + 1);
  EXPECT_EQ(rec_.after[0].last_stamp, At(0));
  EXPECT_EQ(follower_->position().offset, line.size() + 1);
}

TEST_F(FollowerTest, GivesEachLineThePositionJustAfterItWithTheFilesIdentity) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 3));
  ASSERT_TRUE(WaitLines(3));
  struct stat st;
  ASSERT_EQ(::stat(P("current").c_str(), &st), 0);
  std::string content = Lines(0, 3);
  std::uint64_t end = 0;
  for (int i = 0; i < 3; ++i) {
    end += L(i).size() + 1;
    const state::Position& p = rec_.after[i];
    EXPECT_EQ(p.device, static_cast<std::uint64_t>(st.st_dev));
    EXPECT_EQ(p.inode, static_cast<std::uint64_t>(st.st_ino));
    EXPECT_EQ(p.offset, end);
    EXPECT_EQ(p.last_stamp, At(i));
    EXPECT_EQ(p.fingerprint_len, state::kFingerprintBytes);
    EXPECT_EQ(p.fingerprint, state::Fingerprint(content.substr(0, state::kFingerprintBytes)));
  }
  EXPECT_EQ(rec_.batches.back(), rec_.after.back());
}

TEST_F(FollowerTest, DrainsRenamedFileBeforeSwitchingToNewCurrent) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 2));
  ASSERT_TRUE(WaitLines(2));
  // Written, rotated and written again before the follower gets to run.
  Append(P("current"), Lines(2, 5));
  Rotate(5);
  Append(P("current"), Lines(5, 7));
  ASSERT_TRUE(WaitLines(7));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 7)));
  EXPECT_EQ(follower_->stats().files_finished, 1u);
}

TEST_F(FollowerTest, CatchesUpThroughSeveralRotationsMissedInOneGo) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  for (int r = 0; r < 6; ++r) {
    Append(P("current"), Lines(r * 10, r * 10 + 10));
    Rotate(r * 10 + 10);
  }
  Append(P("current"), Lines(60, 63));
  ASSERT_TRUE(WaitLines(63));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 63)));
  EXPECT_EQ(follower_->stats().files_finished, 6u);
}

TEST_F(FollowerTest, FollowsTheMomentWithNoCurrent) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 2));
  ASSERT_TRUE(WaitLines(2));
  ASSERT_EQ(::rename(P("current").c_str(), P("previous").c_str()), 0);
  ASSERT_TRUE(RunUntil(io_, [&] { return follower_->stats().files_finished == 1; }));
  ASSERT_EQ(::link(P("previous").c_str(), P(Archive(2)).c_str()), 0);
  ASSERT_EQ(::unlink(P("previous").c_str()), 0);
  Append(P("current"), Lines(2, 4));
  ASSERT_TRUE(WaitLines(4));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 4)));
}

TEST_F(FollowerTest, DeliversTheUnterminatedLastLineOfACrashedFileOnce) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  std::string cut = L(2).substr(0, 40);
  Append(P("current"), Lines(0, 2) + cut);
  ASSERT_TRUE(WaitLines(2));
  // multilog restarted after a crash: current becomes @….u, a new current begins.
  ASSERT_EQ(::link(P("current").c_str(), P(Archive(3, 'u')).c_str()), 0);
  ASSERT_EQ(::unlink(P("current").c_str()), 0);
  Append(P("current"), Lines(3, 4));
  ASSERT_TRUE(WaitLines(4));
  EXPECT_THAT(rec_.lines, ElementsAre(L(0), L(1), cut, L(3)));
  EXPECT_EQ(follower_->stats().unterminated_lines, 1u);
}

TEST_F(FollowerTest, ReadsATruncatedCurrentAgainFromTheStart) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 4));
  ASSERT_TRUE(WaitLines(4));
  ASSERT_EQ(::truncate(P("current").c_str(), 0), 0);
  Append(P("current"), Lines(4, 5));
  ASSERT_TRUE(WaitLines(5));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 5)));
  EXPECT_EQ(follower_->stats().truncations, 1u);
  ASSERT_EQ(rec_.warnings.size(), 1u);
  EXPECT_EQ(rec_.warnings[0],
            P("current") + " was truncated (from " + std::to_string(Lines(0, 4).size()) + " to " +
                std::to_string(SizeOf("current")) + " bytes); reading it again from the start");
}

TEST_F(FollowerTest, NoticesTruncationEvenWhenTheFileGrewPastTheOldOffset) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 1));
  ASSERT_TRUE(WaitLines(1));
  // Truncated and rewritten longer before the follower runs: only the head tells.
  ASSERT_EQ(::truncate(P("current").c_str(), 0), 0);
  Append(P("current"), Lines(1, 4));
  ASSERT_TRUE(WaitLines(4));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 4)));
  EXPECT_EQ(follower_->stats().truncations, 1u);
}

TEST_F(FollowerTest, FollowsCurrentDeletedAndCreatedAgain) {
  Append(P("@400000006a39000100000000.s"), Lines(100, 102));  // older, behind the start
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 2));
  ASSERT_TRUE(WaitLines(2));
  ASSERT_EQ(::unlink(P("current").c_str()), 0);
  ASSERT_TRUE(RunUntil(io_, [&] { return follower_->stats().files_finished == 1; }));
  Append(P("current"), Lines(2, 4));
  ASSERT_TRUE(WaitLines(4));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 4)));
}

TEST_F(FollowerTest, PicksUpADirectoryThatAppearsLateAndSaysSoOnce) {
  std::string dir = dir_.path() + "/qmail/submission";
  Start({}, std::nullopt, dir);
  ASSERT_TRUE(RunUntil(io_, [&] { return !rec_.warnings.empty(); }));
  std::filesystem::create_directories(dir_.path() + "/qmail");
  std::filesystem::create_directories(dir);
  Append(dir + "/current", Lines(0, 3));
  ASSERT_TRUE(WaitLines(3));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 3)));
  EXPECT_THAT(rec_.warnings, ElementsAre("unable to watch " + dir +
                                         ": No such file or directory; waiting for it"));
}

TEST_F(FollowerTest, KeepsFollowingADirectoryRemovedAndCreatedAgain) {
  std::string dir = dir_.path() + "/main";
  std::filesystem::create_directories(dir);
  Append(dir + "/current", "");
  Start({}, std::nullopt, dir);
  ASSERT_TRUE(Settled());
  Append(dir + "/current", Lines(0, 2));
  ASSERT_TRUE(WaitLines(2));
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(RunUntil(io_, [&] { return !rec_.warnings.empty(); }));
  std::filesystem::create_directories(dir);
  Append(dir + "/current", Lines(2, 4));
  ASSERT_TRUE(WaitLines(4));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 4)));
  EXPECT_THAT(rec_.warnings, ElementsAre("unable to watch " + dir +
                                         ": No such file or directory; waiting for it"));
}

TEST_F(FollowerTest, ReconcilesAfterAnInjectedOverflowWithoutAnyEvent) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 2));
  ASSERT_TRUE(WaitLines(2));
  // Changes whose events the overflow throws away: only the rescan can find them.
  Append(P("current"), Lines(2, 4));
  Rotate(4);
  Append(P("current"), Lines(4, 6));
  Rotate(6);
  Append(P("current"), Lines(6, 7));
  follower_->InjectOverflowForTest();
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 7)));
  EXPECT_EQ(follower_->stats().overflows, 1u);
  EXPECT_THAT(rec_.warnings,
              ElementsAre("inotify queue overflowed for " + dir_.path() + "; rescanning it"));
  // And it still follows afterwards.
  Append(P("current"), Lines(7, 8));
  ASSERT_TRUE(WaitLines(8));
}

TEST_F(FollowerTest, CutsLinesLongerThanMaxLineAndCountsThem) {
  FollowerOptions o = Options();
  o.max_line = 40;
  Append(P("current"), "");
  Start({}, o);
  ASSERT_TRUE(Settled());
  std::string long_line = L(0);  // well over 40 bytes
  Append(P("current"), long_line.substr(0, 60));
  ASSERT_TRUE(WaitLines(1));
  EXPECT_EQ(rec_.lines[0], long_line.substr(0, 40));
  EXPECT_EQ(rec_.after[0].offset, 0u);  // not consumed until its '\n'
  Append(P("current"), long_line.substr(60) + "\nshort\n");
  ASSERT_TRUE(WaitLines(2));
  EXPECT_EQ(rec_.lines[1], "short");
  EXPECT_EQ(rec_.after[1].offset, long_line.size() + 1 + 6);
  EXPECT_EQ(follower_->stats().long_lines, 1u);
}

TEST_F(FollowerTest, ReadsInBoundedBurstsAndReportsEachBatch) {
  FollowerOptions o = Options();
  o.read_buffer = 1024;
  o.burst_bytes = 4096;
  Append(P("current"), Lines(0, 200));
  Start(StartFrom{std::nullopt, At(0)}, o);
  ASSERT_TRUE(WaitLines(200));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(0, 200)));
  EXPECT_GE(rec_.batches.size(), Lines(0, 200).size() / 4096);
  EXPECT_EQ(rec_.batches.back().offset, Lines(0, 200).size());
}

TEST_F(FollowerTest, StopFromACallbackEndsDeliveryAtOnce) {
  Append(P("current"), Lines(0, 10));
  FollowerCallbacks c = rec_.Callbacks();
  std::size_t seen = 0;
  c.on_line = [&](const decode::DecodedLine&, const state::Position&) {
    if (++seen == 3) follower_->Stop();
  };
  follower_ = std::make_unique<Follower>(io_, Source{"smtp", dir_.path()}, c, Options());
  follower_->Start(StartFrom{std::nullopt, At(0)});
  ASSERT_TRUE(RunUntil(io_, [&] { return seen >= 3; }));
  io_.restart();
  io_.poll();
  Append(P("current"), Lines(10, 11));
  io_.restart();
  io_.poll();
  EXPECT_EQ(seen, 3u);
  EXPECT_EQ(follower_->position().offset, Lines(0, 3).size());
}

}  // namespace
}  // namespace relaywatch::follow
