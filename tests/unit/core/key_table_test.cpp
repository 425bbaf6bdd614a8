#include "relaywatch/core/key_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace relaywatch::core {
namespace {

TEST(KeyTableTest, FindsWhatWasInsertedWithItsKeyAndValue) {
  KeyTable<int> t;
  EXPECT_EQ(t.Find("dan@example.com"), nullptr);  // empty: no slots yet
  KeyTable<int>::Entry* dan = t.Insert("dan@example.com");
  EXPECT_EQ(dan->value, 0);  // value-initialised
  dan->value = 7;
  t.Insert("")->value = 1;  // the empty key is a key like any other
  EXPECT_EQ(t.size(), 2u);
  ASSERT_EQ(t.Find("dan@example.com"), dan);
  EXPECT_EQ(dan->key(), "dan@example.com");
  EXPECT_EQ(t.Find("dan@example.co"), nullptr);
  EXPECT_EQ(t.Find("DAN@example.com"), nullptr);
  ASSERT_NE(t.Find(""), nullptr);
  EXPECT_EQ(t.Find("")->value, 1);
}

TEST(KeyTableTest, EntriesStayPutWhileTheTableGrows) {
  KeyTable<std::string> t;
  std::vector<KeyTable<std::string>::Entry*> entries;
  for (int i = 0; i < 5000; ++i) {
    entries.push_back(t.Insert("user" + std::to_string(i) + "@example.com"));
    entries.back()->value = std::to_string(i);
  }
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(t.Find("user" + std::to_string(i) + "@example.com"), entries[i]);
    EXPECT_EQ(entries[i]->value, std::to_string(i));
  }
}

TEST(KeyTableTest, TakeHandsTheEntryBackWithItsValueAndReuseKeepsIt) {
  KeyTable<int> t;
  auto* e = t.Insert("a-rather-long-login-name@example.com");  // 36 bytes: room for 64
  EXPECT_EQ(e->capacity(), 64u);
  e->value = 41;
  KeyTable<int>::Owned taken = t.Take(e);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Find("a-rather-long-login-name@example.com"), nullptr);
  EXPECT_EQ(taken.get(), e);
  EXPECT_EQ(taken->value, 41);
  // A key that fits: the same memory, its value as the caller left it, `taken` emptied.
  auto* again = t.Insert("bob@example.com", &taken);
  EXPECT_EQ(again, e);
  EXPECT_EQ(taken, nullptr);
  EXPECT_EQ(again->value, 41);
  EXPECT_EQ(again->key(), "bob@example.com");
  // One that does not: a new entry, and the one offered is left with the caller, whole (whoever
  // still points at it decides when it goes).
  KeyTable<int>::Owned small = t.Take(again);
  auto* longer = t.Insert(std::string(65, 'x') + "@example.com", &small);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small.get(), e);
  EXPECT_EQ(small->value, 41);
  EXPECT_EQ(small->key(), "bob@example.com");
  EXPECT_NE(longer, e);
  EXPECT_EQ(longer->value, 0);
  EXPECT_EQ(t.size(), 1u);
}

TEST(KeyTableTest, TakingAnEntryOfAnotherTableIsAnError) {
  KeyTable<int> a, b;
  a.Insert("dan@example.com");
  auto* other = b.Insert("dan@example.com");
  EXPECT_THROW(a.Take(other), std::logic_error);
}

// Keys that all share their hash's low bits (as report's shards' Keys do: a shard takes the keys
// whose hash modulo the number of shards is its own) spread over the table like any others.
TEST(KeyTableTest, KeysSharingTheirHashsLowBitsStillSpreadOverTheSlots) {
  KeyTable<int> t;
  std::size_t n = 0;
  for (int i = 0; n < 3000; ++i) {
    const std::string key = "user" + std::to_string(i) + "@example.com";
    if (KeyTable<int>::Hash(key) % 8 != 0) continue;
    t.Insert(key)->value = i;
    ++n;
  }
  // Linear probing at this load (3000 in 4096 slots) reads about 2.4 slots per key found when
  // keys start anywhere; with the hash's low bits as the home, only one slot in 8 could be a
  // home and the runs would be several times that.
  double probes = 0;
  for (int i = 0, found = 0; found < 3000; ++i) {
    const std::string key = "user" + std::to_string(i) + "@example.com";
    if (KeyTable<int>::Hash(key) % 8 != 0) continue;
    ASSERT_NE(t.Find(key), nullptr) << key;
    probes += static_cast<double>(t.Probes(key));
    ++found;
  }
  EXPECT_LT(probes / 3000, 3.5);
}

// Inserts and takes at random against std::map, in small tables where probes run into each
// other and wrap around the end: after every take, every key left must still be found (linear
// probing's backward shift may not strand one behind a hole) and no taken one.
TEST(KeyTableTest, AgreesWithAMapOverRandomInsertsAndTakes) {
  std::mt19937 rng(20261207);
  for (int round = 0; round < 40; ++round) {
    KeyTable<int> t;
    KeyTable<int>::Owned spare;
    std::map<std::string, int> want;
    const int keys = 4 + round * 3;
    for (int step = 0; step < 3000; ++step) {
      std::string key = "k" + std::to_string(rng() % keys);
      if (auto it = want.find(key); it != want.end() && rng() % 2 == 0) {
        KeyTable<int>::Entry* e = t.Find(key);
        ASSERT_NE(e, nullptr) << key;
        KeyTable<int>::Owned taken = t.Take(e);
        EXPECT_EQ(taken->value, it->second);
        if (rng() % 2 == 0) spare = std::move(taken);  // offered to a later insert
        want.erase(it);
      } else if (it == want.end()) {
        t.Insert(key, &spare)->value = step;
        want[key] = step;
      }
      ASSERT_EQ(t.size(), want.size());
      for (const auto& [k, v] : want) {
        KeyTable<int>::Entry* e = t.Find(k);
        ASSERT_NE(e, nullptr) << "round " << round << " step " << step << " lost " << k;
        ASSERT_EQ(e->value, v);
      }
    }
    std::set<std::string> seen;
    t.ForEach([&](const KeyTable<int>::Entry& e) { seen.insert(std::string(e.key())); });
    EXPECT_EQ(seen.size(), want.size());
    for (const auto& [k, v] : want) EXPECT_TRUE(seen.contains(k)) << k;
  }
}

}  // namespace
}  // namespace relaywatch::core
