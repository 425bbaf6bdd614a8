#include "relaywatch/app/report_tally.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/parse/parser.h"

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

// The tally wired as `report` wires it: the observer of the Detector the lines go through.
class Tallied {
 public:
  explicit Tallied(std::string default_domain = "", std::vector<detect::RuleSpec> rules = Rules())
      : detector_(rules, default_domain, store_), tally_(rules, kSince) {
    detector_.set_observer(&tally_);
  }

  // One log text (no stamp) of `service`, stamped `t`.
  void Line(const std::string& text, core::Timestamp t = kSince,
            std::string_view service = "submission") {
    const parse::Event event = parse::ParseEvent("", text);
    std::vector<detect::Finding> findings;
    detector_.OnEvent(detect::EventContext{t, service}, event, findings);
  }

  ReportTally& tally() { return tally_; }
  const UserRow* Find(const std::string& key) {
    auto it = tally_.users().find(key);
    return it == tally_.users().end() ? nullptr : &it->second;
  }

 private:
  detect::MemoryWindowStore store_;
  detect::Detector detector_;
  ReportTally tally_;
};

std::string Chkuser(std::string_view title, std::string_view sender, std::string_view auth,
                    std::string_view ip, std::string_view rcpt = "r@gmail.example") {
  return "CHKUSER " + std::string(title) + ": from <" + std::string(sender) + ":" +
         std::string(auth) + ":> remote <pc:unknown:" + std::string(ip) + "> rcpt <" +
         std::string(rcpt) + "> : some reason";
}

std::string Envelope(std::string_view mailfrom, std::string_view rcpt, std::string_view authuser,
                     std::string_view ip, std::string_view result = "accepted") {
  return "qlogenvelope: result=" + std::string(result) +
         " code=250 reason=rcptto detail= helo=pc mailfrom=" + std::string(mailfrom) +
         " rcptto=" + std::string(rcpt) +
         " relay=yes rcpthosts=no size= authuser=" + std::string(authuser) +
         " authtype= encrypted= sslverified=no localip=192.0.2.10 localport=587 remoteip=" +
         std::string(ip) + " remoteport=51234 remotehost=unknown qp= pid=4321";
}

const UserRow* Find(ReportTally& tally, const std::string& key) {
  auto it = tally.users().find(key);
  return it == tally.users().end() ? nullptr : &it->second;
}

TEST(ReportTallyTest, CountsRelayingRecipientsPerLogin) {
  Tallied t;
  for (int i = 0; i < 3; ++i) {
    t.Line(Chkuser("relaying rcpt", "bob@example.com", "bob@example.com", "203.0.113.5"));
  }
  t.Line(Chkuser("relaying rcpt", "amy@example.com", "amy@example.com", "203.0.113.6"));
  const UserRow* bob = t.Find("bob@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->user, "bob@example.com");
  EXPECT_EQ(bob->recipients, 3u);
  EXPECT_EQ(t.Find("amy@example.com")->recipients, 1u);
  EXPECT_EQ(t.tally().users().size(), 2u);
}

TEST(ReportTallyTest, ALoginWithoutDomainIsOneRowWithItsDefaultDomainForm) {
  Tallied t("example.com");
  t.Line(Chkuser("relaying rcpt", "bob@example.com", "bob", "203.0.113.5"));
  t.Line(Chkuser("relaying rcpt", "bob@example.com", "bob@example.com", "203.0.113.5"));
  t.Line(Chkuser("relaying rcpt", "al@other.example", "al@other.example", "203.0.113.6"));
  const UserRow* bob = t.Find("bob@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->recipients, 2u);
  EXPECT_EQ(t.Find("bob"), nullptr);
  EXPECT_EQ(t.tally().users().size(), 2u);
}

TEST(ReportTallyTest, KeysAreNormalizedLikeTheDetectorsAndIpKeysNeedNoLogin) {
  Tallied t;
  t.Line(Chkuser("relaying rcpt", "a@x.example", "Tom@EXAMPLE.com", "203.0.113.5"));
  t.Line(Chkuser("relaying rcpt", "a@x.example", "Tom@example.COM", "203.0.113.5"));
  t.Line(Chkuser("relaying rcpt", "www-data@web1.example.com", "", "192.0.2.44"));
  t.Line(Chkuser("relaying rcpt", "www-data@web1.example.com", "", "2001:db8::44"));
  ASSERT_NE(t.Find("tom@example.com"), nullptr);
  EXPECT_EQ(t.Find("tom@example.com")->recipients, 2u);
  ASSERT_NE(t.Find("ip:192.0.2.44"), nullptr);
  EXPECT_EQ(t.Find("ip:192.0.2.44")->recipients, 1u);
  // Unauthenticated lines are not a login's client addresses.
  EXPECT_TRUE(t.Find("ip:192.0.2.44")->RemoteIps() == 0);
  EXPECT_NE(t.Find("ip:2001:db8::44"), nullptr);
  EXPECT_EQ(t.tally().users().size(), 3u);
}

TEST(ReportTallyTest, AuthenticatedLocalDeliveriesAddAddressesButNoRecipients) {
  Tallied t;
  t.Line(Chkuser("accepted rcpt", "bob@example.com", "bob@example.com", "203.0.113.5",
                 "amy@example.com"));
  t.Line(Chkuser("accepted any rcpt", "bob@example.com", "bob@example.com", "203.0.113.6",
                 "amy@example.com"));
  const UserRow* bob = t.Find("bob@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->recipients, 0u);
  EXPECT_EQ(bob->RemoteIps(), 2u);
}

TEST(ReportTallyTest, IgnoresInboundMailSenderLinesRejectionsAndOtherEvents) {
  Tallied t;
  t.Line(Chkuser("accepted rcpt", "news@list.example", "", "198.51.100.20", "suzy@example.com"));
  t.Line(Chkuser("accepted sender", "bob@example.com", "bob@example.com", "203.0.113.5", ""));
  t.Line(Chkuser("rejected relaying", "spam@spam.example", "", "203.0.113.99"));
  t.Line(Chkuser("intrusion threshold", "bob@example.com", "bob@example.com", "203.0.113.5"));
  t.Line("tcpserver: ok 4321 mail.example.com:192.0.2.10:587 :203.0.113.5::51234");
  t.Line("CHKUSER relaying rcpt: from <bob@example.com:bob@example.com:> remote <cut");
  EXPECT_TRUE(t.tally().users().empty());
}

TEST(ReportTallyTest, CountsDistinctClientAddressesOfAuthenticatedLines) {
  Tallied t;
  for (const char* ip : {"203.0.113.5", "203.0.113.5", "2001:db8::5", "::ffff:198.51.100.7"}) {
    t.Line(Chkuser("relaying rcpt", "tom@example.com", "tom@example.com", ip));
  }
  EXPECT_EQ(t.Find("tom@example.com")->RemoteIps(), 3u);
}

TEST(ReportTallyTest, KeepsIpv4AddressesAsThemselvesAndOthersHashed) {
  Tallied t;
  // Addresses that differ in one bit of one part, and the IPv6 ones, each count once.
  for (const char* ip : {"10.0.0.1", "10.0.0.3", "10.0.1.1", "11.0.0.1", "255.255.255.255",
                         "0.0.0.0", "10.0.0.1", "2001:db8::1", "2001:db8::3", "::ffff:10.0.0.1"}) {
    t.Line(Chkuser("relaying rcpt", "tom@example.com", "tom@example.com", ip));
  }
  const UserRow* tom = t.Find("tom@example.com");
  ASSERT_NE(tom, nullptr);
  EXPECT_EQ(tom->remote_ipv4.size(), 6u);  // ::ffff:10.0.0.1 is 10.0.0.1
  EXPECT_EQ(tom->remote_ip_hashes.size(), 2u);
  EXPECT_EQ(tom->RemoteIps(), 8u);
  EXPECT_TRUE(tom->remote_ipv4.contains(0x0A000001u));
  EXPECT_TRUE(tom->remote_ipv4.contains(0xFFFFFFFFu));
  EXPECT_TRUE(tom->remote_ipv4.contains(0u));
}

TEST(ReportTallyTest, OnlyRecipientsStampedInTheRangeCount) {
  Tallied t;
  // The warm-up before the range feeds the windows, not the table.
  t.Line(Chkuser("relaying rcpt", "bob@example.com", "bob@example.com", "203.0.113.5"),
         kSince - minutes(1));
  t.Line(Chkuser("relaying rcpt", "bob@example.com", "bob@example.com", "203.0.113.6"), kSince);
  const UserRow* bob = t.Find("bob@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->recipients, 1u);
  EXPECT_EQ(bob->RemoteIps(), 1u);
  EXPECT_EQ(bob->peak[0], 2u);  // the window's count, the warm-up's recipient included
}

// --- where the login comes from -----------------------------------------------------------------

TEST(ReportTallyTest, OnAQlogServiceAForgedAuthFieldIsTalliedForTheClientIp) {
  Tallied t;
  t.Line(Envelope("www@web1.example", "z@gmail.example", "", "192.0.2.44"), kSince - hours(2));
  for (const char* rcpt : {"a@gmail.example", "b@gmail.example"}) {
    t.Line(Chkuser("relaying rcpt", "spam@bank.example", "ceo@example.com", "192.0.2.44", rcpt));
    t.Line(Envelope("spam@bank.example", rcpt, "", "192.0.2.44"));
  }
  EXPECT_EQ(t.Find("ceo@example.com"), nullptr);
  const UserRow* ip = t.Find("ip:192.0.2.44");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->recipients, 2u);  // z@ was before the range
  EXPECT_TRUE(ip->RemoteIps() == 0);
  EXPECT_TRUE(ip->foreign_senders.empty());
}

TEST(ReportTallyTest, OnAQlogServiceTheRealLoginIsQlogsAuthuser) {
  Tallied t("example.com");
  t.Line(Envelope("suzy@example.com", "z@gmail.example", "suzy", "203.0.113.5"), kSince - hours(2));
  t.Line(Chkuser("relaying rcpt", "ceo@bank.example", "ceo@example.com", "203.0.113.5",
                 "x@gmail.example"));
  t.Line(Envelope("ceo@bank.example", "x@gmail.example", "suzy", "203.0.113.5"));
  t.Line(Envelope("ceo@bank.example", "y@gmail.example", "suzy", "203.0.113.5", "rejected"));
  EXPECT_EQ(t.Find("ceo@example.com"), nullptr);
  const UserRow* suzy = t.Find("suzy@example.com");
  ASSERT_NE(suzy, nullptr);
  EXPECT_EQ(suzy->recipients, 1u);
  EXPECT_EQ(suzy->RemoteIps(), 1u);
  EXPECT_EQ(suzy->foreign_senders, (std::map<std::string, std::uint64_t>{{"ceo@bank.example", 1}}));
  EXPECT_EQ(suzy->peak[1], 1u);  // foreign-sender: the z@ recipient was her own address
}

TEST(ReportTallyTest, AServiceWithoutQlogLinesIsTalliedFromChkuser) {
  Tallied t;
  t.Line(Envelope("www@web1.example", "z@gmail.example", "", "192.0.2.44"), kSince, "submission");
  t.Line(Chkuser("relaying rcpt", "spam@bank.example", "ceo@example.com", "192.0.2.44"), kSince,
         "smtp");
  ASSERT_NE(t.Find("ceo@example.com"), nullptr);
  EXPECT_EQ(t.Find("ceo@example.com")->recipients, 1u);
  EXPECT_EQ(t.Find("ip:192.0.2.44")->recipients, 1u);
}

// --- peaks and foreign senders ------------------------------------------------------------------

TEST(ReportTallyTest, PeakIsTheHighestWindowCountOfEachRuleInRange) {
  ReportTally tally(Rules(), kSince);
  auto hits = [&](core::Timestamp t, std::vector<detect::Hit> h) {
    tally.OnLine({t, "bob@example.com", h, std::nullopt});
  };
  hits(kSince - minutes(1), {{0, 90, ""}});  // warm-up: not in range
  hits(kSince, {{0, 4, ""}});
  hits(kSince + minutes(1), {{0, 7, ""}});
  hits(kSince + minutes(2), {{0, 5, ""}, {3, 2, ""}});
  const UserRow* bob = Find(tally, "bob@example.com");
  ASSERT_NE(bob, nullptr);
  // By rule index: hourly-volume, foreign-sender, own-address, many-ips.
  EXPECT_EQ(bob->peak, (std::vector<std::uint64_t>{7, 0, 0, 2}));
  EXPECT_EQ(bob->recipients, 0u);  // hits are not recipients
}

TEST(ReportTallyTest, ASenderAnySenderRuleRejectsIsForeignOncePerRecipient) {
  Tallied t;
  t.Line(Chkuser("relaying rcpt", "old@bank.example", "suzy@example.com", "203.0.113.5"),
         kSince - minutes(3));  // before the range
  // Both rules reject the CEO's address: one recipient, counted once.
  t.Line(Chkuser("relaying rcpt", "ceo@bank.example", "suzy@example.com", "203.0.113.5"));
  t.Line(Chkuser("relaying rcpt", "CFO@BANK.example", "suzy@example.com", "203.0.113.5"),
         kSince + minutes(1));
  // Her own domain: only own-address (the second sender rule) rejects it.
  t.Line(Chkuser("relaying rcpt", "sales@example.com", "suzy@example.com", "203.0.113.5"),
         kSince + minutes(2));
  t.Line(Chkuser("relaying rcpt", "suzy@example.com", "suzy@example.com", "203.0.113.5"),
         kSince + minutes(3));
  const UserRow* suzy = t.Find("suzy@example.com");
  ASSERT_NE(suzy, nullptr);
  EXPECT_EQ(suzy->foreign_senders,
            (std::map<std::string, std::uint64_t>{
                {"CFO@bank.example", 1}, {"ceo@bank.example", 1}, {"sales@example.com", 1}}));
  EXPECT_EQ(suzy->peak, (std::vector<std::uint64_t>{5, 3, 4, 1}));  // old@ in the windows
  EXPECT_EQ(suzy->recipients, 4u);
}

TEST(ReportTallyTest, ForeignSendersPastTheCapAreFoldedIntoOneEntry) {
  ReportTally tally(Rules(), kSince);
  const std::size_t n = ReportTally::kMaxForeignSenders + 5;
  std::vector<std::string> senders;
  for (std::size_t i = 0; i < n; ++i) senders.push_back("s" + std::to_string(i) + "@x.example");
  senders.push_back("s0@x.example");  // known: still counted
  for (const std::string& s : senders) {
    tally.OnLine({kSince,
                  "bot@example.com",
                  {},
                  detect::RecipientHit{"203.0.113.5", s, true, true, 0xcb007105}});
  }
  const UserRow* bot = Find(tally, "bot@example.com");
  ASSERT_NE(bot, nullptr);
  EXPECT_EQ(bot->foreign_senders.size(), ReportTally::kMaxForeignSenders + 1);
  EXPECT_EQ(bot->foreign_senders.at("(other senders)"), 5u);
  EXPECT_EQ(bot->foreign_senders.at("s0@x.example"), 2u);
  EXPECT_EQ(bot->recipients, n + 1);
}

TEST(ReportTallyTest, WithoutASenderRuleNoForeignSendersAreKept) {
  detect::RuleSpec volume;
  volume.name = "v";
  volume.params = detect::VolumeParams{};
  Tallied t("", {volume});
  t.Line(Chkuser("relaying rcpt", "ceo@bank.example", "bob@example.com", "203.0.113.5"));
  ASSERT_NE(t.Find("bob@example.com"), nullptr);
  EXPECT_TRUE(t.Find("bob@example.com")->foreign_senders.empty());
}

}  // namespace
}  // namespace relaywatch::app
