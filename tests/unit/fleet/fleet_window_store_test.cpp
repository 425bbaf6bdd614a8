#include "relaywatch/fleet/fleet_window_store.h"

#include <gtest/gtest.h>

#include "relaywatch/detect/bucket_window.h"

namespace relaywatch::fleet {
namespace {

using namespace std::chrono_literals;

constexpr core::Duration kHour = 1h;
const core::Timestamp kT0{std::chrono::seconds(1'796'000'400)};  // a slice (1 min) start

FleetWindowStore Store() {
  return FleetWindowStore({{"v.3600", kHour, false}, {"ips.3600", kHour, true}});
}

std::int64_t Slice(core::Timestamp t) { return detect::SliceIndex(t, kHour); }

TEST(FleetWindowStore, CountsAreOwnPlusOthersAsLastReported) {
  FleetWindowStore s = Store();
  EXPECT_EQ(s.Add(0, "bob", kT0, 1, kHour), 1u);
  EXPECT_TRUE(s.Apply(CountReply{0, "bob", {{Slice(kT0), 200}, {Slice(kT0) - 1, 100}}, 301}));
  EXPECT_EQ(s.Count(0, "bob", kT0, kHour), 301u);
  EXPECT_EQ(s.OwnCount(0, "bob", kT0), 1u);
  EXPECT_EQ(s.Add(0, "bob", kT0 + 1s, 1, kHour), 302u);
  // The same answer again changes nothing: no recheck needed.
  EXPECT_FALSE(s.Apply(CountReply{0, "bob", {{Slice(kT0) - 1, 100}, {Slice(kT0), 200}}, 302}));
}

TEST(FleetWindowStore, OthersSlideOutOfTheWindowLikeOwnCounts) {
  FleetWindowStore s = Store();
  s.Add(0, "bob", kT0, 1, kHour);
  s.Apply(CountReply{0, "bob", {{Slice(kT0), 50}}, 51});
  EXPECT_EQ(s.Count(0, "bob", kT0 + 30min, kHour), 51u);
  // An hour and two slices later both the node's line and the others' are out.
  EXPECT_EQ(s.Count(0, "bob", kT0 + kHour + 2min, kHour), 0u);
}

TEST(FleetWindowStore, AnswersForKeysNotHeldAreIgnored) {
  FleetWindowStore s = Store();
  EXPECT_FALSE(s.Apply(CountReply{0, "nobody", {{Slice(kT0), 5}}, 5}));
  EXPECT_EQ(s.Count(0, "nobody", kT0, kHour), 0u);
  EXPECT_EQ(s.RemoteKeys(), 0u);
}

TEST(FleetWindowStore, TakeDirtySendsWholeWindowsOfKeysCountedSince) {
  FleetWindowStore s = Store();
  s.Add(0, "bob", kT0, 1, kHour);
  s.Add(0, "bob", kT0 + 1s, 1, kHour);
  s.Add(0, "bob", kT0 + 2min, 1, kHour);
  s.Add(0, "ann", kT0, 1, kHour);
  Batch b = s.TakeDirty(kT0 + 2min);
  ASSERT_EQ(b.counts.size(), 2u);
  const CountPush& bob = b.counts[0].key == "bob" ? b.counts[0] : b.counts[1];
  // Absolute counts per slice: sending them again is harmless.
  ASSERT_EQ(bob.slices.size(), 2u);
  EXPECT_EQ(bob.slices[0], std::make_pair(Slice(kT0), std::uint64_t{2}));
  EXPECT_EQ(bob.slices[1], std::make_pair(Slice(kT0 + 2min), std::uint64_t{1}));
  EXPECT_EQ(bob.oldest, Slice(kT0 + 2min) - detect::kSlices);
  EXPECT_TRUE(s.TakeDirty(kT0 + 2min).empty());  // nothing counted since
  s.Add(0, "bob", kT0 + 3min, 1, kHour);
  b = s.TakeDirty(kT0 + 3min);
  ASSERT_EQ(b.counts.size(), 1u);
  EXPECT_EQ(b.counts[0].slices.size(), 3u);  // the whole window again, not the one new line
}

TEST(FleetWindowStore, TakeAllSendsEveryWindowHeld) {
  FleetWindowStore s = Store();
  s.Add(0, "bob", kT0, 3, kHour);
  s.AddDistinct(1, "bob", "192.0.2.1", kT0, kHour, 16);
  s.AddDistinct(1, "bob", "192.0.2.2", kT0 + 1min, kHour, 16);
  (void)s.TakeDirty(kT0);
  Batch all = s.TakeAll(kT0 + 1min);
  ASSERT_EQ(all.counts.size(), 1u);
  EXPECT_EQ(all.counts[0].slices[0].second, 3u);
  ASSERT_EQ(all.distinct.size(), 1u);
  EXPECT_EQ(all.distinct[0].values.size(), 2u);
}

TEST(FleetWindowStore, DistinctIsTheUnionNotASum) {
  FleetWindowStore s = Store();
  EXPECT_EQ(s.AddDistinct(1, "bob", "192.0.2.1", kT0, kHour, 16), 1u);
  s.AddDistinct(1, "bob", "192.0.2.1", kT0 + 1s, kHour, 16);
  Batch b = s.TakeDirty(kT0 + 1s);
  ASSERT_EQ(b.distinct.size(), 1u);
  ASSERT_EQ(b.distinct[0].values.size(), 1u);  // one address, sent once
  EXPECT_EQ(b.distinct[0].values[0].first, "192.0.2.1");
  EXPECT_TRUE(s.Apply(DistinctReply{1, "bob", 7}));
  EXPECT_EQ(s.Count(1, "bob", kT0 + 1s, kHour), 7u);
  EXPECT_EQ(s.AddDistinct(1, "bob", "192.0.2.9", kT0 + 2s, kHour, 16), 7u);
}

TEST(FleetWindowStore, SliceCountsHoldTheOthersToo) {
  FleetWindowStore s = Store();
  s.Add(0, "bob", kT0, 1, kHour);
  s.Apply(CountReply{0, "bob", {{Slice(kT0), 4}, {Slice(kT0) - 10, 5}}, 10});
  std::vector<std::uint32_t> slices = s.SliceCounts(0, "bob", kT0, kHour);
  ASSERT_EQ(slices.size(), static_cast<std::size_t>(detect::kSlices));
  EXPECT_EQ(slices.back(), 5u);
  EXPECT_EQ(slices[slices.size() - 11], 5u);
  std::uint64_t sum = 0;
  for (auto n : slices) sum += n;
  EXPECT_EQ(sum, s.Count(0, "bob", kT0, kHour));
}

TEST(FleetWindowStore, TheCheckpointHoldsOnlyTheNodesOwnCounts) {
  FleetWindowStore s = Store();
  s.Add(0, "bob", kT0, 2, kHour);
  s.Apply(CountReply{0, "bob", {{Slice(kT0), 500}}, 502});
  std::vector<detect::KeyWindowState> saved = s.Export(0);
  ASSERT_EQ(saved.size(), 1u);
  ASSERT_EQ(saved[0].buckets.size(), 1u);
  EXPECT_EQ(saved[0].buckets[0].count, 2u);
  FleetWindowStore restored = Store();
  restored.Import(0, saved, 0);
  EXPECT_EQ(restored.Count(0, "bob", kT0, kHour), 2u);  // the others come back from Redis
  EXPECT_EQ(restored.TakeAll(kT0).counts.size(), 1u);
}

TEST(FleetWindowStore, ExpireForgetsKeysNeitherCountedHereNorByOthers) {
  FleetWindowStore s = Store();
  s.Add(0, "bob", kT0, 1, kHour);
  s.Apply(CountReply{0, "bob", {{Slice(kT0), 3}}, 4});
  (void)s.TakeDirty(kT0);
  s.Expire(kT0 + 30min, {kHour, kHour});
  EXPECT_EQ(s.RemoteKeys(), 1u);
  s.Expire(kT0 + 2 * kHour, {kHour, kHour});
  EXPECT_EQ(s.RemoteKeys(), 0u);
  EXPECT_EQ(s.KeyCount(), 0u);
}

}  // namespace
}  // namespace relaywatch::fleet

namespace relaywatch::fleet {
namespace {

TEST(PendingBatch, AKeysLaterWindowReplacesItsEarlierOne) {
  PendingBatch p;
  p.Add(Batch{{{0, "bob", 10, {{11, 1}}}, {0, "ann", 10, {{11, 4}}}}, {}});
  p.Add(Batch{{{0, "bob", 10, {{11, 1}, {12, 3}}}, {1, "bob", 5, {{6, 1}}}}, {}});
  EXPECT_EQ(p.size(), 3u);  // bob once for rule 0: its later, absolute window
  Batch b = p.Take();
  ASSERT_EQ(b.counts.size(), 3u);
  EXPECT_EQ(b.counts[0].key, "bob");
  EXPECT_EQ(b.counts[0].slices.size(), 2u);
  EXPECT_EQ(b.counts[1].key, "ann");
  EXPECT_EQ(b.counts[2].rule, 1u);
  EXPECT_TRUE(p.empty());
  p.Add(Batch{{{0, "bob", 10, {{11, 9}}}}, {}});  // a fresh start after Take
  EXPECT_EQ(p.Take().counts[0].slices[0].second, 9u);
}

TEST(PendingBatch, AddressesAddUpEachWithItsNewestSlice) {
  PendingBatch p;
  p.Add(Batch{{}, {{1, "bob", 10, {{"192.0.2.1", 11}}}}});
  p.Add(Batch{{}, {{1, "bob", 12, {{"192.0.2.2", 13}, {"192.0.2.1", 14}}}}});
  Batch b = p.Take();
  ASSERT_EQ(b.distinct.size(), 1u);
  EXPECT_EQ(b.distinct[0].oldest, 12);
  std::vector<std::pair<std::string, std::int64_t>> want = {{"192.0.2.1", 14}, {"192.0.2.2", 13}};
  EXPECT_EQ(b.distinct[0].values, want);
}

}  // namespace
}  // namespace relaywatch::fleet
