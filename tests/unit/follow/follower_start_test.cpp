// Where a Follower starts: tail, warm start, resume from a saved Position, and the Gap when
// that Position's file is gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "follower_test_util.h"
#include "relaywatch/follow/follower.h"

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

TEST_F(FollowerTest, TailStartReadsOnlyLinesAppendedAfterTheStart) {
  Append(P("@400000006a39000100000000.s"), Lines(0, 3));
  Append(P("current"), Lines(3, 5));
  Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !rec_.batches.empty(); }));
  Append(P("current"), Lines(5, 7));
  ASSERT_TRUE(WaitLines(2));
  Append(P("current"), Lines(7, 8));
  ASSERT_TRUE(WaitLines(3));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(5, 8)));
  EXPECT_THAT(rec_.warnings, IsEmpty());
}

TEST_F(FollowerTest, TailStartTakesAPartialLastLineWhenItsNewlineArrives) {
  std::string last = L(2);
  Append(P("current"), Lines(0, 2) + last.substr(0, 30));
  Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !rec_.batches.empty(); }));
  Append(P("current"), last.substr(30) + "\n");
  ASSERT_TRUE(WaitLines(1));
  EXPECT_THAT(rec_.lines, ElementsAre(last));
}

TEST_F(FollowerTest, ResumesFromASavedPositionAfterRotationsWhileDown) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 3) + L(3).substr(0, 20));
  ASSERT_TRUE(WaitLines(3));
  state::Position saved = rec_.after.back();
  follower_.reset();
  // While down: the partial line completes, two rotations, more lines.
  Append(P("current"), L(3).substr(20) + "\n" + Lines(4, 6));
  Rotate(6);
  Append(P("current"), Lines(6, 9));
  Rotate(9);
  Append(P("current"), Lines(9, 10));
  rec_ = Recorder{};
  Start(StartFrom{saved, std::nullopt});
  ASSERT_TRUE(WaitLines(7));
  ASSERT_TRUE(RunUntil(io_, [&] { return AtEndOfCurrent(); }));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(3, 10)));
  EXPECT_THAT(rec_.gaps, IsEmpty());
}

TEST_F(FollowerTest, ResumesOnceWhenThePositionsFileIsListedAsArchiveAndAsPrevious) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 3));
  ASSERT_TRUE(WaitLines(3));
  state::Position saved = rec_.after.back();
  follower_.reset();
  // Stopped inside multilog's rotation: linked as @….s, not yet unlinked as previous.
  ASSERT_EQ(::rename(P("current").c_str(), P("previous").c_str()), 0);
  Append(P("current"), Lines(3, 5));
  ASSERT_EQ(::link(P("previous").c_str(), P(Archive(3)).c_str()), 0);
  rec_ = Recorder{};
  Start(StartFrom{saved, std::nullopt});
  ASSERT_TRUE(WaitLines(2));
  ASSERT_TRUE(RunUntil(io_, [&] { return AtEndOfCurrent(); }));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(3, 5)));
}

TEST_F(FollowerTest, ResumesExactlyOnceWhenMultilogRotatesBetweenTheListingAndTheOpen) {
  // The daemon restarts while multilog rotates: the listing shows the saved file as `current`,
  // and by the time it is opened `current` is another file. The start must be applied to the
  // next listing, not lost (which made the follower take every file from the oldest archive).
  Append(P(Archive(1)), Lines(0, 1));
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(1, 4));
  ASSERT_TRUE(WaitLines(3));
  state::Position saved = rec_.after.back();
  follower_.reset();
  Append(P("current"), Lines(4, 6));
  rec_ = Recorder{};
  FollowerOptions o = Options();
  int listings = 0;
  o.on_listed_for_test = [&] {
    if (++listings != 1) return;
    Rotate(6);
    Append(P("current"), Lines(6, 8));
  };
  Start(StartFrom{saved, std::nullopt}, o);
  ASSERT_TRUE(WaitLines(4));
  ASSERT_TRUE(RunUntil(io_, [&] { return AtEndOfCurrent(); }));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(4, 8)));
  EXPECT_THAT(rec_.gaps, IsEmpty());
  EXPECT_GE(listings, 2);
}

TEST_F(FollowerTest, TailStartIsNotLostWhenMultilogRotatesBetweenTheListingAndTheOpen) {
  Append(P(Archive(1)), Lines(0, 1));
  Append(P("current"), Lines(1, 3));
  FollowerOptions o = Options();
  int listings = 0;
  o.on_listed_for_test = [&] {
    if (++listings == 1) Rotate(3);
  };
  Start({}, o);
  ASSERT_TRUE(RunUntil(io_, [&] { return listings >= 2 && !rec_.batches.empty(); }));
  Append(P("current"), Lines(3, 5));
  ASSERT_TRUE(WaitLines(2));
  ASSERT_TRUE(RunUntil(io_, [&] { return AtEndOfCurrent(); }));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(3, 5)));
}

TEST_F(FollowerTest, ReportsAGapWhenThePositionsFileWasPruned) {
  Append(P("current"), "");
  Start();
  ASSERT_TRUE(Settled());
  Append(P("current"), Lines(0, 3));
  ASSERT_TRUE(WaitLines(3));
  state::Position saved = rec_.after.back();
  follower_.reset();
  Append(P("current"), Lines(3, 5));
  Rotate(5);
  Append(P("current"), Lines(5, 8));
  Rotate(8);
  Append(P("current"), Lines(8, 9));
  ASSERT_EQ(::unlink(P(Archive(5)).c_str()), 0);  // pruned, as multilog's n does
  rec_ = Recorder{};
  Start(StartFrom{saved, std::nullopt});
  ASSERT_TRUE(WaitLines(4));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(5, 9)));
  ASSERT_EQ(rec_.gaps.size(), 1u);
  const Gap& g = rec_.gaps[0];
  EXPECT_EQ(g.service, "submission");
  EXPECT_EQ(g.dir, dir_.path());
  EXPECT_EQ(g.from, At(2));
  EXPECT_EQ(g.to, At(5));
  EXPECT_EQ(g.files_skipped, 1u);
  EXPECT_EQ(follower_->stats().gaps, 1u);
}

TEST_F(FollowerTest, WarmStartBeginsWithTheFirstArchiveClosedAtOrAfterTheInstant) {
  Append(P(Archive(3)), Lines(0, 3));
  Append(P(Archive(6)), Lines(3, 6));
  Append(P("current"), Lines(6, 8));
  Start(StartFrom{std::nullopt, At(4)});
  ASSERT_TRUE(WaitLines(5));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(3, 8)));
  Append(P("current"), Lines(8, 9));
  ASSERT_TRUE(WaitLines(6));
  EXPECT_EQ(rec_.lines.back(), L(8));
}

TEST_F(FollowerTest, WarmStartWithNothingNewerReadsCurrentFromItsStart) {
  Append(P(Archive(3)), Lines(0, 3));
  Append(P("current"), Lines(3, 5));
  Start(StartFrom{std::nullopt, At(4)});
  ASSERT_TRUE(WaitLines(2));
  EXPECT_THAT(rec_.lines, ElementsAreArray(Expect(3, 5)));
}

}  // namespace
}  // namespace relaywatch::follow
