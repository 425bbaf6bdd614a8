#include "relaywatch/detect/detector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detector_harness.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::DetectorHarness;
using testing::FixtureLine;
using testing::FixtureLines;
using testing::RcptLimitRule;
using testing::RemoteIpsRule;
using testing::SenderRule;
using testing::ServicePolicyRule;
using testing::Tai;
using testing::VolumeRule;

core::Timestamp At(std::int64_t s, std::int64_t ns) {
  return core::Timestamp(seconds(s)) + nanoseconds(ns);
}

// Stamps of constructed.txt lines (TAI64N label minus 2^62 + 10 s, computed by hand).
const core::Timestamp kSuzyFirstRelay = At(1795834526, 29545444);   // @...a801c2d3e4 x@gmail
const core::Timestamp kSuzySecondRelay = At(1795834526, 47441141);  // @...a802d3e4f5 y@yahoo
const core::Timestamp kSuzyLocalRcpt = At(1795834526, 65336582);    // @...a803e4f506 bob@
const core::Timestamp kSimscan = At(1795834527, 17435404);          // @...a9010a0b0c
const core::Timestamp kTomIpv6 = At(1795834528, 2098432);           // @...aa00200500
const core::Timestamp kTomMapped = At(1795834528, 3147008);         // @...aa00300500
const core::Timestamp kWebRelay = At(1795834528, 4195584);          // @...aa00400500
const core::Timestamp kRcptLimitHit = At(1795834529, 1280);         // @...ab00000500
// The field-named line's `d` stamp, read as UTC: 2026-11-28 03:15:22.299206500.
const core::Timestamp kFieldNamed = At(1795835722, 299206500);
const core::Timestamp kQlogReceived = At(1795835723, 20000000);

std::string Relaying(core::Timestamp t, std::string_view sender, std::string_view auth,
                     std::string_view ip, std::string_view rcpt = "r@gmail.example") {
  return Tai(t) + " CHKUSER relaying rcpt: from <" + std::string(sender) + ":" + std::string(auth) +
         ":> remote <pc:unknown:" + std::string(ip) + "> rcpt <" + std::string(rcpt) +
         "> : client allowed to relay";
}

struct Fired {
  std::string rule;
  std::string key;
  std::uint64_t count;
  core::Timestamp last;
  friend bool operator==(const Fired&, const Fired&) = default;
};

std::ostream& operator<<(std::ostream& os, const Fired& f) {
  return os << "{" << f.rule << " " << f.key << " " << f.count << " @"
            << f.last.time_since_epoch().count() << "}";
}

std::vector<Fired> Summary(const std::vector<Finding>& findings) {
  std::vector<Fired> out;
  for (const Finding& f : findings) out.push_back({f.rule, f.key, f.count, f.last});
  return out;
}

// --- volume -------------------------------------------------------------------------------------

TEST(DetectorTest, VolumeFiresOnTheRelayingLineThatReachesTheLimitAndEachOneAfter) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 2)});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"));
  EXPECT_EQ(Summary(all), (std::vector<Fired>{
                              {"hourly-volume", "suzy@example.com", 2, kSuzySecondRelay},
                              {"hourly-volume", "tom@example.com", 2, kTomMapped},
                              {"hourly-volume", "suzy@example.com", 3, kFieldNamed},
                          }));
}

TEST(DetectorTest, NoVolumeFindingBeforeTheLimitIsReached) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 2)});
  const std::string first = FixtureLine("constructed.txt", "a801c2d3e4 CHKUSER");
  EXPECT_TRUE(h.Feed(first).empty());
  EXPECT_EQ(h.detector().CountNow(0, "suzy@example.com", kSuzyFirstRelay), 1u);
  // Her accepted sender and local recipient lines are not relaying: still 1, still nothing.
  EXPECT_TRUE(h.Feed(FixtureLine("constructed.txt", "a800b1c2d3 CHKUSER accepted sender")).empty());
  EXPECT_TRUE(h.Feed(FixtureLine("constructed.txt", "rcpt <bob@example.com> : found")).empty());
  EXPECT_EQ(h.detector().CountNow(0, "suzy@example.com", kSuzyLocalRcpt), 1u);
}

TEST(DetectorTest, AFindingCarriesTheRuleTheWindowAndTheLinesThatMadeIt) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 2)});
  h.Feed(FixtureLine("constructed.txt", "a801c2d3e4 CHKUSER"));
  const std::vector<Finding> got =
      h.Feed(FixtureLine("constructed.txt", "a802d3e4f5 CHKUSER"), "submission");
  ASSERT_EQ(got.size(), 1u);
  const Finding& f = got[0];
  EXPECT_EQ(f.rule, "hourly-volume");
  EXPECT_EQ(f.kind, RuleKind::kVolume);
  EXPECT_EQ(f.key, "suzy@example.com");
  EXPECT_EQ(f.count, 2u);
  EXPECT_EQ(f.limit, 2u);
  EXPECT_EQ(f.window, hours(1));
  EXPECT_EQ(f.first, kSuzyFirstRelay);
  EXPECT_EQ(f.last, kSuzySecondRelay);
  EXPECT_EQ(f.service, "submission");
  EXPECT_EQ(f.basis, "chkuser");
  EXPECT_EQ(f.detail, "");
  // The sample names what she did (she crossed half the limit on her first line).
  ASSERT_FALSE(f.sample.senders.empty());
  EXPECT_EQ(f.sample.senders[0].first, "ceo@bank.example");
  EXPECT_EQ(f.sample.recipients, (std::vector<std::string>{"x@gmail.example", "y@yahoo.example"}));
}

TEST(DetectorTest, UnauthenticatedRelayingIsCountedForIpKeys) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 1)});
  const std::vector<Finding> got =
      h.Feed(FixtureLine("constructed.txt", "www-data@web1.example.com"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "ip:192.0.2.44");
  EXPECT_EQ(got[0].basis, "ip");
  EXPECT_EQ(got[0].last, kWebRelay);
  const core::Timestamp t = kWebRelay + seconds(1);
  const std::vector<Finding> v6 =
      h.Feed(Relaying(t, "www-data@web1.example.com", "", "2001:db8::9"));
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0].key, "ip:2001:db8::9");
}

TEST(DetectorTest, LoginKeysAreTheAccountVpopmailAuthenticated) {
  // vpopmail lowercases user and domain and splits at '@', '%' or '/': one mailbox, one key, so
  // a stolen password typed in other cases gets no fresh window.
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100)});
  const core::Timestamp t = kSuzyFirstRelay;
  int n = 0;
  for (const char* login :
       {"Tom@EXAMPLE.com", "tom@example.com", "TOM%example.com", "tom/Example.Com"}) {
    h.Feed(Relaying(t + seconds(n++), "a@b.example", login, "203.0.113.9"));
  }
  ASSERT_EQ(h.hits().size(), 4u);
  for (const auto& hit : h.hits()) EXPECT_EQ(hit.key, "tom@example.com");
  EXPECT_EQ(h.hits()[3].count, 4u);
  EXPECT_EQ(h.detector().CountNow(0, "tom@example.com", t + seconds(3)), 4u);
}

TEST(DetectorTest, VolumeSlidesOverTheWindowInOneMinuteSlices) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 3)});
  const core::Timestamp t = core::Timestamp(seconds(1795824000));  // 00:00:00, a slice start
  EXPECT_TRUE(h.Feed(Relaying(t + seconds(30), "b@x.example", "b@x.example", "192.0.2.1")).empty());
  EXPECT_TRUE(h.Feed(Relaying(t + minutes(30), "b@x.example", "b@x.example", "192.0.2.1")).empty());
  // 01:00:59 is in slice s + 60: the 00:00:30 line (1h 0m 29s old) is still counted.
  const std::vector<Finding> got =
      h.Feed(Relaying(t + hours(1) + seconds(59), "b@x.example", "b@x.example", "192.0.2.1"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].count, 3u);
  EXPECT_EQ(got[0].first, t + seconds(30));
  // Its slices end in 01:00's: the 00:00 slice, still counted, is folded into the oldest entry.
  std::vector<std::uint32_t> slices(kSlices, 0);
  slices[0] = slices[29] = slices[59] = 1;
  EXPECT_EQ(got[0].slices, slices);
  // 01:01:00 is in slice s + 61: it has fallen out.
  EXPECT_TRUE(h.Feed(Relaying(t + hours(1) + minutes(1), "b@x.example", "b@x.example",
                              "192.0.2.1"))
                  .size() == 1u);  // 00:30, 01:00:59, 01:01:00
  EXPECT_EQ(h.detector().CountNow(0, "b@x.example", t + hours(1) + minutes(1)), 3u);
  EXPECT_EQ(h.detector().CountNow(0, "b@x.example", t + hours(1) + minutes(31)), 2u);
}

TEST(DetectorTest, AnOverrideForTheLoginWinsOverItsDomainAndZeroMeansNotCounted) {
  VolumeParams p;
  p.overrides = {{"suzy@EXAMPLE.com", 3}, {"@example.COM", 0}};
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 2, p)});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].key, "suzy@example.com");
  EXPECT_EQ(all[0].count, 3u);
  EXPECT_EQ(all[0].limit, 3u);
  EXPECT_EQ(all[0].last, kFieldNamed);
  // tom@ and autoreply@ are in @example.com: unlimited, so not even counted.
  EXPECT_EQ(h.detector().CountNow(0, "tom@example.com", kTomMapped), 0u);
  EXPECT_EQ(h.detector().CountNow(0, "autoreply@example.com", kTomMapped), 0u);
  for (const auto& hit : h.hits()) {
    EXPECT_TRUE(hit.key == "suzy@example.com" || hit.key == "ip:192.0.2.44") << hit.key;
  }
}

TEST(DetectorTest, ADomainOverrideAppliesToEveryLoginOfTheDomain) {
  VolumeParams p;
  p.overrides = {{"@EXAMPLE.COM", 1}};
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 50, p)});
  const std::vector<Finding> got = h.Feed(FixtureLine("constructed.txt", "[IPv6:2001:db8::5]"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "tom@example.com");
  EXPECT_EQ(got[0].limit, 1u);
  // The unauthenticated web server is not a login of the domain.
  EXPECT_TRUE(h.Feed(FixtureLine("constructed.txt", "www-data@web1.example.com")).empty());
}

TEST(DetectorTest, MessagesAreCountedFromQlogAndSimscanTiedToTheLogin) {
  DetectorHarness h(
      {VolumeRule("hourly-messages", hours(1), 1, VolumeParams{CountUnit::kMessages, {}}),
       VolumeRule("hourly-volume", hours(1), 100)});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "suzy@example.com");
  EXPECT_EQ(all[0].basis, "chkuser+ip");  // simscan's RELAYCLIENT line, by the client IP
  EXPECT_EQ(all[0].last, kSimscan);
  EXPECT_EQ(all[1].key, "suzy@example.com");
  EXPECT_EQ(all[1].basis, "qlog");
  EXPECT_EQ(all[1].last, kQlogReceived);
  EXPECT_EQ(all[1].count, 2u);
}

// --- sender -------------------------------------------------------------------------------------

TEST(DetectorTest, SenderFiresOnEveryDeliveryOfALoginUsingAForeignSender) {
  DetectorHarness h({SenderRule("foreign-sender")});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"));
  // Not on "accepted sender" (no recipient yet), not for the null sender, not for tom's own
  // domain written in capitals, not for the unauthenticated web server.
  EXPECT_EQ(Summary(all), (std::vector<Fired>{
                              {"foreign-sender", "suzy@example.com", 1, kSuzyFirstRelay},
                              {"foreign-sender", "suzy@example.com", 2, kSuzySecondRelay},
                              {"foreign-sender", "suzy@example.com", 3, kSuzyLocalRcpt},
                              {"foreign-sender", "suzy@example.com", 4, kFieldNamed},
                          }));
  for (const Finding& f : all) {
    EXPECT_EQ(f.kind, RuleKind::kSender);
    EXPECT_EQ(f.detail, "ceo@bank.example");
    EXPECT_EQ(f.first, kSuzyFirstRelay);
    EXPECT_EQ(f.window, hours(24));
  }
}

TEST(DetectorTest, SenderJudgesAcceptedAnyRcptFromTheRealSysloggedLine) {
  DetectorHarness h({SenderRule("foreign-sender")});
  const std::vector<Finding> got =
      h.Feed(FixtureLine("real.txt", "CHKUSER accepted any rcpt"), "smtp");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "postmaster@testaja.lg");
  EXPECT_EQ(got[0].detail, "test@testaja.com");
  EXPECT_EQ(got[0].last, At(1276913534, 111443000));  // splogger's SECS.USECS
}

TEST(DetectorTest, OfAllRealLinesOnlyTheSysloggedAcceptedAnyRcptGivesAFinding) {
  DetectorHarness h({VolumeRule("v", hours(1), 1), SenderRule("s"), RemoteIpsRule("i", 2),
                     ServicePolicyRule("p", {"submission"}), RcptLimitRule("r", 1)});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("real.txt"), "smtp");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].rule, "s");
  EXPECT_EQ(all[0].key, "postmaster@testaja.lg");
  // Its remote-ips count was 1 (127.0.0.1), under the limit; nothing else was counted.
  ASSERT_EQ(h.hits().size(), 2u);
  EXPECT_EQ(h.hits()[1].rule, 2u);
  EXPECT_EQ(h.hits()[1].count, 1u);
}

TEST(DetectorTest, TheForeignSenderInAFindingHasItsDomainLowercased) {
  DetectorHarness h({SenderRule("foreign-sender")});
  const std::vector<Finding> got =
      h.Feed(Relaying(kSuzyFirstRelay, "CEO@Bank.EXAMPLE", "suzy@example.com", "203.0.113.5"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].detail, "CEO@bank.example");
}

TEST(DetectorTest, SenderLimitAboveOneWaitsForThatManyForeignRecipients) {
  DetectorHarness h({SenderRule("foreign-sender", 3)});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"));
  EXPECT_EQ(Summary(all), (std::vector<Fired>{
                              {"foreign-sender", "suzy@example.com", 3, kSuzyLocalRcpt},
                              {"foreign-sender", "suzy@example.com", 4, kFieldNamed},
                          }));
}

TEST(DetectorTest, ALoginWithoutAtIsJudgedOnlyWithADefaultDomain) {
  const std::string line = Relaying(kSuzyFirstRelay, "x@bank.example", "bob", "203.0.113.5");
  DetectorHarness without({SenderRule("foreign-sender")});
  EXPECT_TRUE(without.Feed(line).empty());
  DetectorHarness with({SenderRule("foreign-sender")}, "example.com");
  const std::vector<Finding> got = with.Feed(line);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].detail, "x@bank.example");
  EXPECT_TRUE(
      with.Feed(Relaying(kSuzySecondRelay, "bob@example.com", "bob", "203.0.113.5")).empty());
}

// config/options.cpp and config/relaywatch.yaml: default_domain is the "domain of logins written
// without one (vpopmail's default domain), so that bob and bob@example.com count as one login".
TEST(DetectorTest, ALoginWithoutDomainCountsAsOneLoginWithItsDefaultDomainForm) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 2)}, "example.com");
  EXPECT_TRUE(h.Feed(Relaying(kSuzyFirstRelay, "bob@example.com", "bob", "203.0.113.5")).empty());
  const std::vector<Finding> got =
      h.Feed(Relaying(kSuzySecondRelay, "bob@example.com", "bob@example.com", "203.0.113.5"));
  ASSERT_EQ(h.hits().size(), 2u);
  EXPECT_EQ(h.hits()[0].key, h.hits()[1].key);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].count, 2u);
}

TEST(DetectorTest, ADefaultDomainQualifiesOverridesAndKeysButNotOtherLogins) {
  VolumeParams v;
  v.overrides["bob"] = 0;  // "bob" in the config is bob@example.com: unlimited
  RuleSpec rule = VolumeRule("hourly-volume", hours(1), 1);
  rule.params = v;
  DetectorHarness h({rule}, "EXAMPLE.com");
  EXPECT_TRUE(h.Feed(Relaying(kSuzyFirstRelay, "bob@example.com", "bob", "203.0.113.5")).empty());
  EXPECT_TRUE(
      h.Feed(Relaying(kSuzySecondRelay, "bob@example.com", "bob@example.com", "203.0.113.5"))
          .empty());
  const std::vector<Finding> got =
      h.Feed(Relaying(kSuzyLocalRcpt, "al@other.example", "al@other.example", "203.0.113.6"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "al@other.example");
  const std::vector<Finding> carl =
      h.Feed(Relaying(kSimscan, "carl@example.com", "carl", "203.0.113.7"));
  ASSERT_EQ(carl.size(), 1u);
  EXPECT_EQ(carl[0].key, "carl@example.com");  // the default domain, lowercased
}

TEST(DetectorTest, TheSampleCountsEachLineOnceHoweverManyRulesCountedIt) {
  // Two rules count bob's lines; the alert's "top senders" must still count lines.
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 10), RemoteIpsRule("many-ips", 8)});
  std::vector<Finding> last;
  for (int i = 0; i < 12; ++i) {
    last = h.Feed(Relaying(kSuzyFirstRelay + seconds(i), "bob@example.com", "bob@example.com",
                           "203.0.113.80"));
  }
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].rule, "hourly-volume");
  ASSERT_EQ(last[0].sample.senders.size(), 1u);
  ASSERT_EQ(last[0].sample.remote_ips.size(), 1u);
  // The page opens at half the limit (line 5) and notes every line from there: 8 of 12.
  EXPECT_EQ(last[0].sample.senders[0].second, 8u);
  EXPECT_EQ(last[0].sample.remote_ips[0].second, 8u);
}

TEST(DetectorTest, WithoutSamplesTheFindingsAndCountsAreTheSameAndTheSampleIsEmpty) {
  // `report` prints no alert bodies and turns samples off; nothing else may change.
  auto run = [](bool keep) {
    DetectorHarness h({VolumeRule("hourly-volume", hours(1), 10), RemoteIpsRule("many-ips", 3)});
    h.detector().set_keep_samples(keep);
    std::vector<Finding> all;
    for (int i = 0; i < 12; ++i) {
      for (Finding& f : h.Feed(Relaying(kSuzyFirstRelay + seconds(i), "bob@example.com",
                                        "bob@example.com", "203.0.113." + std::to_string(i % 4))))
        all.push_back(std::move(f));
    }
    return all;
  };
  const std::vector<Finding> with = run(true), without = run(false);
  ASSERT_EQ(with.size(), without.size());
  ASSERT_FALSE(with.empty());
  for (std::size_t i = 0; i < with.size(); ++i) {
    EXPECT_EQ(with[i].rule, without[i].rule);
    EXPECT_EQ(with[i].count, without[i].count);
    EXPECT_EQ(with[i].first, without[i].first);
    EXPECT_FALSE(with[i].sample.senders.empty());
    EXPECT_TRUE(without[i].sample.senders.empty());
    EXPECT_TRUE(without[i].sample.remote_ips.empty());
  }
}

TEST(DetectorTest, EverySenderRuleJudgesByItsOwnPolicy) {
  SenderParams same_address;
  same_address.policy = SenderPolicy::kSameAddress;
  DetectorHarness h({SenderRule("foreign-sender"), SenderRule("own-address", 1, same_address)});
  // tom sends as "thomas@example.com": his domain, but not his address.
  const core::Timestamp t = kSuzyFirstRelay;
  const std::vector<Finding> got =
      h.Feed(Relaying(t, "thomas@example.com", "tom@example.com", "203.0.113.9"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule, "own-address");
  EXPECT_EQ(got[0].detail, "thomas@example.com");
  // "Tom@EXAMPLE.com" is his own mailbox to vpopmail: neither rule.
  EXPECT_TRUE(h.Feed(Relaying(t + seconds(1), "Tom@EXAMPLE.com", "tom@example.com", "203.0.113.9"))
                  .empty());
}

TEST(DetectorTest, TheObserverSeesARecipientRejectedByTwoSenderRulesAsOneForeignRecipient) {
  SenderParams same_address;
  same_address.policy = SenderPolicy::kSameAddress;
  DetectorHarness h({SenderRule("sd"), SenderRule("sa", 1, same_address)});
  h.Feed(Relaying(kSuzyFirstRelay, "ceo@bank.example", "suzy@example.com", "203.0.113.5"));
  // Her own domain: only the same-address rule rejects it.
  h.Feed(Relaying(kSuzySecondRelay, "sales@example.com", "suzy@example.com", "203.0.113.5"));
  EXPECT_EQ(h.hits().size(), 3u);  // sd and sa for ceo@, sa for sales@
  ASSERT_EQ(h.recipients().size(), 2u);
  EXPECT_EQ(h.recipients()[0].foreign_sender, "ceo@bank.example");
  EXPECT_EQ(h.recipients()[1].foreign_sender, "sales@example.com");
}

// --- remote-ips ---------------------------------------------------------------------------------

TEST(DetectorTest, RemoteIpsCountsDistinctClientAddressesOfAuthenticatedLines) {
  DetectorHarness h({RemoteIpsRule("many-ips", 2)});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"));
  // tom: 2001:db8::5 then ::ffff:198.51.100.7. suzy always from 203.0.113.5.
  EXPECT_EQ(Summary(all), (std::vector<Fired>{{"many-ips", "tom@example.com", 2, kTomMapped}}));
  EXPECT_EQ(all[0].kind, RuleKind::kRemoteIps);
  EXPECT_EQ(all[0].first, kTomIpv6);
  EXPECT_EQ(h.detector().CountNow(0, "suzy@example.com", kTomMapped), 1u);
}

TEST(DetectorTest, AnIpv4ClientSeenThroughAnIpv6TcpserverIsOneAddress) {
  DetectorHarness h({RemoteIpsRule("many-ips", 2)});
  const core::Timestamp t = kSuzyFirstRelay;
  EXPECT_TRUE(h.Feed(Relaying(t, "a@x.example", "a@x.example", "203.0.113.7")).empty());
  EXPECT_TRUE(
      h.Feed(Relaying(t + seconds(1), "a@x.example", "a@x.example", "::ffff:203.0.113.7")).empty());
  EXPECT_EQ(h.detector().CountNow(0, "a@x.example", t + seconds(1)), 1u);
  // And unauthenticated relaying keys it once: ip:203.0.113.9 either way.
  DetectorHarness v({VolumeRule("hourly-volume", hours(1), 100)});
  v.Feed(Relaying(t, "www@x.example", "", "203.0.113.9"));
  v.Feed(Relaying(t + seconds(1), "www@x.example", "", "::ffff:203.0.113.9"));
  ASSERT_EQ(v.hits().size(), 2u);
  EXPECT_EQ(v.hits()[1].key, "ip:203.0.113.9");
  EXPECT_EQ(v.hits()[1].count, 2u);
}

TEST(DetectorTest, RemoteIpsCountsLocalDeliveriesButNotUnauthenticatedRelaying) {
  DetectorHarness h({RemoteIpsRule("many-ips", 3)});
  const core::Timestamp t = kSuzyFirstRelay;
  h.Feed(Relaying(t, "a@x.example", "a@x.example", "192.0.2.1"));
  h.Feed(Tai(t + seconds(1)) +
         " CHKUSER accepted rcpt: from <a@x.example:a@x.example:> remote <pc:unknown:192.0.2.2> "
         "rcpt <b@x.example> : found existing recipient");
  h.Feed(Relaying(t + seconds(2), "a@x.example", "", "192.0.2.3"));  // ip:192.0.2.3, not a@
  EXPECT_EQ(h.detector().CountNow(0, "a@x.example", t + seconds(2)), 2u);
  const std::vector<Finding> got =
      h.Feed(Relaying(t + seconds(3), "a@x.example", "a@x.example", "192.0.2.4"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].count, 3u);
}

TEST(DetectorTest, RemoteIpsForgetsAnAddressAWindowAfterItWasLastUsed) {
  DetectorHarness h({RemoteIpsRule("many-ips", 2)});
  const core::Timestamp t = kSuzyFirstRelay;
  h.Feed(Relaying(t, "a@x.example", "a@x.example", "192.0.2.1"));
  EXPECT_TRUE(h.Feed(Relaying(t + hours(1), "a@x.example", "a@x.example", "192.0.2.2")).empty());
  EXPECT_EQ(
      h.Feed(Relaying(t + hours(1) + seconds(1), "a@x.example", "a@x.example", "192.0.2.1")).size(),
      1u);
}

// --- service-policy -----------------------------------------------------------------------------

TEST(DetectorTest, ServicePolicyFiresOnAuthenticatedRelayingOnAServiceNotAllowed) {
  DetectorHarness h({ServicePolicyRule("port25-auth", {"submission", "smtps"})});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"), "smtp");
  std::vector<std::string> keys;
  for (const Finding& f : all) {
    keys.push_back(f.key);
    EXPECT_EQ(f.kind, RuleKind::kServicePolicy);
    EXPECT_EQ(f.detail, "smtp");
    EXPECT_EQ(f.service, "smtp");
  }
  // Relaying lines only: not suzy's accepted rcpt, not the unauthenticated web server.
  EXPECT_EQ(keys, (std::vector<std::string>{"suzy@example.com", "suzy@example.com",
                                            "autoreply@example.com", "tom@example.com",
                                            "tom@example.com", "suzy@example.com"}));
}

TEST(DetectorTest, ServicePolicyIsSilentOnAnAllowedService) {
  DetectorHarness h({ServicePolicyRule("port25-auth", {"submission", "smtps"})});
  EXPECT_TRUE(h.FeedAll(FixtureLines("constructed.txt"), "submission").empty());
  EXPECT_TRUE(h.FeedAll(FixtureLines("constructed.txt"), "smtps").empty());
  EXPECT_TRUE(h.hits().empty());
}

// --- rcpt-limit ---------------------------------------------------------------------------------

TEST(DetectorTest, RcptLimitCountsOnlyTheIntrusionThresholdAboutRecipients) {
  DetectorHarness h({RcptLimitRule("rcpt-limit-hits", 1)});
  const std::vector<Finding> all = h.FeedAll(FixtureLines("constructed.txt"));
  EXPECT_EQ(Summary(all),
            (std::vector<Fired>{{"rcpt-limit-hits", "bob@example.com", 1, kRcptLimitHit}}));
  EXPECT_EQ(all[0].kind, RuleKind::kRcptLimit);
  // chkuser's invalid-recipient threshold is another intrusion: not counted.
  EXPECT_TRUE(h.Feed(Tai(kRcptLimitHit + seconds(1)) +
                     " CHKUSER intrusion threshold: from <bob@example.com:bob@example.com:> remote "
                     "<pc:unknown:203.0.113.80> rcpt <zz@example.com> : max number of invalid rcpt")
                  .empty());
  EXPECT_EQ(h.detector().CountNow(0, "bob@example.com", kRcptLimitHit + seconds(1)), 1u);
}

TEST(DetectorTest, RcptLimitHitsOfAnUnauthenticatedClientAreNotALoginsSpamRun) {
  // A bot trying mailbox names on port 25 hits the limit all day: no login, no relaying.
  DetectorHarness h({RcptLimitRule("rcpt-limit-hits", 2)});
  const std::string hit =
      " CHKUSER intrusion threshold: from <x@spam.example::> remote "
      "<bot:unknown:203.0.113.99> rcpt <r@example.com> : max number of "
      "allowed rcpt";
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(h.Feed(Tai(kRcptLimitHit + minutes(i)) + hit).empty());
  EXPECT_EQ(h.detector().CountNow(0, "ip:203.0.113.99", kRcptLimitHit + minutes(5)), 0u);
  EXPECT_TRUE(h.hits().empty());
}

// --- cut and interleaved lines ------------------------------------------------------------------

TEST(DetectorTest, EveryCutOfARelayingLineBeforeItsReasonCountsNothing) {
  const std::string full = FixtureLine("constructed.txt", "a802d3e4f5 CHKUSER");
  const std::size_t reason = full.find("> : ");
  ASSERT_NE(reason, std::string::npos);
  for (std::size_t cut = 0; cut <= reason; ++cut) {
    DetectorHarness h({VolumeRule("v", hours(1), 1), SenderRule("s"), RemoteIpsRule("i", 1),
                       ServicePolicyRule("p", {"smtps"}), RcptLimitRule("r", 1)});
    EXPECT_TRUE(h.Feed(full.substr(0, cut)).empty()) << cut;
    EXPECT_TRUE(h.hits().empty()) << full.substr(0, cut);
  }
}

TEST(DetectorTest, LinesSplicedByChkusersTwoHundredFiftySixByteBufferGiveNoFinding) {
  // A relaying line over 256 bytes, written in two pieces; another process's whole line lands
  // between them, so the log holds "head of A + B" and then "tail of A".
  const std::string a = Relaying(kSuzyFirstRelay, "ceo@bank.example", "suzy@example.com",
                                 "203.0.113.5", std::string(200, 'r') + "@gmail.example");
  const std::string b = FixtureLine("constructed.txt", "a802d3e4f5 CHKUSER").substr(26);
  const std::size_t head = 26 + 256;  // the stamp, then chkuser's first 256 bytes
  ASSERT_GT(a.size(), head);
  DetectorHarness h({VolumeRule("v", hours(1), 1), SenderRule("s"), RemoteIpsRule("i", 1),
                     ServicePolicyRule("p", {"smtps"}), RcptLimitRule("r", 1)});
  EXPECT_TRUE(h.Feed(a.substr(0, head) + b).empty());
  EXPECT_TRUE(h.Feed(Tai(kSuzySecondRelay) + " " + a.substr(head)).empty());
  EXPECT_TRUE(h.hits().empty());
  // The whole line, for contrast, fires every rule but rcpt-limit.
  EXPECT_EQ(h.Feed(a).size(), 4u);
}

// --- observer, rules, expiry --------------------------------------------------------------------

TEST(DetectorTest, TheObserverSeesEveryCountedLineWithItsWindowCount) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100), SenderRule("foreign-sender")});
  h.FeedAll(FixtureLines("constructed.txt"));
  std::vector<std::string> seen;
  for (const auto& hit : h.hits()) {
    seen.push_back(std::to_string(hit.rule) + " " + hit.key + " " + std::to_string(hit.count) +
                   " " + hit.detail);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "0 suzy@example.com 1 ", "1 suzy@example.com 1 ceo@bank.example",
                      "0 suzy@example.com 2 ", "1 suzy@example.com 2 ceo@bank.example",
                      "1 suzy@example.com 3 ceo@bank.example", "0 autoreply@example.com 1 ",
                      "0 tom@example.com 1 ", "0 tom@example.com 2 ", "0 ip:192.0.2.44 1 ",
                      "0 suzy@example.com 3 ", "1 suzy@example.com 4 ceo@bank.example"}));
}

TEST(DetectorTest, RuleIndexFindsRulesByNameAndLongestWindowIsTheLongest) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 10), SenderRule("foreign-sender"),
                     RemoteIpsRule("many-ips", 5, minutes(30))});
  EXPECT_EQ(h.detector().RuleIndex("foreign-sender"), 1u);
  EXPECT_EQ(h.detector().RuleIndex("many-ips"), 2u);
  EXPECT_EQ(h.detector().RuleIndex("nope"), std::string_view::npos);
  EXPECT_EQ(h.detector().longest_window(), hours(24));
  EXPECT_EQ(h.detector().CountNow(9, "suzy@example.com", kSuzyFirstRelay), 0u);
}

TEST(DetectorTest, WindowsEmptiedByTimeAreForgotten) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100)});
  h.FeedAll(FixtureLines("constructed.txt"));
  EXPECT_EQ(h.store().KeyCount(), 4u);  // suzy, autoreply, tom, ip:192.0.2.44
  // On smtps: submission has shown qlog lines, so its chkuser lines no longer count.
  h.Feed(Relaying(kFieldNamed + hours(2), "a@x.example", "a@x.example", "192.0.2.1"), "smtps");
  EXPECT_EQ(h.store().KeyCount(), 1u);
}

}  // namespace
}  // namespace relaywatch::detect
