#include "relaywatch/detect/memory_window_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "relaywatch/core/key_table.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const core::Timestamp kMidnight = core::Timestamp(seconds(1795824000));
constexpr core::Duration kHour = hours(1);
constexpr core::Duration kDay = hours(24);

using TopList = std::vector<std::pair<std::string, std::uint64_t>>;

TEST(MemoryWindowStoreTest, AddReturnsTheCountAndFirstAtTheOldestCountedStamp) {
  MemoryWindowStore store;
  const std::string_view bob = "bob@example.com";
  EXPECT_EQ(store.Add(0, bob, kMidnight + seconds(5), 1, kHour), 1u);
  EXPECT_EQ(store.FirstAt(0, bob, kMidnight + seconds(5), kHour), kMidnight + seconds(5));
  EXPECT_EQ(store.Add(0, bob, kMidnight + minutes(30), 2, kHour), 3u);
  EXPECT_EQ(store.FirstAt(0, bob, kMidnight + minutes(30), kHour), kMidnight + seconds(5));
  EXPECT_EQ(store.Add(0, bob, kMidnight + minutes(61), 1, kHour), 3u);
  EXPECT_EQ(store.FirstAt(0, bob, kMidnight + minutes(61), kHour), kMidnight + minutes(30));
  // A line older than the newest (two services merged): the window still ends at the newest.
  EXPECT_EQ(store.Add(0, bob, kMidnight + minutes(60), 1, kHour), 4u);
  EXPECT_EQ(store.FirstAt(0, bob, kMidnight + minutes(60), kHour), kMidnight + minutes(30));
  EXPECT_EQ(store.FirstAt(1, bob, kMidnight, kHour), kMidnight);  // nothing counted: "now"
}

// The slices of a window, oldest first: {index, count} pairs set, the rest zero.
std::vector<std::uint32_t> Slices(std::vector<std::pair<std::size_t, std::uint32_t>> set) {
  std::vector<std::uint32_t> out(kSlices, 0);
  for (auto [i, n] : set) out[i] = n;
  return out;
}

TEST(MemoryWindowStoreTest, SliceCountsEndInNowsSliceAndSumToTheCount) {
  MemoryWindowStore store;
  const std::string_view bob = "bob@example.com";
  EXPECT_TRUE(store.SliceCounts(0, bob, kMidnight, kHour).empty());  // unknown key
  store.Add(0, bob, kMidnight + seconds(5), 1, kHour);
  EXPECT_EQ(store.SliceCounts(0, bob, kMidnight + seconds(5), kHour), Slices({{59, 1}}));
  store.Add(0, bob, kMidnight + minutes(30), 2, kHour);
  store.Add(0, bob, kMidnight + minutes(30) + seconds(59), 4, kHour);
  EXPECT_EQ(store.SliceCounts(0, bob, kMidnight + minutes(30), kHour), Slices({{29, 1}, {59, 6}}));
  // At 01:00:10 the 00:00 slice is still counted (bucket_window.h): in the oldest entry.
  const core::Timestamp t = kMidnight + hours(1) + seconds(10);
  EXPECT_EQ(store.Add(0, bob, t, 3, kHour), 10u);
  EXPECT_EQ(store.SliceCounts(0, bob, t, kHour), Slices({{0, 1}, {29, 6}, {59, 3}}));
  // A line older than the newest: the slices still end at the newest, as the count does.
  EXPECT_EQ(store.Add(0, bob, t - minutes(10), 1, kHour), 11u);
  EXPECT_EQ(store.SliceCounts(0, bob, t - minutes(10), kHour),
            Slices({{0, 1}, {29, 6}, {49, 1}, {59, 3}}));
  // A slice's count saturates.
  store.Add(1, bob, kMidnight, 5000000000u, kDay);
  EXPECT_EQ(store.SliceCounts(1, bob, kMidnight, kDay), Slices({{59, 4294967295u}}));
}

TEST(MemoryWindowStoreTest, SliceCountsOfDistinctValuesAreByTheirLastStamp) {
  MemoryWindowStore store;
  const std::string_view bob = "bob@example.com";
  store.AddDistinct(0, bob, "192.0.2.1", kMidnight + minutes(1), kHour, 10);
  store.AddDistinct(0, bob, "192.0.2.2", kMidnight + minutes(2), kHour, 10);
  store.AddDistinct(0, bob, "192.0.2.1", kMidnight + minutes(5), kHour, 10);
  EXPECT_EQ(store.AddDistinct(0, bob, "192.0.2.3", kMidnight + minutes(5), kHour, 10), 3u);
  EXPECT_EQ(store.SliceCounts(0, bob, kMidnight + minutes(5), kHour), Slices({{56, 1}, {59, 2}}));
  // 59 minutes on: the 00:02 address is in the oldest entry, the others too.
  EXPECT_EQ(store.SliceCounts(0, bob, kMidnight + minutes(61), kHour), Slices({{0, 1}, {3, 2}}));
}

TEST(MemoryWindowStoreTest, KeysAndRulesAreCountedApart) {
  MemoryWindowStore store;
  store.Add(0, "bob@example.com", kMidnight, 1, kHour);
  store.Add(0, "Bob@example.com", kMidnight, 1, kHour);
  store.Add(1, "bob@example.com", kMidnight, 5, kDay);
  EXPECT_EQ(store.Count(0, "bob@example.com", kMidnight, kHour), 1u);
  EXPECT_EQ(store.Count(0, "Bob@example.com", kMidnight, kHour), 1u);
  EXPECT_EQ(store.Count(1, "bob@example.com", kMidnight, kDay), 5u);
  EXPECT_EQ(store.KeyCount(), 3u);
}

TEST(MemoryWindowStoreTest, AnUnknownKeyOrRuleCountsZero) {
  MemoryWindowStore store;
  store.Add(0, "bob@example.com", kMidnight, 1, kHour);
  EXPECT_EQ(store.Count(0, "alice@example.com", kMidnight, kHour), 0u);
  EXPECT_EQ(store.Count(7, "bob@example.com", kMidnight, kHour), 0u);
  EXPECT_TRUE(store.TopKeys(7, kMidnight, kHour, 5).empty());
  EXPECT_TRUE(store.Export(7).empty());
}

TEST(MemoryWindowStoreTest, AKeyHoldsWindowsUpToTheHighestRuleThatCountedIt) {
  MemoryWindowStore store;
  EXPECT_EQ(store.Add(3, "ip:192.0.2.44", kMidnight, 1, kHour), 1u);
  EXPECT_EQ(store.Count(3, "ip:192.0.2.44", kMidnight, kHour), 1u);
  EXPECT_EQ(store.Add(1, "ip:192.0.2.44", kMidnight, 2, kHour), 2u);  // a lower rule: no regrowth
  EXPECT_EQ(store.Count(3, "ip:192.0.2.44", kMidnight, kHour), 1u);
  EXPECT_EQ(store.Count(5, "ip:192.0.2.44", kMidnight, kHour), 0u);  // beyond: nothing, no growth
  EXPECT_EQ(store.KeyCount(), 2u);
}

TEST(MemoryWindowStoreTest, AddDistinctCountsDistinctValuesPerKey) {
  MemoryWindowStore store;
  EXPECT_EQ(store.AddDistinct(0, "tom@example.com", "2001:db8::5", kMidnight, kHour, 16), 1u);
  EXPECT_EQ(
      store.AddDistinct(0, "tom@example.com", "2001:db8::5", kMidnight + seconds(1), kHour, 16),
      1u);
  EXPECT_EQ(store.AddDistinct(0, "tom@example.com", "::ffff:198.51.100.7", kMidnight + seconds(2),
                              kHour, 16),
            2u);
  EXPECT_EQ(store.FirstAt(0, "tom@example.com", kMidnight + seconds(2), kHour), kMidnight);
  EXPECT_EQ(store.Count(0, "tom@example.com", kMidnight + seconds(3), kHour), 2u);
  EXPECT_EQ(store.Count(0, "tom@example.com", kMidnight + hours(2), kHour), 0u);
}

TEST(MemoryWindowStoreTest, ExpireForgetsKeysWhoseWindowIsEmpty) {
  // Rules: 0 an hourly volume, 1 an hourly remote-ips, 2 a daily volume.
  MemoryWindowStore store;
  store.Add(0, "old@example.com", kMidnight, 1, kHour);
  store.Add(0, "new@example.com", kMidnight + minutes(50), 1, kHour);
  store.AddDistinct(1, "old@example.com", "203.0.113.5", kMidnight, kHour, 16);
  store.Add(2, "day@example.com", kMidnight, 1, kDay);
  EXPECT_EQ(store.KeyCount(), 4u);
  store.Expire(kMidnight + minutes(61), {kHour, kHour, kDay});
  // old@ fell out of both hour windows; day@ lives in a day window.
  EXPECT_EQ(store.KeyCount(), 2u);
  EXPECT_EQ(store.Count(0, "new@example.com", kMidnight + minutes(61), kHour), 1u);
  EXPECT_EQ(store.Count(2, "day@example.com", kMidnight + minutes(61), kDay), 1u);
  ASSERT_EQ(store.Export(0).size(), 1u);
  EXPECT_EQ(store.Export(0)[0].key, "new@example.com");
  EXPECT_TRUE(store.Export(1).empty());
  store.Expire(kMidnight + hours(26), {kHour, kHour, kDay});
  EXPECT_EQ(store.KeyCount(), 0u);
}

TEST(MemoryWindowStoreTest, TopKeysAreHighestFirstThenByNameAndSkipEmptyWindows) {
  MemoryWindowStore store;
  store.Add(0, "c@example.com", kMidnight, 3, kHour);
  store.Add(0, "a@example.com", kMidnight, 5, kHour);
  store.Add(0, "b@example.com", kMidnight, 3, kHour);
  store.Add(0, "gone@example.com", kMidnight - hours(3), 9, kHour);
  store.Add(0, "d@example.com", kMidnight, 1, kHour);
  EXPECT_EQ(store.TopKeys(0, kMidnight, kHour, 3),
            (TopList{{"a@example.com", 5}, {"b@example.com", 3}, {"c@example.com", 3}}));
  EXPECT_EQ(
      store.TopKeys(0, kMidnight, kHour, 10),
      (TopList{
          {"a@example.com", 5}, {"b@example.com", 3}, {"c@example.com", 3}, {"d@example.com", 1}}));
  EXPECT_TRUE(store.TopKeys(0, kMidnight, kHour, 0).empty());
}

TEST(MemoryWindowStoreTest, ExportIsSortedByKeyAndImportRestoresTheSameCounts) {
  MemoryWindowStore store;
  store.Add(0, "zed@example.com", kMidnight + seconds(1), 2, kHour);
  store.Add(0, "amy@example.com", kMidnight + minutes(5), 1, kHour);
  store.Add(0, "amy@example.com", kMidnight + minutes(35), 4, kHour);
  store.AddDistinct(1, "amy@example.com", "203.0.113.5", kMidnight + minutes(3), kHour, 16);
  store.AddDistinct(1, "amy@example.com", "203.0.113.6", kMidnight + minutes(4), kHour, 16);

  const std::vector<KeyWindowState> rule0 = store.Export(0);
  ASSERT_EQ(rule0.size(), 2u);
  EXPECT_EQ(rule0[0].key, "amy@example.com");
  EXPECT_EQ(rule0[1].key, "zed@example.com");
  EXPECT_EQ(rule0[0].buckets.size(), 2u);
  EXPECT_TRUE(rule0[0].distinct.empty());
  const std::vector<KeyWindowState> rule1 = store.Export(1);
  ASSERT_EQ(rule1.size(), 1u);
  EXPECT_EQ(rule1[0].distinct.size(), 2u);
  EXPECT_TRUE(rule1[0].buckets.empty());

  MemoryWindowStore restored;
  restored.Import(0, rule0, 0);
  restored.Import(1, rule1, 0);
  EXPECT_EQ(restored.Export(0), rule0);
  EXPECT_EQ(restored.Export(1), rule1);
  EXPECT_EQ(restored.KeyCount(), 3u);
  for (core::Duration at : {minutes(35), minutes(61), minutes(66)}) {
    EXPECT_EQ(restored.Count(0, "amy@example.com", kMidnight + at, kHour),
              store.Count(0, "amy@example.com", kMidnight + at, kHour));
    EXPECT_EQ(restored.Count(1, "amy@example.com", kMidnight + at, kHour),
              store.Count(1, "amy@example.com", kMidnight + at, kHour));
  }
  // The restored window carries on where the old one was.
  EXPECT_EQ(restored.Add(0, "amy@example.com", kMidnight + minutes(40), 1, kHour), 6u);
  EXPECT_EQ(store.Add(0, "amy@example.com", kMidnight + minutes(40), 1, kHour), 6u);
}

TEST(MemoryWindowStoreTest, ImportReplacesWhatTheRuleHeld) {
  MemoryWindowStore store;
  store.Add(0, "stale@example.com", kMidnight, 1, kHour);
  store.Import(
      0,
      {KeyWindowState{"bob@example.com", {Bucket{SliceIndex(kMidnight, kHour), 7, kMidnight}}, {}}},
      0);
  EXPECT_EQ(store.Count(0, "stale@example.com", kMidnight, kHour), 0u);
  EXPECT_EQ(store.Count(0, "bob@example.com", kMidnight, kHour), 7u);
  EXPECT_EQ(store.KeyCount(), 1u);
}

// The store remembers the key each rule looked up last; whatever drops or replaces that key's
// window must not leave the next Add counting into the old one.
TEST(MemoryWindowStoreTest, AKeyAddedAgainAfterExpireOrImportStartsFromItsNewWindow) {
  MemoryWindowStore store;
  store.Add(0, "bob@example.com", kMidnight, 5, kHour);
  store.Expire(kMidnight + hours(2), {kHour, kHour});
  EXPECT_EQ(store.KeyCount(), 0u);
  EXPECT_EQ(store.Add(0, "bob@example.com", kMidnight + hours(2), 1, kHour), 1u);
  EXPECT_EQ(store.KeyCount(), 1u);  // held again, not written into the forgotten window
  ASSERT_EQ(store.Export(0).size(), 1u);
  EXPECT_EQ(store.Export(0)[0].buckets.size(), 1u);

  store.Import(
      0,
      {KeyWindowState{"bob@example.com",
                      {Bucket{SliceIndex(kMidnight + hours(2), kHour), 7, kMidnight + hours(2)}},
                      {}}},
      0);
  EXPECT_EQ(store.Add(0, "bob@example.com", kMidnight + hours(2), 1, kHour), 8u);
  EXPECT_EQ(store.Export(0)[0].buckets[0].count, 8u);
}

TEST(MemoryWindowStoreTest, ConsecutiveLinesOfOneKeyAndInterleavedKeysCountTheSame) {
  MemoryWindowStore store;
  const std::vector<std::string> keys = {"a@example.com", "a@example.com", "b@example.com",
                                         "a@example.com", "b@example.com", "b@example.com"};
  std::vector<std::uint64_t> got;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    got.push_back(store.Add(0, keys[i], kMidnight + seconds(i), 1, kHour));
  }
  EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 1, 3, 2, 3}));
}

// A Key kept busy by one rule still loses, at a sweep, the window of a rule that no longer
// counts it: status's key count and the checkpoint hold only live windows.
TEST(MemoryWindowStoreTest, ASweepDropsTheEmptyWindowOfAKeyBusyUnderAnotherRule) {
  MemoryWindowStore store;
  store.Add(1, "bob@example.com", kMidnight, 1, kHour);
  for (int m = 0; m <= 180; m += 10)
    store.Add(0, "bob@example.com", kMidnight + minutes(m), 1, kHour);
  store.Expire(kMidnight + minutes(180), {kHour, kHour});
  EXPECT_EQ(store.Count(1, "bob@example.com", kMidnight + minutes(180), kHour), 0u);
  EXPECT_EQ(store.KeyCount(), 1u);
  EXPECT_TRUE(store.Export(1).empty());
  EXPECT_EQ(store.Export(0).size(), 1u);
}

TEST(MemoryWindowStoreTest, SweepsEveryQuarterKeepABusyKeyAndDropEachIdleOneOnce) {
  // As the Detector sweeps an hourly rule: every 15 minutes. busy@ sends every 10 minutes for
  // five hours, from a new address each time; idle@ sends once an hour and a half. `unswept`
  // counts the same lines with no sweep: a sweep never changes a count.
  MemoryWindowStore store, unswept;
  for (int m = 0; m <= 300; m += 5) {
    const core::Timestamp t = kMidnight + minutes(m);
    for (MemoryWindowStore* s : {&store, &unswept}) {
      if (m % 10 == 0) {
        s->Add(0, "busy@example.com", t, 1, kHour);
        s->AddDistinct(1, "busy@example.com", "192.0.2." + std::to_string(m / 10), t, kHour, 64);
      }
      if (m % 90 == 0) s->Add(0, "idle" + std::to_string(m) + "@example.com", t, 1, kHour);
    }
    if (m % 15 == 0) store.Expire(t, {kHour, kHour});
    for (std::size_t rule : {0u, 1u}) {
      ASSERT_EQ(store.Count(rule, "busy@example.com", t, kHour),
                unswept.Count(rule, "busy@example.com", t, kHour))
          << "minute " << m;
    }
    ASSERT_GE(store.Count(1, "busy@example.com", t, kHour), std::min(m, 50) / 10u);
  }
  // At 5:00 the idle keys of 0:00, 1:30 and 3:00 are gone; 4:30's is in its hour still.
  const core::Timestamp end = kMidnight + minutes(300);
  EXPECT_EQ(store.Count(0, "idle270@example.com", end, kHour), 1u);
  EXPECT_EQ(store.KeyCount(), 3u);  // busy@ under both rules, idle270@
  // The busy key's addresses are trimmed to about its window, not all fifty kept.
  ASSERT_EQ(store.Export(1).size(), 1u);
  EXPECT_LE(store.Export(1)[0].distinct.size(), 16u);
  store.Expire(kMidnight + hours(7), {kHour, kHour});
  EXPECT_EQ(store.KeyCount(), 0u);
}

TEST(MemoryWindowStoreTest, ImportedKeysAreSweptByTheirNewestStamp) {
  MemoryWindowStore first;
  first.Add(0, "late@example.com", kMidnight + minutes(50), 1, kHour);
  first.Add(0, "early@example.com", kMidnight, 1, kHour);
  MemoryWindowStore store;
  store.Import(0, first.Export(0), 0);
  store.Expire(kMidnight + minutes(70), {kHour});
  EXPECT_EQ(store.KeyCount(), 1u);
  EXPECT_EQ(store.Count(0, "late@example.com", kMidnight + minutes(70), kHour), 1u);
  store.Expire(kMidnight + minutes(115), {kHour});
  EXPECT_EQ(store.KeyCount(), 0u);
}

TEST(MemoryWindowStoreTest, AnEvictedKeyCountedAgainIsSweptOnce) {
  MemoryWindowStore store;
  store.SetMaxKeys({1});
  store.Add(0, "a@example.com", kMidnight, 1, kHour);
  store.Add(0, "b@example.com", kMidnight + minutes(1), 1, kHour);  // evicts a@
  store.Add(0, "a@example.com", kMidnight + minutes(2), 1, kHour);  // evicts b@
  EXPECT_EQ(store.Evicted(0), 2u);
  EXPECT_EQ(store.KeyCount(), 1u);
  store.Expire(kMidnight + minutes(61), {kHour});
  EXPECT_EQ(store.Count(0, "a@example.com", kMidnight + minutes(61), kHour), 1u);
  store.Expire(kMidnight + minutes(63), {kHour});
  EXPECT_EQ(store.KeyCount(), 0u);
  EXPECT_EQ(store.RuleKeyCount(0), 0u);
  store.Add(0, "b@example.com", kMidnight + minutes(64), 1, kHour);
  EXPECT_EQ(store.RuleKeyCount(0), 1u);
  EXPECT_EQ(store.Evicted(0), 2u);
}

// An evicted Key's row goes to the pool with its sweep entry still queued (stale). A new Key too
// long for that row's entry gets an entry of its own: the pooled one must stay until the queues
// are compacted, since the stale entry is read when the sweep reaches it (the sanitizer build
// saw it read after it was freed). Then the counts must be those of the live Keys only.
TEST(MemoryWindowStoreTest, ANewKeyTooLongForAnEvictedRowsEntryLeavesThatEntryToTheSweep) {
  MemoryWindowStore store;
  store.SetMaxKeys({1});
  EXPECT_EQ(store.Add(0, "a", kMidnight, 1, kHour), 1u);
  EXPECT_EQ(store.Add(0, "b", kMidnight + seconds(1), 1, kHour), 1u);  // evicts a
  const std::string longer = std::string(80, 'x') + "@example.com";
  EXPECT_EQ(store.Add(0, longer, kMidnight + seconds(2), 1, kHour), 1u);  // evicts b
  EXPECT_EQ(store.Evicted(0), 2u);
  for (int i = 0; i < 40; ++i) {  // more new keys, of both lengths, through the pool
    const std::string key = i % 2 ? "k" + std::to_string(i) : longer + std::to_string(i);
    EXPECT_EQ(store.Add(0, key, kMidnight + seconds(3 + i), 1, kHour), 1u);
  }
  EXPECT_EQ(store.RuleKeyCount(0), 1u);
  store.Expire(kMidnight + hours(3), {kHour});
  EXPECT_EQ(store.RuleKeyCount(0), 0u);
  EXPECT_EQ(store.KeyCount(), 0u);
  EXPECT_EQ(store.Add(0, "a", kMidnight + hours(3), 1, kHour), 1u);
}

// Prefetch is given KeyHash(key) once for all its stages, and the table files rows under
// KeyTable::Hash: the two must be one function. At kWindows it hands back the Key's annex.
TEST(MemoryWindowStoreTest, PrefetchTakesTheHashTheTableFilesUnderAndReturnsTheAnnexLast) {
  for (std::string_view key : {"", "a", "dan@example.com", "u19482@dom3.example"}) {
    EXPECT_EQ(WindowStore::KeyHash(key), core::KeyTable<int>::Hash(key)) << key;
  }
  MemoryWindowStore store;
  using Stage = WindowStore::PrefetchStage;
  const std::string_view dan = "dan@example.com";
  const std::uint64_t hash = WindowStore::KeyHash(dan);
  for (Stage s : {Stage::kIndex, Stage::kKey, Stage::kRow, Stage::kWindows}) {
    EXPECT_EQ(store.Prefetch(dan, hash, s), nullptr);  // an empty store: nothing to bring in
  }
  store.Add(0, dan, kMidnight, 1, kHour);
  store.AddDistinct(1, dan, "192.0.2.7", kMidnight, kHour, 16);
  int mine = 0;
  *store.AnnexOf(dan) = &mine;
  for (Stage s : {Stage::kIndex, Stage::kKey, Stage::kRow}) {
    EXPECT_EQ(store.Prefetch(dan, hash, s), nullptr);
  }
  EXPECT_EQ(store.Prefetch(dan, hash, Stage::kWindows), &mine);
  EXPECT_EQ(
      store.Prefetch("bob@example.com", WindowStore::KeyHash("bob@example.com"), Stage::kWindows),
      nullptr);
  EXPECT_EQ(store.Count(0, dan, kMidnight, kHour), 1u);  // a hint: no count changed
  EXPECT_EQ(store.Count(1, dan, kMidnight, kHour), 1u);
}

}  // namespace
}  // namespace relaywatch::detect
