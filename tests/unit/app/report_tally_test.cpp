#include "relaywatch/app/report_tally.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/parse/parser.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::app {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const core::Timestamp kSince = core::Timestamp(seconds(1795824000));

std::vector<detect::RuleSpec> Rules() {
  detect::RuleSpec volume;
  volume.name = "hourly-volume";
  volume.params = detect::VolumeParams{};
  detect::RuleSpec sender;
  sender.name = "foreign-sender";
  sender.params = detect::SenderParams{};
  detect::RuleSpec own;
  own.name = "own-address";
  own.params = detect::SenderParams{detect::SenderPolicy::kSameAddress, {}, {}, {}};
  detect::RuleSpec ips;
  ips.name = "many-ips";
  ips.params = detect::RemoteIpsParams{};
  return {volume, sender, own, ips};
}

// Feeds one chkuser text to the tally as the pipeline's line observer would.
void Line(ReportTally& tally, const std::string& text, core::Timestamp t = kSince) {
  stamp::Line line;
  line.time = t;
  line.stamped = true;
  line.stamp = stamp::StampKind::kTai64n;
  line.text = text;
  const parse::Event event = parse::ParseEvent("", text);
  tally.OnLine(pipeline::LineView{line, event, "submission"});
}

std::string Chkuser(std::string_view title, std::string_view sender, std::string_view auth,
                    std::string_view ip, std::string_view rcpt = "r@gmail.example") {
  return "CHKUSER " + std::string(title) + ": from <" + std::string(sender) + ":" +
         std::string(auth) + ":> remote <pc:unknown:" + std::string(ip) + "> rcpt <" +
         std::string(rcpt) + "> : some reason";
}

const UserRow* Find(ReportTally& tally, const std::string& key) {
  auto it = tally.users().find(key);
  return it == tally.users().end() ? nullptr : &it->second;
}

TEST(ReportTallyTest, CountsRelayingRecipientsPerLogin) {
  ReportTally tally(Rules(), "", kSince);
  for (int i = 0; i < 3; ++i) {
    Line(tally, Chkuser("relaying rcpt", "bob@example.com", "bob@example.com", "203.0.113.5"));
  }
  Line(tally, Chkuser("relaying rcpt", "amy@example.com", "amy@example.com", "203.0.113.6"));
  const UserRow* bob = Find(tally, "bob@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->user, "bob@example.com");
  EXPECT_EQ(bob->recipients, 3u);
  EXPECT_TRUE(bob->relayed);
  EXPECT_EQ(Find(tally, "amy@example.com")->recipients, 1u);
  EXPECT_EQ(tally.users().size(), 2u);
}

TEST(ReportTallyTest, ALoginWithoutDomainIsOneRowWithItsDefaultDomainForm) {
  ReportTally tally(Rules(), "example.com", kSince);
  Line(tally, Chkuser("relaying rcpt", "bob@example.com", "bob", "203.0.113.5"));
  Line(tally, Chkuser("relaying rcpt", "bob@example.com", "bob@example.com", "203.0.113.5"));
  Line(tally, Chkuser("relaying rcpt", "al@other.example", "al@other.example", "203.0.113.6"));
  const UserRow* bob = Find(tally, "bob@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->recipients, 2u);
  EXPECT_EQ(Find(tally, "bob"), nullptr);
  EXPECT_EQ(tally.users().size(), 2u);
}

TEST(ReportTallyTest, KeysAreNormalizedLikeTheDetectorsAndIpKeysNeedNoLogin) {
  ReportTally tally(Rules(), "", kSince);
  Line(tally, Chkuser("relaying rcpt", "a@x.example", "Tom@EXAMPLE.com", "203.0.113.5"));
  Line(tally, Chkuser("relaying rcpt", "a@x.example", "Tom@example.COM", "203.0.113.5"));
  Line(tally, Chkuser("relaying rcpt", "www-data@web1.example.com", "", "192.0.2.44"));
  Line(tally, Chkuser("relaying rcpt", "www-data@web1.example.com", "", "2001:db8::44"));
  ASSERT_NE(Find(tally, "Tom@example.com"), nullptr);
  EXPECT_EQ(Find(tally, "Tom@example.com")->recipients, 2u);
  ASSERT_NE(Find(tally, "ip:192.0.2.44"), nullptr);
  EXPECT_EQ(Find(tally, "ip:192.0.2.44")->recipients, 1u);
  // Unauthenticated lines are not a login's client addresses.
  EXPECT_TRUE(Find(tally, "ip:192.0.2.44")->remote_ips.empty());
  EXPECT_NE(Find(tally, "ip:2001:db8::44"), nullptr);
  EXPECT_EQ(tally.users().size(), 3u);
}

TEST(ReportTallyTest, AuthenticatedLocalDeliveriesAddAddressesButNoRecipients) {
  ReportTally tally(Rules(), "", kSince);
  Line(tally, Chkuser("accepted rcpt", "bob@example.com", "bob@example.com", "203.0.113.5",
                      "amy@example.com"));
  Line(tally, Chkuser("accepted any rcpt", "bob@example.com", "bob@example.com", "203.0.113.6",
                      "amy@example.com"));
  const UserRow* bob = Find(tally, "bob@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->recipients, 0u);
  EXPECT_FALSE(bob->relayed);
  EXPECT_EQ(bob->remote_ips.size(), 2u);
}

TEST(ReportTallyTest, IgnoresInboundMailSenderLinesRejectionsAndOtherEvents) {
  ReportTally tally(Rules(), "", kSince);
  Line(tally, Chkuser("accepted rcpt", "news@list.example", "", "198.51.100.20",
                      "suzy@example.com"));
  Line(tally, Chkuser("accepted sender", "bob@example.com", "bob@example.com", "203.0.113.5",
                      ""));
  Line(tally, Chkuser("rejected relaying", "spam@spam.example", "", "203.0.113.99"));
  Line(tally, Chkuser("intrusion threshold", "bob@example.com", "bob@example.com", "203.0.113.5"));
  Line(tally, "tcpserver: ok 4321 mail.example.com:192.0.2.10:587 :203.0.113.5::51234");
  Line(tally, "CHKUSER relaying rcpt: from <bob@example.com:bob@example.com:> remote <cut");
  EXPECT_TRUE(tally.users().empty());
}

TEST(ReportTallyTest, CountsDistinctClientAddressesOfAuthenticatedLines) {
  ReportTally tally(Rules(), "", kSince);
  for (const char* ip : {"203.0.113.5", "203.0.113.5", "2001:db8::5", "::ffff:198.51.100.7"}) {
    Line(tally, Chkuser("relaying rcpt", "tom@example.com", "tom@example.com", ip));
  }
  EXPECT_EQ(Find(tally, "tom@example.com")->remote_ips.size(), 3u);
}

TEST(ReportTallyTest, PeakIsTheHighestWindowCountOfEachRuleInRange) {
  ReportTally tally(Rules(), "", kSince);
  tally.OnHit({0, kSince - minutes(1), "bob@example.com", 90, ""});  // warm-up: not in range
  tally.OnHit({0, kSince, "bob@example.com", 4, ""});
  tally.OnHit({0, kSince + minutes(1), "bob@example.com", 7, ""});
  tally.OnHit({0, kSince + minutes(2), "bob@example.com", 5, ""});
  tally.OnHit({3, kSince + minutes(2), "bob@example.com", 2, ""});
  const UserRow* bob = Find(tally, "bob@example.com");
  ASSERT_NE(bob, nullptr);
  // By rule index: hourly-volume, foreign-sender, own-address, many-ips.
  EXPECT_EQ(bob->peak, (std::vector<std::uint64_t>{7, 0, 0, 2}));
  EXPECT_EQ(bob->recipients, 0u);  // hits are not lines
}

TEST(ReportTallyTest, ForeignSendersAreCountedOnceByTheFirstSenderRule) {
  ReportTally tally(Rules(), "", kSince);
  tally.OnHit({1, kSince, "suzy@example.com", 1, "ceo@bank.example"});
  tally.OnHit({2, kSince, "suzy@example.com", 1, "ceo@bank.example"});  // second sender rule
  tally.OnHit({1, kSince + minutes(1), "suzy@example.com", 2, "ceo@bank.example"});
  tally.OnHit({1, kSince + minutes(2), "suzy@example.com", 3, "CFO@bank.example"});
  tally.OnHit({2, kSince + minutes(3), "suzy@example.com", 2, "Suzy@example.com"});
  tally.OnHit({1, kSince - minutes(3), "suzy@example.com", 9, "old@bank.example"});
  const UserRow* suzy = Find(tally, "suzy@example.com");
  ASSERT_NE(suzy, nullptr);
  EXPECT_EQ(suzy->foreign_senders,
            (std::map<std::string, std::uint64_t>{{"CFO@bank.example", 1},
                                                  {"ceo@bank.example", 2}}));
  EXPECT_EQ(suzy->peak, (std::vector<std::uint64_t>{0, 3, 2, 0}));
}

TEST(ReportTallyTest, ForeignSendersPastTheCapAreFoldedIntoOneEntry) {
  ReportTally tally(Rules(), "", kSince);
  const std::size_t n = ReportTally::kMaxForeignSenders + 5;
  for (std::size_t i = 0; i < n; ++i) {
    tally.OnHit({1, kSince, "bot@example.com", i + 1, "s" + std::to_string(i) + "@x.example"});
  }
  tally.OnHit({1, kSince, "bot@example.com", n + 1, "s0@x.example"});  // known: still counted
  const UserRow* bot = Find(tally, "bot@example.com");
  ASSERT_NE(bot, nullptr);
  EXPECT_EQ(bot->foreign_senders.size(), ReportTally::kMaxForeignSenders + 1);
  EXPECT_EQ(bot->foreign_senders.at("(other senders)"), 5u);
  EXPECT_EQ(bot->foreign_senders.at("s0@x.example"), 2u);
}

TEST(ReportTallyTest, WithoutASenderRuleNoForeignSendersAreKept) {
  detect::RuleSpec volume;
  volume.name = "v";
  volume.params = detect::VolumeParams{};
  ReportTally tally({volume}, "", kSince);
  tally.OnHit({0, kSince, "bob@example.com", 1, "x@y.example"});
  EXPECT_TRUE(Find(tally, "bob@example.com")->foreign_senders.empty());
}

}  // namespace
}  // namespace relaywatch::app
