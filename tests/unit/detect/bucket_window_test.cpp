#include "relaywatch/detect/bucket_window.h"

#include <gtest/gtest.h>

#include <vector>

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// 2026-11-28T00:00:00Z: a multiple of every slice width used below (1 min for 1h, 30 s for 30m).
const core::Timestamp kMidnight = core::Timestamp(seconds(1795824000));
constexpr core::Duration kHour = hours(1);

TEST(SliceIndexTest, IsTheStampDividedByASixtiethOfTheWindowFlooredFromTheEpoch) {
  EXPECT_EQ(SliceIndex(kMidnight, kHour), 1795824000 / 60);
  EXPECT_EQ(SliceIndex(kMidnight + seconds(59) + nanoseconds(999999999), kHour), 1795824000 / 60);
  EXPECT_EQ(SliceIndex(kMidnight + seconds(60), kHour), 1795824000 / 60 + 1);
  EXPECT_EQ(SliceIndex(kMidnight - nanoseconds(1), kHour), 1795824000 / 60 - 1);
  // 24h: 24-minute slices.
  EXPECT_EQ(SliceIndex(kMidnight + minutes(23), hours(24)), 1795824000 / 1440);
  EXPECT_EQ(SliceIndex(kMidnight + minutes(24), hours(24)), 1795824000 / 1440 + 1);
}

TEST(SliceIndexTest, FloorsStampsBeforeTheEpochDownwards) {
  EXPECT_EQ(SliceIndex(core::Timestamp(nanoseconds(-1)), kHour), -1);
  EXPECT_EQ(SliceIndex(core::Timestamp(seconds(-60)), kHour), -1);
  EXPECT_EQ(SliceIndex(core::Timestamp(seconds(-61)), kHour), -2);
}

TEST(SliceIndexTest, AWindowShorterThanSixtyNanosecondsHasOneNanosecondSlices) {
  EXPECT_EQ(SliceIndex(core::Timestamp(nanoseconds(1234)), nanoseconds(59)), 1234);
  EXPECT_EQ(SliceIndex(core::Timestamp(nanoseconds(1234)), nanoseconds(120)), 617);
}

TEST(BucketWindowTest, CountsEveryLineOfOneSliceInOneBucket) {
  BucketWindow w;
  EXPECT_EQ(w.Add(kMidnight + seconds(1), 1, kHour), 1u);
  EXPECT_EQ(w.Add(kMidnight + seconds(2), 1, kHour), 2u);
  EXPECT_EQ(w.Add(kMidnight + seconds(59), 3, kHour), 5u);
  ASSERT_EQ(w.buckets().size(), 1u);
  EXPECT_EQ(w.buckets()[0], (Bucket{1795824000 / 60, 5, kMidnight + seconds(1)}));
}

TEST(BucketWindowTest, KeepsOnlyNonEmptySlices) {
  BucketWindow w;
  w.Add(kMidnight, 1, kHour);
  w.Add(kMidnight + minutes(30), 1, kHour);
  w.Add(kMidnight + minutes(59), 1, kHour);
  EXPECT_EQ(w.buckets().size(), 3u);
}

TEST(BucketWindowTest, ALineIsCountedUntilSixtySlicesAfterItsOwn) {
  BucketWindow w;
  w.Add(kMidnight + seconds(5), 1, kHour);  // slice s
  // Slice s + 60 starts at 01:00:00: the first line is 1h 0m 54s old and still counted.
  EXPECT_EQ(w.Add(kMidnight + hours(1) + seconds(59), 1, kHour), 2u);
  // Slice s + 61: it has fallen out.
  EXPECT_EQ(w.Add(kMidnight + hours(1) + seconds(60), 1, kHour), 2u);
  ASSERT_EQ(w.buckets().size(), 2u);
  EXPECT_EQ(w.buckets()[0].first, kMidnight + hours(1) + seconds(59));
}

TEST(BucketWindowTest, NeverMissesALineYoungerThanTheWindow) {
  BucketWindow w;
  // The worst case for a slice start: a line at the very end of its slice.
  const core::Timestamp t = kMidnight + seconds(59) + nanoseconds(999999999);
  w.Add(t, 1, kHour);
  EXPECT_EQ(w.Add(t + kHour - nanoseconds(1), 1, kHour), 2u);
  EXPECT_EQ(w.Add(t + kHour, 1, kHour), 3u);  // one slice of slack: still there
}

TEST(BucketWindowTest, CountAtReadsTheWindowEndingAtAnyStampWithoutDroppingAnything) {
  BucketWindow w;
  w.Add(kMidnight, 2, kHour);
  w.Add(kMidnight + minutes(30), 3, kHour);
  EXPECT_EQ(w.CountAt(kMidnight + minutes(30), kHour), 5u);
  EXPECT_EQ(w.CountAt(kMidnight + minutes(60), kHour), 5u);  // slice s+60: s still in
  EXPECT_EQ(w.CountAt(kMidnight + minutes(61), kHour), 3u);  // slice s+61: s out
  EXPECT_EQ(w.CountAt(kMidnight + minutes(91), kHour), 0u);
  EXPECT_EQ(w.buckets().size(), 2u);
}

TEST(BucketWindowTest, FirstAtIsTheOldestStampOfTheOldestSliceInTheWindow) {
  BucketWindow w;
  w.Add(kMidnight + seconds(10), 1, kHour);
  w.Add(kMidnight + seconds(20), 1, kHour);
  w.Add(kMidnight + minutes(30) + seconds(7), 1, kHour);
  EXPECT_EQ(w.FirstAt(kMidnight + minutes(30), kHour), kMidnight + seconds(10));
  EXPECT_EQ(w.FirstAt(kMidnight + minutes(61), kHour), kMidnight + minutes(30) + seconds(7));
  // Nothing left in the window: "now".
  EXPECT_EQ(w.FirstAt(kMidnight + hours(5), kHour), kMidnight + hours(5));
}

TEST(BucketWindowTest, ALateLineIsCountedInItsOwnSliceAndTheCountIsAtTheNewestStamp) {
  BucketWindow w;
  w.Add(kMidnight + minutes(10), 1, kHour);
  EXPECT_EQ(w.Add(kMidnight + minutes(5), 1, kHour), 2u);
  ASSERT_EQ(w.buckets().size(), 2u);
  EXPECT_EQ(w.buckets()[0].index, SliceIndex(kMidnight + minutes(5), kHour));
  EXPECT_EQ(w.buckets()[1].index, SliceIndex(kMidnight + minutes(10), kHour));
}

TEST(BucketWindowTest, ALateLineInAnExistingSliceLowersItsFirstStamp) {
  BucketWindow w;
  w.Add(kMidnight + seconds(30), 1, kHour);
  w.Add(kMidnight + minutes(3), 1, kHour);
  EXPECT_EQ(w.Add(kMidnight + seconds(2), 1, kHour), 3u);
  EXPECT_EQ(w.buckets()[0].first, kMidnight + seconds(2));
  EXPECT_EQ(w.buckets()[0].count, 2u);
  EXPECT_EQ(w.FirstAt(kMidnight + minutes(3), kHour), kMidnight + seconds(2));
}

TEST(BucketWindowTest, ALateLineOlderThanTheNewestWindowIsNotCounted) {
  BucketWindow w;
  w.Add(kMidnight + hours(2), 1, kHour);  // slice n
  // Slice n - 60 is the oldest the window ending in slice n holds; n - 61 is too old.
  EXPECT_EQ(w.Add(kMidnight + hours(1) - seconds(1), 1, kHour), 1u);
  EXPECT_EQ(w.Add(kMidnight + hours(1), 1, kHour), 2u);
  EXPECT_EQ(w.buckets().size(), 2u);
}

TEST(BucketWindowTest, ExpireDropsSlicesThatFellOutAndSaysWhenNothingIsLeft) {
  BucketWindow w;
  w.Add(kMidnight, 1, kHour);
  w.Add(kMidnight + minutes(20), 1, kHour);
  EXPECT_FALSE(w.Expire(kMidnight + minutes(61), kHour));
  ASSERT_EQ(w.buckets().size(), 1u);
  EXPECT_EQ(w.CountAt(kMidnight + minutes(61), kHour), 1u);
  EXPECT_FALSE(w.Expire(kMidnight + minutes(80), kHour));  // slice of 00:20 is n - 60: kept
  EXPECT_TRUE(w.Expire(kMidnight + minutes(81), kHour));
  EXPECT_TRUE(w.buckets().empty());
  EXPECT_EQ(w.CountAt(kMidnight + minutes(81), kHour), 0u);
  // Usable afterwards, from zero.
  EXPECT_EQ(w.Add(kMidnight + minutes(82), 1, kHour), 1u);
}

TEST(BucketWindowTest, FromBucketsRebuildsTheSameCountsAndCarriesOn) {
  BucketWindow w;
  w.Add(kMidnight + seconds(3), 2, kHour);
  w.Add(kMidnight + minutes(17) + seconds(4), 1, kHour);
  w.Add(kMidnight + minutes(44), 5, kHour);
  BucketWindow copy = BucketWindow::FromBuckets(w.buckets());
  EXPECT_EQ(copy.buckets(), w.buckets());
  for (core::Duration at : {minutes(44), minutes(60), minutes(61), minutes(78), minutes(104)}) {
    EXPECT_EQ(copy.CountAt(kMidnight + at, kHour), w.CountAt(kMidnight + at, kHour));
    EXPECT_EQ(copy.FirstAt(kMidnight + at, kHour), w.FirstAt(kMidnight + at, kHour));
  }
  EXPECT_EQ(copy.Add(kMidnight + minutes(70), 1, kHour), w.Add(kMidnight + minutes(70), 1, kHour));
  EXPECT_EQ(copy.buckets(), w.buckets());
  EXPECT_EQ(copy.Add(kMidnight + minutes(70), 1, kHour), 8u);  // 2 dropped with slice 0
}

TEST(BucketWindowTest, AWindowOfThirtyMinutesSlidesInThirtySecondSlices) {
  BucketWindow w;
  const core::Duration half = minutes(30);
  w.Add(kMidnight + seconds(29), 1, half);  // slice s
  EXPECT_EQ(w.Add(kMidnight + seconds(30), 1, half), 2u);
  ASSERT_EQ(w.buckets().size(), 2u);
  // 30m + 29s later is slice s + 60: still counted; 30s further it is gone.
  EXPECT_EQ(w.Add(kMidnight + half + seconds(29), 1, half), 3u);
  EXPECT_EQ(w.Add(kMidnight + half + seconds(30), 1, half), 3u);
}

// The newest slice is recognised by a multiply and a subtraction: a line centuries after it
// (a damaged stamp before) must not be counted in that slice.
TEST(BucketWindowTest, ALineCenturiesAfterTheNewestSliceIsNotCountedInIt) {
  const core::Timestamp y1700(seconds(-8'520'000'000));
  BucketWindow w;
  w.Add(y1700, 1, kHour);
  EXPECT_EQ(w.Add(kMidnight, 1, kHour), 1u);
  EXPECT_EQ(w.buckets().size(), 1u);
  EXPECT_EQ(w.FirstAt(kMidnight, kHour), kMidnight);
}

}  // namespace
}  // namespace relaywatch::detect
