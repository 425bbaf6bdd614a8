#include "relaywatch/detect/distinct_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const core::Timestamp kT0 = core::Timestamp(seconds(1795824000)) + nanoseconds(123);
constexpr core::Duration kHour = hours(1);
constexpr std::size_t kCap = 16;

std::vector<std::string> Values(const DistinctWindow& w) {
  std::vector<std::string> out;
  for (const DistinctEntry& e : w.entries()) out.push_back(e.value);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DistinctWindowTest, CountsEachValueOnce) {
  DistinctWindow w;
  EXPECT_EQ(w.Add("203.0.113.5", kT0, kHour, kCap), 1u);
  EXPECT_EQ(w.Add("203.0.113.5", kT0 + seconds(1), kHour, kCap), 1u);
  EXPECT_EQ(w.Add("2001:db8::5", kT0 + seconds(2), kHour, kCap), 2u);
  EXPECT_EQ(w.Add("::ffff:198.51.100.7", kT0 + seconds(3), kHour, kCap), 3u);
  EXPECT_EQ(w.entries().size(), 3u);
}

TEST(DistinctWindowTest, AValueCountsForExactlyTheWindowAfterItWasLastSeen) {
  DistinctWindow w;
  w.Add("a", kT0, kHour, kCap);
  EXPECT_EQ(w.CountAt(kT0 + kHour - nanoseconds(1), kHour), 1u);
  EXPECT_EQ(w.CountAt(kT0 + kHour, kHour), 0u);
  EXPECT_EQ(w.Add("b", kT0 + kHour, kHour, kCap), 1u);
}

TEST(DistinctWindowTest, SeeingAValueAgainKeepsItInTheWindow) {
  DistinctWindow w;
  w.Add("a", kT0, kHour, kCap);
  w.Add("b", kT0 + minutes(1), kHour, kCap);
  w.Add("a", kT0 + minutes(50), kHour, kCap);
  EXPECT_EQ(w.CountAt(kT0 + minutes(65), kHour), 1u);
  EXPECT_EQ(w.CountAt(kT0 + minutes(60), kHour), 2u);
}

TEST(DistinctWindowTest, AtTheCapTheValueSeenLongestAgoIsReplacedAndTheCountSaturates) {
  DistinctWindow w;
  w.Add("a", kT0, kHour, 3);
  w.Add("b", kT0 + seconds(1), kHour, 3);
  w.Add("c", kT0 + seconds(2), kHour, 3);
  w.Add("a", kT0 + seconds(3), kHour, 3);  // a is now the most recent
  EXPECT_EQ(w.Add("d", kT0 + seconds(4), kHour, 3), 3u);
  EXPECT_EQ(Values(w), (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(w.Add("e", kT0 + seconds(5), kHour, 3), 3u);
  EXPECT_EQ(Values(w), (std::vector<std::string>{"a", "d", "e"}));
}

TEST(DistinctWindowTest, AFloodOfValuesCostsNoMoreThanTheCap) {
  DistinctWindow w;
  for (int i = 0; i < 10000; ++i) {
    w.Add("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), kT0 + nanoseconds(i),
          kHour, 40);
  }
  EXPECT_EQ(w.entries().size(), 40u);
  EXPECT_EQ(w.CountAt(kT0 + seconds(1), kHour), 40u);
}

TEST(DistinctWindowTest, ACapOfZeroKeepsOneValue) {
  DistinctWindow w;
  EXPECT_EQ(w.Add("a", kT0, kHour, 0), 1u);
  EXPECT_EQ(w.Add("b", kT0 + seconds(1), kHour, 0), 1u);
  EXPECT_EQ(Values(w), (std::vector<std::string>{"b"}));
}

TEST(DistinctWindowTest, ExpireDropsValuesNotSeenWithinTheWindow) {
  DistinctWindow w;
  w.Add("a", kT0, kHour, kCap);
  w.Add("b", kT0 + minutes(30), kHour, kCap);
  EXPECT_FALSE(w.Expire(kT0 + kHour - nanoseconds(1), kHour));
  EXPECT_EQ(w.entries().size(), 2u);
  EXPECT_FALSE(w.Expire(kT0 + kHour, kHour));
  EXPECT_EQ(Values(w), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(w.Expire(kT0 + minutes(90), kHour));
  EXPECT_TRUE(w.entries().empty());
}

TEST(DistinctWindowTest, FirstAtIsTheOldestFirstSightingStillInTheWindowClippedToItsStart) {
  DistinctWindow w;
  w.Add("a", kT0, kHour, kCap);
  w.Add("b", kT0 + minutes(10), kHour, kCap);
  EXPECT_EQ(w.FirstAt(kT0 + minutes(10), kHour), kT0);
  // a keeps being used: its first sighting is older than the window, so the window's start.
  w.Add("a", kT0 + minutes(50), kHour, kCap);
  EXPECT_EQ(w.FirstAt(kT0 + minutes(70), kHour), kT0 + minutes(10));
  EXPECT_EQ(w.FirstAt(kT0 + minutes(100), kHour), kT0 + minutes(40));
  // Nothing in the window: now.
  EXPECT_EQ(w.FirstAt(kT0 + hours(5), kHour), kT0 + hours(5));
}

TEST(DistinctWindowTest, AValueBackAfterItsWindowEndedStartsANewRun) {
  DistinctWindow w;
  w.Add("a", kT0, kHour, kCap);
  w.Add("a", kT0 + hours(2), kHour, kCap);
  ASSERT_EQ(w.entries().size(), 1u);
  EXPECT_EQ(w.entries()[0].first, kT0 + hours(2));
  EXPECT_EQ(w.entries()[0].last, kT0 + hours(2));
  EXPECT_EQ(w.FirstAt(kT0 + hours(2), kHour), kT0 + hours(2));
}

TEST(DistinctWindowTest, FromEntriesRebuildsTheSameCounts) {
  DistinctWindow w;
  w.Add("a", kT0, kHour, kCap);
  w.Add("b", kT0 + minutes(20), kHour, kCap);
  w.Add("a", kT0 + minutes(40), kHour, kCap);
  DistinctWindow copy = DistinctWindow::FromEntries(w.entries());
  EXPECT_EQ(copy.entries(), w.entries());
  for (core::Duration at : {minutes(40), minutes(79), minutes(80), minutes(99), minutes(100)}) {
    EXPECT_EQ(copy.CountAt(kT0 + at, kHour), w.CountAt(kT0 + at, kHour)) << at.count();
    EXPECT_EQ(copy.FirstAt(kT0 + at, kHour), w.FirstAt(kT0 + at, kHour)) << at.count();
  }
  EXPECT_EQ(copy.Add("c", kT0 + minutes(85), kHour, kCap), 2u);
}

TEST(DistinctWindowTest, IPv4BitsAndOtherTextsComeBackAsTheyCameInTheirOrder) {
  DistinctWindow w;
  const std::vector<std::string> in = {"203.0.113.5", "2001:db8::5",     "0.0.0.0",
                                       "unknown",     "255.255.255.255", "10.0.0.1"};
  for (std::size_t i = 0; i < in.size(); ++i) w.Add(in[i], kT0 + seconds(i), kHour, kCap);
  std::vector<DistinctEntry> got = w.entries();
  ASSERT_EQ(got.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(got[i].value, in[i]);
    EXPECT_EQ(got[i].last, kT0 + seconds(i));
  }
  EXPECT_EQ(DistinctWindow::FromEntries(got).entries(), got);
  // Text that only looks like an address is text: "010.0.0.1" is not 10.0.0.1.
  EXPECT_EQ(w.Add("010.0.0.1", kT0 + seconds(9), kHour, kCap), 7u);
  EXPECT_EQ(w.entries().back().value, "010.0.0.1");
}

TEST(DistinctWindowTest, ReplacingAndExpiringTextsKeepsTheOthersRight) {
  DistinctWindow w;
  w.Add("2001:db8::1", kT0, kHour, 3);               // the oldest: replaced first
  w.Add("2001:db8::2", kT0 + seconds(1), kHour, 3);  // a text whose index moves down
  w.Add("192.0.2.1", kT0 + seconds(2), kHour, 3);
  w.Add("2001:db8::3", kT0 + seconds(3), kHour, 3);  // full: 2001:db8::1 goes
  std::vector<std::string> want = {"192.0.2.1", "2001:db8::2", "2001:db8::3"};
  EXPECT_EQ(Values(w), want);
  EXPECT_EQ(w.Add("2001:db8::2", kT0 + seconds(4), kHour, 3), 3u);  // still found
  // 192.0.2.1 and 2001:db8::3 leave the window; 2001:db8::2, seen at +4s, stays.
  EXPECT_FALSE(w.Expire(kT0 + kHour + seconds(3), kHour));
  EXPECT_EQ(Values(w), std::vector<std::string>{"2001:db8::2"});
  EXPECT_EQ(w.Add("2001:db8::2", kT0 + kHour + seconds(5), kHour, 3), 1u);
  EXPECT_EQ(w.Add("2001:db8::9", kT0 + kHour + seconds(6), kHour, 3), 2u);
  EXPECT_EQ(Values(w), (std::vector<std::string>{"2001:db8::2", "2001:db8::9"}));
}

}  // namespace
}  // namespace relaywatch::detect
