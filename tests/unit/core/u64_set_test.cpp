#include "relaywatch/core/u64_set.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_set>

namespace relaywatch::core {
namespace {

TEST(U64SetTest, CountsEachValueOnce) {
  U64Set s;
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.insert(42));
  EXPECT_FALSE(s.insert(42));
  EXPECT_TRUE(s.insert(7));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_TRUE(s.contains(42));
  EXPECT_FALSE(s.contains(8));
}

TEST(U64SetTest, ZeroIsAValueLikeAnyOther) {
  U64Set s;
  EXPECT_FALSE(s.contains(0));
  EXPECT_TRUE(s.insert(0));
  EXPECT_FALSE(s.insert(0));
  EXPECT_TRUE(s.contains(0));
  EXPECT_EQ(s.size(), 1u);
}

TEST(U64SetTest, AgreesWithUnorderedSetThroughManyGrowths) {
  // Small integers, collisions in the low bits and random hashes, as IP hashes and counters give.
  std::mt19937_64 rnd(7);
  U64Set s;
  std::unordered_set<std::uint64_t> want;
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t v = i % 3 == 0 ? rnd() : i % 3 == 1 ? (rnd() % 5000) : (rnd() % 64) << 40;
    EXPECT_EQ(s.insert(v), want.insert(v).second) << v;
  }
  EXPECT_EQ(s.size(), want.size());
  for (std::uint64_t v : want) ASSERT_TRUE(s.contains(v)) << v;
  std::size_t absent = 0;
  for (std::uint64_t v = 5000; v < 6000; ++v) absent += !want.count(v) && !s.contains(v);
  EXPECT_EQ(absent, 1000u);  // none of 5000..5999 was put in (the small ones stop at 4999)
}

}  // namespace
TEST(U32SetTest, HoldsEvery32BitValueOnce) {
  U32Set s;
  for (std::uint32_t v = 0; v < 5000; ++v) EXPECT_TRUE(s.insert(v * 4u));
  for (std::uint32_t v = 0; v < 5000; ++v) EXPECT_FALSE(s.insert(v * 4u));
  EXPECT_EQ(s.size(), 5000u);
  EXPECT_TRUE(s.contains(0u));
  EXPECT_TRUE(s.insert(0xFFFFFFFFu));
  EXPECT_TRUE(s.contains(0xFFFFFFFFu));
  EXPECT_FALSE(s.contains(1u));
}

}  // namespace relaywatch::core
