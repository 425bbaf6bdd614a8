// rules[].max_keys: a rule holds at most its cap of keys; a new key of a full rule evicts the
// idlest one (oldest newest stamp), counted per rule and in all. Keys are client-chosen (AUTH=,
// ip:ADDRESS), so this is what bounds a flood of forged logins.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detector_harness.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/detect/sample_book.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const core::Timestamp kT0 = core::Timestamp(seconds(1795824000));
constexpr core::Duration kHour = hours(1);

std::string Login(int i) { return "user" + std::to_string(i) + "@forged.example"; }

TEST(KeyCapTest, ANewKeyOfAFullRuleEvictsTheIdlestAndCountsIt) {
  MemoryWindowStore store;
  store.SetMaxKeys({3});
  store.Add(0, "a@example.com", kT0 + seconds(1), 1, kHour);
  store.Add(0, "b@example.com", kT0 + seconds(2), 1, kHour);
  store.Add(0, "c@example.com", kT0 + seconds(3), 1, kHour);
  store.Add(0, "a@example.com", kT0 + seconds(4), 1, kHour);  // a is no longer the idlest
  EXPECT_EQ(store.Evicted(), 0u);
  store.Add(0, "d@example.com", kT0 + seconds(5), 1, kHour);
  EXPECT_EQ(store.Evicted(), 1u);
  EXPECT_EQ(store.Evicted(0), 1u);
  EXPECT_EQ(store.RuleKeyCount(0), 3u);
  EXPECT_EQ(store.KeyCount(), 3u);
  EXPECT_EQ(store.Count(0, "b@example.com", kT0 + seconds(5), kHour), 0u);  // b was idlest
  EXPECT_EQ(store.Count(0, "a@example.com", kT0 + seconds(5), kHour), 2u);
  EXPECT_EQ(store.Count(0, "c@example.com", kT0 + seconds(5), kHour), 1u);
  EXPECT_EQ(store.Count(0, "d@example.com", kT0 + seconds(5), kHour), 1u);
  // Counting a key the rule holds evicts nothing.
  store.Add(0, "c@example.com", kT0 + seconds(6), 1, kHour);
  EXPECT_EQ(store.Evicted(), 1u);
  // Next: c was counted since, so a (4 s) goes before c (6 s) and d (5 s).
  store.Add(0, "e@example.com", kT0 + seconds(7), 1, kHour);
  EXPECT_EQ(store.Count(0, "a@example.com", kT0 + seconds(7), kHour), 0u);
  EXPECT_EQ(store.Count(0, "c@example.com", kT0 + seconds(7), kHour), 2u);
  EXPECT_EQ(store.Evicted(0), 2u);
}

// Idle is by event time: a line that arrives late (a slower source) with an old stamp leaves
// the key as idle as that stamp says.
TEST(KeyCapTest, IdleIsTheNewestStampCountedNotTheOrderOfArrival) {
  MemoryWindowStore store;
  store.SetMaxKeys({2});
  store.Add(0, "late@example.com", kT0 + seconds(10), 1, kHour);
  store.Add(0, "early@example.com", kT0 + seconds(20), 1, kHour);
  store.Add(0, "late@example.com", kT0 + seconds(5), 1, kHour);  // arrives last, stamped oldest
  store.Add(0, "new@example.com", kT0 + seconds(30), 1, kHour);
  EXPECT_EQ(store.Count(0, "late@example.com", kT0 + seconds(30), kHour), 0u);
  EXPECT_EQ(store.Count(0, "early@example.com", kT0 + seconds(30), kHour), 1u);
}

TEST(KeyCapTest, EachRuleHasItsOwnCapAndAKeyEvictedFromOneKeepsItsOtherWindows) {
  MemoryWindowStore store;
  store.SetMaxKeys({2, 0});  // rule 1: no cap
  for (int i = 0; i < 5; ++i) {
    store.Add(0, Login(i), kT0 + seconds(i), 1, kHour);
    store.Add(1, Login(i), kT0 + seconds(i), 1, kHour);
  }
  EXPECT_EQ(store.RuleKeyCount(0), 2u);
  EXPECT_EQ(store.RuleKeyCount(1), 5u);
  EXPECT_EQ(store.Evicted(0), 3u);
  EXPECT_EQ(store.Evicted(1), 0u);
  EXPECT_EQ(store.Count(0, Login(0), kT0 + seconds(5), kHour), 0u);
  EXPECT_EQ(store.Count(1, Login(0), kT0 + seconds(5), kHour), 1u);
  EXPECT_EQ(store.KeyCount(), 7u);
}

// The flood the cap is for: 200,000 distinct logins in one window through a rule capped at
// 1,000, while one real abuser keeps sending: the rule never holds more than 1,000 keys, and the
// abuser, never the idlest, keeps every recipient counted.
TEST(KeyCapTest, AFloodOfDistinctKeysStaysWithinTheCapAndTheBusyKeyKeepsItsCount) {
  MemoryWindowStore store;
  store.SetMaxKeys({1000});
  std::uint64_t abuser = 0;
  std::size_t most = 0;
  for (int i = 0; i < 200000; ++i) {
    const core::Timestamp t = kT0 + std::chrono::milliseconds(i);
    store.Add(0, Login(i), t, 1, kHour);
    if (i % 100 == 0) abuser = store.Add(0, "abuser@example.com", t, 1, kHour);
    most = std::max(most, store.RuleKeyCount(0));
  }
  EXPECT_EQ(most, 1000u);
  EXPECT_EQ(store.KeyCount(), 1000u);
  EXPECT_EQ(abuser, 2000u);
  EXPECT_EQ(store.Evicted(), 200000u + 1 - 1000u);
  // The survivors are the newest logins.
  EXPECT_EQ(store.Count(0, Login(199999), kT0 + seconds(200), kHour), 1u);
  EXPECT_EQ(store.Count(0, Login(1000), kT0 + seconds(200), kHour), 0u);
}

TEST(KeyCapTest, LoweringTheCapEvictsTheIdlestAtOnce) {
  MemoryWindowStore store;
  for (int i = 0; i < 10; ++i) store.Add(0, Login(i), kT0 + seconds(10 - i), 1, kHour);
  EXPECT_EQ(store.Evicted(), 0u);
  store.SetMaxKeys({4});
  EXPECT_EQ(store.RuleKeyCount(0), 4u);
  EXPECT_EQ(store.Evicted(0), 6u);
  for (int i = 0; i < 4; ++i) {  // stamped newest
    EXPECT_EQ(store.Count(0, Login(i), kT0 + seconds(10), kHour), 1u) << i;
  }
}

TEST(KeyCapTest, ImportOverTheCapKeepsTheNewestKeys) {
  MemoryWindowStore source;
  for (int i = 0; i < 10; ++i) source.Add(0, Login(i), kT0 + minutes(i), 1, kHour);
  MemoryWindowStore store;
  store.SetMaxKeys({3});
  store.Import(0, source.Export(0), 0);
  EXPECT_EQ(store.RuleKeyCount(0), 3u);
  EXPECT_EQ(store.Evicted(), 7u);
  for (int i = 7; i < 10; ++i) {
    EXPECT_EQ(store.Count(0, Login(i), kT0 + minutes(10), kHour), 1u) << i;
  }
}

TEST(KeyCapTest, ExpireAndImportKeepTheKeyCountsRight) {
  MemoryWindowStore store;
  store.SetMaxKeys({2, 2});
  store.Add(0, "old@example.com", kT0, 1, kHour);
  store.Add(0, "new@example.com", kT0 + hours(2), 1, kHour);
  store.Expire(kT0 + hours(2), {kHour, kHour});
  EXPECT_EQ(store.RuleKeyCount(0), 1u);
  store.Add(0, "third@example.com", kT0 + hours(2), 1, kHour);  // room: old expired
  EXPECT_EQ(store.Evicted(), 0u);
  store.Add(0, "fourth@example.com", kT0 + hours(3), 1, kHour);
  EXPECT_EQ(store.Evicted(0), 1u);
  // Rule 0 becomes rule 1 of a new store (a reload): its keys and its evictions follow it.
  MemoryWindowStore next;
  next.SetMaxKeys({2, 2});
  next.Import(1, store.Export(0), store.Evicted(0));
  EXPECT_EQ(next.RuleKeyCount(1), 2u);
  EXPECT_EQ(next.RuleKeyCount(0), 0u);
  EXPECT_EQ(next.Evicted(1), 1u);
  EXPECT_EQ(next.Evicted(0), 0u);
  EXPECT_EQ(next.Evicted(), 1u);
}

TEST(KeyCapTest, TheSampleBookKeepsAtMostItsCapOfPagesDroppingTheIdlest) {
  SampleBook book;
  book.set_max_pages(2);
  book.Note("a@example.com", true, "x@bank.example", "192.0.2.1", "r@x.example", kT0);
  book.Note("b@example.com", true, "x@bank.example", "192.0.2.2", "r@x.example", kT0 + seconds(1));
  book.Note("a@example.com", false, "y@bank.example", "192.0.2.1", "r@x.example", kT0 + seconds(2));
  book.Note("c@example.com", true, "x@bank.example", "192.0.2.3", "r@x.example", kT0 + seconds(3));
  EXPECT_EQ(book.size(), 2u);
  EXPECT_TRUE(book.SampleOf("b@example.com").senders.empty());  // idlest: gone
  EXPECT_EQ(book.SampleOf("a@example.com").senders.size(), 2u);
  EXPECT_EQ(book.SampleOf("c@example.com").senders.size(), 1u);
}

std::string Relaying(core::Timestamp t, std::string_view sender, std::string_view auth,
                     std::string_view rcpt) {
  return testing::Tai(t) + " CHKUSER relaying rcpt: from <" + std::string(sender) + ":" +
         std::string(auth) + ":> remote <pc:unknown:192.0.2.7> rcpt <" + std::string(rcpt) +
         "> : client allowed to relay";
}

// Through the Detector: rules[].max_keys reaches the store and the SampleBook, and a login the
// flood does not make idle still reaches its limit.
TEST(KeyCapTest, TheDetectorCapsEachRuleByItsMaxKeys) {
  RuleSpec volume = testing::VolumeRule("hourly", kHour, 100);
  volume.max_keys = 100;
  RuleSpec sender = testing::SenderRule("foreign", 1);
  sender.max_keys = 10;
  testing::DetectorHarness h({volume, sender});
  std::uint64_t fired = 0;
  for (int i = 0; i < 1000; ++i) {
    const core::Timestamp t = kT0 + std::chrono::milliseconds(i);
    // Each forged login sends as a foreign address (a sample page at once: limit 1).
    h.Feed(Relaying(t, "boss@bank.example", Login(i), "v@x.example"));
    if (i % 10 == 0) {
      for (const Finding& f : h.Feed(Relaying(t, "abuser@example.com", "abuser@example.com",
                                              "v" + std::to_string(i) + "@x.example"))) {
        if (f.rule == "hourly") fired = f.count;
      }
    }
  }
  EXPECT_EQ(h.store().RuleKeyCount(0), 100u);
  EXPECT_EQ(h.store().RuleKeyCount(1), 10u);
  EXPECT_EQ(h.store().Evicted(0), 1001u - 100u);
  EXPECT_EQ(h.store().Evicted(1), 1000u - 10u);
  EXPECT_EQ(fired, 100u);  // the abuser's 100th recipient: every one counted
}

}  // namespace
}  // namespace relaywatch::detect
