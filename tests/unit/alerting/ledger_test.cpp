#include "relaywatch/alerting/ledger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"

namespace relaywatch::alerting {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// 2026-11-28T03:15:22.299206500Z: the stamp of the line that crossed the limit.
const core::Timestamp kT0 = core::Timestamp(seconds(1795835722)) + nanoseconds(299206500);

detect::Finding Volume(std::uint64_t count, core::Timestamp at,
                       std::string key = "bob@example.com") {
  detect::Finding f;
  f.rule = "hourly-volume";
  f.kind = detect::RuleKind::kVolume;
  f.key = std::move(key);
  f.count = count;
  f.limit = 500;
  f.window = hours(1);
  f.first = at - minutes(40);
  f.last = at;
  f.service = "submission";
  f.basis = "chkuser";
  return f;
}

detect::Finding Sender(std::uint64_t count, core::Timestamp at) {
  detect::Finding f;
  f.rule = "foreign-sender";
  f.kind = detect::RuleKind::kSender;
  f.key = "bob@example.com";
  f.count = count;
  f.limit = 1;
  f.window = hours(24);
  f.first = at;
  f.last = at;
  f.detail = "ceo@gmail.com";
  return f;
}

LedgerOptions Options() {
  LedgerOptions o;
  o.host = "mx1.example.com";
  return o;
}

LedgerOptions ResolvingOptions() {
  LedgerOptions o = Options();
  o.resolved = true;
  return o;
}

TEST(LedgerTest, FirstFindingForAKeyIsANewAlertNamedAfterRuleKeyAndStamp) {
  Ledger ledger(Options());
  const detect::Finding f = Volume(500, kT0);
  auto a = ledger.Admit(f);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, AlertState::kNew);
  EXPECT_EQ(a->id, MakeAlertId("hourly-volume", "bob@example.com", kT0));
  EXPECT_EQ(a->host, "mx1.example.com");
  EXPECT_EQ(a->previous_count, 0u);
  EXPECT_EQ(a->finding.count, 500u);
  EXPECT_EQ(a->finding.service, "submission");
  EXPECT_EQ(ledger.size(), 1u);
}

TEST(LedgerTest, AlertsOncePerWindowWhileTheCountStaysOverTheLimit) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0)));
  // A finding at every later line of the hour: all silent, up to the last nanosecond.
  for (int m = 0; m < 60; ++m) {
    EXPECT_FALSE(ledger.Admit(Volume(501 + m, kT0 + minutes(m) + seconds(1)))) << m;
  }
  EXPECT_FALSE(ledger.Admit(Volume(600, kT0 + hours(1) - nanoseconds(1))));
}

TEST(LedgerTest, FirstFindingAtTheWindowsEndIsOngoingWithThePreviousCount) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0)));
  ASSERT_FALSE(ledger.Admit(Volume(550, kT0 + minutes(30))));
  auto a = ledger.Admit(Volume(612, kT0 + hours(1)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, AlertState::kOngoing);
  EXPECT_EQ(a->previous_count, 500u);  // the count last alerted, not the silent 550
  EXPECT_EQ(a->finding.count, 612u);
  EXPECT_EQ(a->id, MakeAlertId("hourly-volume", "bob@example.com", kT0 + hours(1)));
  // The next period runs from that alert.
  EXPECT_FALSE(ledger.Admit(Volume(700, kT0 + hours(2) - seconds(1))));
  auto b = ledger.Admit(Volume(800, kT0 + hours(2) + seconds(5)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->state, AlertState::kOngoing);
  EXPECT_EQ(b->previous_count, 612u);
}

TEST(LedgerTest, RepeatOptionReplacesTheRulesWindowAsThePeriod) {
  LedgerOptions o = Options();
  o.repeat = minutes(10);
  Ledger ledger(o);
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0)));
  EXPECT_FALSE(ledger.Admit(Volume(510, kT0 + minutes(9))));
  auto a = ledger.Admit(Volume(520, kT0 + minutes(10)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, AlertState::kOngoing);
  EXPECT_EQ(ledger.Entries()[0].period, minutes(10));
}

TEST(LedgerTest, EscalateReAlertsInsideThePeriodWhenTheCountDoubles) {
  LedgerOptions o = Options();
  o.escalate = 2.0;
  Ledger ledger(o);
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0)));
  EXPECT_FALSE(ledger.Admit(Volume(999, kT0 + minutes(5))));
  auto a = ledger.Admit(Volume(1000, kT0 + minutes(6)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, AlertState::kOngoing);
  EXPECT_EQ(a->previous_count, 500u);
  // The bar and the period move with the alert: 2000 now, until kT0 + 6m + 1h.
  EXPECT_FALSE(ledger.Admit(Volume(1999, kT0 + minutes(7))));
  EXPECT_FALSE(ledger.Admit(Volume(1500, kT0 + minutes(65))));
  auto b = ledger.Admit(Volume(2000, kT0 + minutes(8)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->previous_count, 1000u);
}

TEST(LedgerTest, EscalateNeedsActualGrowthEvenWithAFactorAtOrBelowOne) {
  LedgerOptions o = Options();
  o.escalate = 1.0;
  Ledger ledger(o);
  ASSERT_TRUE(ledger.Admit(Sender(1, kT0)));
  EXPECT_FALSE(ledger.Admit(Sender(1, kT0 + minutes(1))));
  EXPECT_TRUE(ledger.Admit(Sender(2, kT0 + minutes(2))));
}

TEST(LedgerTest, WithoutEscalateGrowthInsideThePeriodIsSilent) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0)));
  EXPECT_FALSE(ledger.Admit(Volume(50000, kT0 + minutes(1))));
}

TEST(LedgerTest, RulesAndKeysAreDedupedIndependently) {
  Ledger ledger(Options());
  auto v = ledger.Admit(Volume(500, kT0));
  auto s = ledger.Admit(Sender(1, kT0));  // same key, same stamp, other rule
  auto other = ledger.Admit(Volume(500, kT0, "suzy@example.com"));
  ASSERT_TRUE(v && s && other);
  EXPECT_EQ(s->state, AlertState::kNew);
  EXPECT_EQ(other->state, AlertState::kNew);
  EXPECT_NE(v->id, s->id);
  EXPECT_NE(v->id, other->id);
  // Silencing one does not silence the others, and the sender rule keeps its own 24h period.
  EXPECT_FALSE(ledger.Admit(Volume(600, kT0 + minutes(1))));
  EXPECT_TRUE(ledger.Admit(Volume(600, kT0 + hours(1))));
  EXPECT_FALSE(ledger.Admit(Sender(5, kT0 + hours(1))));
  EXPECT_EQ(ledger.size(), 3u);
}

TEST(LedgerTest, FindingNotAfterTheLastAlertIsIgnoredSoNoIdIsReused) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0 + hours(3))));
  EXPECT_FALSE(ledger.Admit(Volume(900, kT0 + hours(3))));
  EXPECT_FALSE(ledger.Admit(Volume(900, kT0)));  // a slower source's older line
}

TEST(LedgerTest, ResolvesOnceAfterThePeriodWhenTheCountFellUnderTheLimit) {
  Ledger ledger(ResolvingOptions());
  ASSERT_TRUE(ledger.Admit(Volume(612, kT0)));
  std::uint64_t count = 0;
  int calls = 0;
  auto count_now = [&](const std::string& rule, const std::string& key) {
    EXPECT_EQ(rule, "hourly-volume");
    EXPECT_EQ(key, "bob@example.com");
    ++calls;
    return count;
  };
  // Under the limit, but the period is still running: nothing, and nothing asked.
  EXPECT_TRUE(ledger.Resolve(kT0 + minutes(59), count_now).empty());
  EXPECT_EQ(calls, 0);
  // Period over, still over the limit: nothing.
  count = 500;
  EXPECT_TRUE(ledger.Resolve(kT0 + hours(1), count_now).empty());
  count = 12;
  auto r = ledger.Resolve(kT0 + hours(1) + minutes(3), count_now);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].state, AlertState::kResolved);
  EXPECT_EQ(r[0].host, "mx1.example.com");
  EXPECT_EQ(r[0].previous_count, 612u);
  EXPECT_EQ(r[0].finding.rule, "hourly-volume");
  EXPECT_EQ(r[0].finding.kind, detect::RuleKind::kVolume);
  EXPECT_EQ(r[0].finding.count, 12u);
  EXPECT_EQ(r[0].finding.limit, 500u);
  EXPECT_EQ(r[0].finding.window, hours(1));
  EXPECT_EQ(r[0].finding.first, kT0);
  EXPECT_EQ(r[0].finding.last, kT0 + hours(1) + minutes(3));
  EXPECT_EQ(r[0].id.rfind("hourly-volume-resolved-", 0), 0u) << r[0].id;
  EXPECT_NE(r[0].id, MakeAlertId("hourly-volume", "bob@example.com", kT0 + hours(1) + minutes(3)));
  // Once per episode.
  EXPECT_TRUE(ledger.Resolve(kT0 + hours(2), count_now).empty());
  EXPECT_FALSE(ledger.Entries()[0].open);
}

TEST(LedgerTest, FindingAfterAResolutionStartsANewEpisode) {
  Ledger ledger(ResolvingOptions());
  ASSERT_TRUE(ledger.Admit(Volume(612, kT0)));
  auto zero = [](const std::string&, const std::string&) { return std::uint64_t{0}; };
  const core::Timestamp resolved_at = kT0 + hours(1);
  ASSERT_EQ(ledger.Resolve(resolved_at, zero).size(), 1u);
  auto again = ledger.Admit(Volume(500, resolved_at));  // the same stamp as the resolution
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state, AlertState::kNew);
  EXPECT_EQ(again->previous_count, 0u);
  // ... and is deduped again for its own period.
  EXPECT_FALSE(ledger.Admit(Volume(700, resolved_at + minutes(1))));
  EXPECT_TRUE(ledger.Resolve(resolved_at + minutes(30), zero).empty());
  EXPECT_EQ(ledger.Resolve(resolved_at + hours(1), zero).size(), 1u);
}

TEST(LedgerTest, ResolveWithoutTheOptionReturnsNothingAndAsksNothing) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Volume(612, kT0)));
  int calls = 0;
  auto count_now = [&](const std::string&, const std::string&) {
    ++calls;
    return std::uint64_t{0};
  };
  EXPECT_TRUE(ledger.Resolve(kT0 + hours(5), count_now).empty());
  EXPECT_EQ(calls, 0);
}

TEST(LedgerTest, ResolvesEachKeyOnItsOwnInRuleKeyOrder) {
  Ledger ledger(ResolvingOptions());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0, "zed@example.com")));
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0, "amy@example.com")));
  ASSERT_TRUE(ledger.Admit(Sender(1, kT0)));
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0, "bob@example.com")));
  auto count_now = [](const std::string&, const std::string& key) {
    return key == "bob@example.com" ? std::uint64_t{900} : std::uint64_t{0};
  };
  auto r = ledger.Resolve(kT0 + hours(1), count_now);
  ASSERT_EQ(r.size(), 2u);  // the sender rule's 24h period is still running; bob is still over
  EXPECT_EQ(r[0].finding.key, "amy@example.com");
  EXPECT_EQ(r[1].finding.key, "zed@example.com");
}

TEST(LedgerTest, PruneDropsEntriesOlderThanTwoPeriods) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0)));
  ASSERT_TRUE(ledger.Admit(Sender(1, kT0)));
  ledger.Prune(kT0 + hours(2));  // exactly two periods: kept
  EXPECT_EQ(ledger.size(), 2u);
  ledger.Prune(kT0 + hours(2) + nanoseconds(1));
  ASSERT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.Entries()[0].rule, "foreign-sender");  // 24h period: 48h to go
  // A pruned key alerts as new again.
  auto a = ledger.Admit(Volume(500, kT0 + hours(3)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, AlertState::kNew);
}

// Each entry goes at the first Prune after its two periods, however the Prunes before were
// timed: an entry admitted after one, with a shorter period, and entries restored from a
// checkpoint included.
TEST(LedgerTest, PruneDropsEachEntryOnTimeWhateverItSkips) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Sender(1, kT0)));  // 24h period: stale after kT0 + 48h
  ledger.Prune(kT0 + hours(1));
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0 + hours(1))));  // 1h period: stale after kT0 + 3h
  ledger.Prune(kT0 + hours(2));
  EXPECT_EQ(ledger.size(), 2u);
  ledger.Prune(kT0 + hours(3));
  EXPECT_EQ(ledger.size(), 2u);
  ledger.Prune(kT0 + hours(3) + nanoseconds(1));
  ASSERT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.Entries()[0].rule, "foreign-sender");

  Ledger restored(Options());
  restored.Prune(kT0 + hours(50));  // empty: nothing to walk, nothing learned
  restored.Restore(ledger.Entries());
  restored.Prune(kT0 + hours(48) + nanoseconds(1));
  EXPECT_EQ(restored.size(), 0u);
  ledger.Prune(kT0 + hours(48));
  EXPECT_EQ(ledger.size(), 1u);
  ledger.Prune(kT0 + hours(48) + nanoseconds(1));
  EXPECT_EQ(ledger.size(), 0u);
}

// At the edges too: an alert stamped before 1970 with a period of 146 years turns stale within
// Timestamp's range (two periods exceed 2^63 ns).
TEST(LedgerTest, PruneDropsAnEntryWhoseTwoPeriodsPassTwoToTheSixtyThree) {
  LedgerOptions o = Options();
  o.repeat = core::Duration((std::int64_t{1} << 62) + 1);
  Ledger ledger(o);
  const core::Timestamp at{core::Duration(-(std::int64_t{1} << 62))};  // 1823
  ASSERT_TRUE(ledger.Admit(Volume(500, at)));
  const core::Timestamp due{core::Duration((std::int64_t{1} << 62) + 2)};  // 2116
  ledger.Prune(due);
  EXPECT_EQ(ledger.size(), 1u);  // exactly two periods: kept
  ledger.Prune(due + nanoseconds(1));
  EXPECT_EQ(ledger.size(), 0u);
}

TEST(LedgerTest, NewOrOngoingDoesNotDependOnWhenPruneRan) {
  Ledger pruned(Options()), unpruned(Options());
  for (Ledger* l : {&pruned, &unpruned}) ASSERT_TRUE(l->Admit(Volume(500, kT0)));
  pruned.Prune(kT0 + hours(3));
  // Two periods and a nanosecond later: forgotten in both, whether Prune ran or not.
  for (Ledger* l : {&pruned, &unpruned}) {
    auto a = l->Admit(Volume(500, kT0 + hours(3)));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->state, AlertState::kNew);
  }
  // Exactly two periods after that: still remembered, so ongoing.
  auto b = unpruned.Admit(Volume(600, kT0 + hours(5)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->state, AlertState::kOngoing);
}

TEST(LedgerTest, PruneKeepsOpenEntriesWaitingForTheirResolution) {
  Ledger ledger(ResolvingOptions());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0, "amy@example.com")));
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0, "bob@example.com")));
  auto count_now = [](const std::string&, const std::string& key) {
    return key == "amy@example.com" ? std::uint64_t{0} : std::uint64_t{800};
  };
  ASSERT_EQ(ledger.Resolve(kT0 + hours(1), count_now).size(), 1u);
  ledger.Prune(kT0 + hours(10));
  ASSERT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.Entries()[0].key, "bob@example.com");
}

TEST(LedgerTest, EntriesRestoreIntoALedgerThatBehavesTheSame) {
  LedgerOptions o = Options();
  o.escalate = 2.0;
  Ledger before(o);
  ASSERT_TRUE(before.Admit(Volume(500, kT0)));
  ASSERT_TRUE(before.Admit(Sender(3, kT0 + minutes(1))));
  const std::vector<Ledger::Entry> saved = before.Entries();
  ASSERT_EQ(saved.size(), 2u);
  EXPECT_EQ(saved[0].rule, "foreign-sender");  // (rule, key) order
  EXPECT_EQ(saved[0].kind, detect::RuleKind::kSender);
  EXPECT_EQ(saved[0].limit, 1u);
  EXPECT_EQ(saved[0].window, hours(24));
  EXPECT_EQ(saved[1].last_alert, kT0);
  EXPECT_EQ(saved[1].last_count, 500u);
  EXPECT_EQ(saved[1].period, hours(1));
  EXPECT_TRUE(saved[1].open);

  Ledger after(o);
  after.Restore(saved);
  EXPECT_EQ(after.Entries(), saved);
  EXPECT_FALSE(after.Admit(Volume(900, kT0 + minutes(30))));
  auto escalated = after.Admit(Volume(1000, kT0 + minutes(31)));
  ASSERT_TRUE(escalated);
  EXPECT_EQ(escalated->previous_count, 500u);
  EXPECT_FALSE(after.Admit(Sender(4, kT0 + hours(23))));
}

TEST(LedgerTest, RestoreReplacesWhatTheLedgerHeld) {
  Ledger ledger(Options());
  ASSERT_TRUE(ledger.Admit(Volume(500, kT0, "amy@example.com")));
  ledger.Restore({});
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_TRUE(ledger.Admit(Volume(500, kT0 + minutes(1), "amy@example.com")));
}

TEST(LedgerTest, ExtremeStampsAndPeriodsFromACheckpointDoNotOverflow) {
  Ledger ledger(ResolvingOptions());
  ledger.Restore({
      {"hourly-volume", "amy@example.com", kT0, 500, core::Duration::max(), true,
       detect::RuleKind::kVolume, 500, hours(1)},
      {"hourly-volume", "bob@example.com", core::Timestamp::min(), 500, hours(1), true,
       detect::RuleKind::kVolume, 500, hours(1)},
  });
  // amy's period never ends; bob's ended long ago.
  EXPECT_FALSE(ledger.Admit(Volume(600, core::Timestamp::max(), "amy@example.com")));
  auto b = ledger.Admit(Volume(600, kT0, "bob@example.com"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->state, AlertState::kOngoing);
  auto zero = [](const std::string&, const std::string&) { return std::uint64_t{0}; };
  EXPECT_EQ(ledger.Resolve(core::Timestamp::max(), zero).size(), 1u);  // bob only
  ledger.Prune(core::Timestamp::max());
  EXPECT_EQ(ledger.size(), 1u);  // amy: open and waiting

  Ledger plain(Options());
  plain.Restore(ledger.Entries());
  plain.Prune(core::Timestamp::max());  // amy: 2 * Duration::max has not passed
  EXPECT_EQ(plain.size(), 1u);
}

}  // namespace
}  // namespace relaywatch::alerting
