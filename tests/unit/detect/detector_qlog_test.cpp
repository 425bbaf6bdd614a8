// The Detector on services whose log carries sagredo's qlogenvelope lines: there the accepted
// qlogenvelope line, whose authuser= is the real SMTP AUTH login, is the recipient that counts,
// not chkuser's AUTH field, which a client relaying by IP can fill with MAIL FROM's AUTH=.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detector_harness.h"
#include "relaywatch/detect/detector.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::DetectorHarness;
using testing::FixtureLine;
using testing::RcptLimitRule;
using testing::RemoteIpsRule;
using testing::SenderRule;
using testing::ServicePolicyRule;
using testing::Tai;
using testing::VolumeRule;

// The forged-AUTH case, in the lines sagredo's qmail-smtpd and chkuser write for it: a web
// server relaying by IP put AUTH=ceo@example.com in MAIL FROM for six recipients.
const std::vector<std::string> kForgedAuth = {
    "@400000006b0aa62a00000000 CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> "
    "remote <web1:unknown:192.0.2.44> rcpt <a@gmail.example> : client allowed to relay",
    "@400000006b0aa62a00000000 qlogenvelope: result=accepted code=250 reason=rcptto "
    "detail=chkuserrelay helo=web1 mailfrom=spam@bank.example rcptto=a@gmail.example relay=yes "
    "rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 "
    "localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown qp= pid=4321",
    "@400000006b0aa62b00000000 CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> "
    "remote <web1:unknown:192.0.2.44> rcpt <b@gmail.example> : client allowed to relay",
    "@400000006b0aa62b00000000 qlogenvelope: result=accepted code=250 reason=rcptto "
    "detail=chkuserrelay helo=web1 mailfrom=spam@bank.example rcptto=b@gmail.example relay=yes "
    "rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 "
    "localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown qp= pid=4321",
    "@400000006b0aa62c00000000 CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> "
    "remote <web1:unknown:192.0.2.44> rcpt <c@gmail.example> : client allowed to relay",
    "@400000006b0aa62c00000000 qlogenvelope: result=accepted code=250 reason=rcptto "
    "detail=chkuserrelay helo=web1 mailfrom=spam@bank.example rcptto=c@gmail.example relay=yes "
    "rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 "
    "localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown qp= pid=4321",
    "@400000006b0aa62d00000000 CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> "
    "remote <web1:unknown:192.0.2.44> rcpt <d@gmail.example> : client allowed to relay",
    "@400000006b0aa62d00000000 qlogenvelope: result=accepted code=250 reason=rcptto "
    "detail=chkuserrelay helo=web1 mailfrom=spam@bank.example rcptto=d@gmail.example relay=yes "
    "rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 "
    "localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown qp= pid=4321",
    "@400000006b0aa62e00000000 CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> "
    "remote <web1:unknown:192.0.2.44> rcpt <e@gmail.example> : client allowed to relay",
    "@400000006b0aa62e00000000 qlogenvelope: result=accepted code=250 reason=rcptto "
    "detail=chkuserrelay helo=web1 mailfrom=spam@bank.example rcptto=e@gmail.example relay=yes "
    "rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 "
    "localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown qp= pid=4321",
    "@400000006b0aa62f00000000 CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> "
    "remote <web1:unknown:192.0.2.44> rcpt <f@gmail.example> : client allowed to relay",
    "@400000006b0aa62f00000000 qlogenvelope: result=accepted code=250 reason=rcptto "
    "detail=chkuserrelay helo=web1 mailfrom=spam@bank.example rcptto=f@gmail.example relay=yes "
    "rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 "
    "localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown qp= pid=4321",
    "@400000006b0aa63100000000 qlogreceived: result=accepted code=250 reason=queueaccept detail= "
    "helo=web1 mailfrom=spam@bank.example "
    "rcptto=a@gmail.example,b@gmail.example,c@gmail.example,d@gmail.example,e@gmail.example,f@"
    "gmail.example relay=yes rcpthosts=no size=2048 authuser= authtype= encrypted= sslverified=no "
    "localip=192.0.2.10 localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown "
    "qp=4333 pid=4321",
};
const core::Timestamp kForgedFirst = core::Timestamp(seconds(1795860000));  // 10:00:00 UTC

std::vector<std::string> ForgedAuthFrom(std::size_t first) {
  return {kForgedAuth.begin() + static_cast<std::ptrdiff_t>(first), kForgedAuth.end()};
}

std::string Chkuser(core::Timestamp t, std::string_view title, std::string_view sender,
                    std::string_view auth, std::string_view ip, std::string_view rcpt,
                    std::string_view reason = "client allowed to relay") {
  return Tai(t) + " CHKUSER " + std::string(title) + ": from <" + std::string(sender) + ":" +
         std::string(auth) + ":> remote <pc:unknown:" + std::string(ip) + "> rcpt <" +
         std::string(rcpt) + "> : " + std::string(reason);
}

// A qlogenvelope line as qsmtpdlog() writes it.
std::string Envelope(core::Timestamp t, std::string_view result, std::string_view mailfrom,
                     std::string_view rcpt, bool relay, std::string_view authuser,
                     std::string_view ip, bool local = false) {
  return Tai(t) + " qlogenvelope: result=" + std::string(result) +
         " code=250 reason=rcptto detail= helo=pc mailfrom=" + std::string(mailfrom) +
         " rcptto=" + std::string(rcpt) + " relay=" + (relay ? "yes" : "no") +
         " rcpthosts=" + (local ? "yes" : "no") + " size= authuser=" + std::string(authuser) +
         " authtype=" + (authuser.empty() ? "" : "login") +
         " encrypted= sslverified=no localip=192.0.2.10 localport=587 remoteip=" + std::string(ip) +
         " remoteport=51234 remotehost=unknown qp= pid=4321";
}

// "key relaying authenticated ip foreign" per counted recipient.
std::vector<std::string> Recipients(const DetectorHarness& h) {
  std::vector<std::string> out;
  for (const auto& r : h.recipients()) {
    out.push_back(r.key + (r.relaying ? " relaying" : " local") +
                  (r.authenticated ? " auth " : " noauth ") + r.client_ip +
                  (r.foreign_sender.empty() ? "" : " " + r.foreign_sender));
  }
  return out;
}

std::vector<RuleSpec> AllRecipientRules() {
  return {VolumeRule("hourly-volume", hours(1), 5), SenderRule("foreign-sender"),
          RemoteIpsRule("many-ips", 3), ServicePolicyRule("port25-auth", {"submission"})};
}

TEST(DetectorQlogTest, AForgedAuthFieldIsCountedForTheClientIpOnceQlogIsKnown) {
  DetectorHarness h(AllRecipientRules(), "example.com");
  h.Feed(Envelope(kForgedFirst - hours(2), "accepted", "www@web1.example", "z@gmail.example", true,
                  "", "192.0.2.44"));
  const std::vector<Finding> all = h.FeedAll(kForgedAuth);
  ASSERT_EQ(all.size(), 2u);  // e@ reaches the limit, f@ is over it
  for (const Finding& f : all) {
    EXPECT_EQ(f.rule, "hourly-volume");
    EXPECT_EQ(f.key, "ip:192.0.2.44");
    EXPECT_EQ(f.basis, "ip");
  }
  EXPECT_EQ(all[0].count, 5u);
  EXPECT_EQ(all[0].last, kForgedFirst + seconds(4));  // e@gmail.example's qlogenvelope line
  // Not authenticated: no sender, remote-ips or service-policy count, and ceo@ is never named.
  for (const auto& r : h.recipients()) {
    EXPECT_EQ(r.key, "ip:192.0.2.44");
    EXPECT_TRUE(r.relaying);
    EXPECT_FALSE(r.authenticated);
  }
  EXPECT_EQ(h.recipients().size(), 7u);  // z@ two hours before, then a@ to f@
  EXPECT_EQ(h.detector().CountNow(0, "ceo@example.com", kForgedFirst + seconds(7)), 0u);
}

TEST(DetectorQlogTest, TheFirstQlogLineOfAServiceDoesNotCountItsRecipientASecondTime) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100)});
  h.FeedAll(kForgedAuth);
  // a@gmail.example was counted by its chkuser line, before the service was known to log qlog
  // lines; its qlogenvelope line is not counted again. From b@ on, qlog's key.
  EXPECT_EQ(Recipients(h), (std::vector<std::string>{
                               "ceo@example.com relaying auth 192.0.2.44",
                               "ip:192.0.2.44 relaying noauth 192.0.2.44",
                               "ip:192.0.2.44 relaying noauth 192.0.2.44",
                               "ip:192.0.2.44 relaying noauth 192.0.2.44",
                               "ip:192.0.2.44 relaying noauth 192.0.2.44",
                               "ip:192.0.2.44 relaying noauth 192.0.2.44",
                           }));
  EXPECT_EQ(h.hits()[0].key, "ceo@example.com");
  EXPECT_EQ(h.detector().CountNow(0, "ip:192.0.2.44", kForgedFirst + seconds(7)), 5u);
}

// A restart or a config reload builds a new Detector; it takes what the old one learned from its
// snapshot.
TEST(DetectorQlogTest, AServiceKnownToLogQlogLinesNeverCountsChkusersLogin) {
  DetectorHarness learned({VolumeRule("hourly-volume", hours(1), 100)});
  learned.FeedAll(kForgedAuth);
  const DetectorState snapshot = learned.detector().Snapshot();
  ASSERT_EQ(snapshot.services.size(), 1u);
  EXPECT_EQ(snapshot.services[0].service, "submission");
  EXPECT_TRUE(snapshot.services[0].qlog);

  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100)});
  DetectorState taken = snapshot;
  taken.windows.clear();  // the learning alone, not the counts
  h.detector().Restore(std::move(taken));
  h.FeedAll(kForgedAuth);
  ASSERT_EQ(h.recipients().size(), 6u);
  for (const auto& r : h.recipients()) EXPECT_EQ(r.key, "ip:192.0.2.44");
  EXPECT_EQ(h.detector().CountNow(0, "ceo@example.com", kForgedFirst + seconds(7)), 0u);
  EXPECT_EQ(h.detector().CountNow(0, "ip:192.0.2.44", kForgedFirst + seconds(7)), 6u);
}

TEST(DetectorQlogTest, AFirstQlogLineForAnotherRecipientIsCounted) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100)});
  // Joined mid-message: the chkuser line of a@ was before the file's start.
  h.FeedAll(ForgedAuthFrom(1));
  EXPECT_EQ(h.recipients().size(), 6u);
  EXPECT_EQ(h.detector().CountNow(0, "ip:192.0.2.44", kForgedFirst + seconds(7)), 6u);
  EXPECT_EQ(h.detector().CountNow(0, "ceo@example.com", kForgedFirst + seconds(7)), 0u);
}

TEST(DetectorQlogTest, ARealLoginIsTakenFromQlogAuthuserNormalizedLikeChkusers) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100), SenderRule("foreign-sender"),
                     RemoteIpsRule("many-ips", 100)},
                    "example.com");
  const core::Timestamp t = kForgedFirst;
  h.Feed(Envelope(t, "accepted", "bob@example.com", "x@gmail.example", true, "bob", "203.0.113.7"));
  // chkuser names the AUTH= parameter; qlog the login that authenticated.
  h.Feed(Chkuser(t + seconds(1), "relaying rcpt", "ceo@bank.example", "ceo@example.com",
                 "203.0.113.5", "y@gmail.example"));
  const std::vector<Finding> got =
      h.Feed(Envelope(t + seconds(1), "accepted", "ceo@bank.example", "y@gmail.example", true,
                      "Suzy@EXAMPLE.com", "203.0.113.5"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule, "foreign-sender");
  EXPECT_EQ(got[0].key, "suzy@example.com");
  EXPECT_EQ(got[0].basis, "qlog");
  EXPECT_EQ(got[0].detail, "ceo@bank.example");
  EXPECT_EQ(Recipients(h), (std::vector<std::string>{
                               "bob@example.com relaying auth 203.0.113.7",
                               "suzy@example.com relaying auth 203.0.113.5 ceo@bank.example",
                           }));
}

TEST(DetectorQlogTest, AnAuthenticatedLocalDeliveryCountsForSenderAndIpsButNotVolume) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 1), SenderRule("foreign-sender"),
                     RemoteIpsRule("many-ips", 100)});
  const std::vector<Finding> got =
      h.Feed(Envelope(kForgedFirst, "accepted", "ceo@bank.example", "bob@example.com", false,
                      "suzy@example.com", "203.0.113.5"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule, "foreign-sender");
  EXPECT_EQ(Recipients(h),
            (std::vector<std::string>{"suzy@example.com local auth 203.0.113.5 ceo@bank.example"}));
}

// sagredo's qmail-smtpd writes relay=yes whenever RELAYCLIENT is set, after SMTP AUTH too, also
// for a recipient it delivers here (rcpthosts=yes): that one is not relayed.
TEST(DetectorQlogTest, ALocalRecipientWithRelayYesIsNotRelayed) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 1), SenderRule("foreign-sender"),
                     RemoteIpsRule("many-ips", 100)});
  const std::vector<Finding> got =
      h.Feed(Envelope(kForgedFirst, "accepted", "ceo@bank.example", "tom@example.com", true,
                      "suzy@example.com", "203.0.113.5", /*local=*/true));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule, "foreign-sender");
  EXPECT_EQ(Recipients(h),
            (std::vector<std::string>{"suzy@example.com local auth 203.0.113.5 ceo@bank.example"}));
  // A host allowed to relay by IP writing to a local mailbox: inbound mail, nobody's quota.
  EXPECT_TRUE(h.Feed(Envelope(kForgedFirst, "accepted", "www@web1.example", "tom@example.com", true,
                              "", "192.0.2.44", /*local=*/true))
                  .empty());
  EXPECT_EQ(h.recipients().size(), 1u);
}

TEST(DetectorQlogTest, RejectedAndInboundQlogLinesCountNothingButRevealTheService) {
  DetectorHarness h(AllRecipientRules());
  const core::Timestamp t = kForgedFirst;
  EXPECT_TRUE(h.Feed(Envelope(t, "rejected", "spam@bank.example", "a@gmail.example", true,
                              "suzy@example.com", "203.0.113.5"))
                  .empty());
  EXPECT_TRUE(h.Feed(Envelope(t, "accepted", "news@list.example", "suzy@example.com", false, "",
                              "198.51.100.20"))
                  .empty());
  // The service logs qlog lines: chkuser's relaying line is no longer what counts.
  EXPECT_TRUE(h.Feed(Chkuser(t, "relaying rcpt", "ceo@bank.example", "suzy@example.com",
                             "203.0.113.5", "x@gmail.example"))
                  .empty());
  EXPECT_TRUE(h.hits().empty());
  EXPECT_TRUE(h.recipients().empty());
}

TEST(DetectorQlogTest, AServiceWithoutQlogLinesIsCountedFromChkuserAsBefore) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100)});
  // The chkuser lines alone: the forged field is all there is, and it is what counts (basis
  // chkuser), as on any qmail without qlog.
  for (std::size_t i = 0; i < kForgedAuth.size(); i += 2) h.Feed(kForgedAuth[i]);
  EXPECT_EQ(h.recipients().size(), 6u);
  EXPECT_EQ(h.detector().CountNow(0, "ceo@example.com", kForgedFirst + seconds(7)), 6u);
}

TEST(DetectorQlogTest, OnlyTheServiceWithQlogLinesIsCountedFromThem) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100),
                     ServicePolicyRule("port25-auth", {"submission"})});
  h.FeedAll(kForgedAuth, "submission");
  const core::Timestamp t = kForgedFirst + seconds(10);
  // The same forged line on smtp, which logs no qlog lines: chkuser's login, basis chkuser.
  const std::vector<Finding> got =
      h.Feed(Chkuser(t, "relaying rcpt", "spam@bank.example", "ceo@example.com", "192.0.2.44",
                     "g@gmail.example"),
             "smtp");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule, "port25-auth");
  EXPECT_EQ(got[0].key, "ceo@example.com");
  EXPECT_EQ(got[0].basis, "chkuser");
  EXPECT_EQ(got[0].service, "smtp");
  // And submission still counts by qlog.
  h.Feed(Chkuser(t, "relaying rcpt", "spam@bank.example", "ceo@example.com", "192.0.2.44",
                 "h@gmail.example"),
         "submission");
  h.Feed(Envelope(t, "accepted", "spam@bank.example", "h@gmail.example", true, "", "192.0.2.44"),
         "submission");
  EXPECT_EQ(h.detector().CountNow(0, "ceo@example.com", t), 2u);  // a@ on submission, g@ on smtp
  EXPECT_EQ(h.detector().CountNow(0, "ip:192.0.2.44", t), 6u);
}

TEST(DetectorQlogTest, TheFieldNamedDialectWithItsQlogLinesCountsOnce) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 100), SenderRule("foreign-sender")});
  h.Feed(FixtureLine("constructed.txt", "remoteinfo/auth:suzy@example.com"));
  h.Feed(FixtureLine("constructed.txt", "qlogenvelope:"));
  h.Feed(FixtureLine("constructed.txt", "qlogreceived:"));
  EXPECT_EQ(
      Recipients(h),
      (std::vector<std::string>{"suzy@example.com relaying auth 203.0.113.5 ceo@bank.example"}));
  EXPECT_EQ(h.hits()[0].count, 1u);
  // Her next recipient, as the d-stamped log would go on: counted from its qlogenvelope line.
  const std::string chkuser =
      "2026-11-28 03:15:22.400000000 CHKUSER relaying rcpt: from "
      "<ceo@bank.example|remoteinfo/auth:suzy@example.com|chkuser-identify:> remote "
      "<helo:laptop|remotehostname:unknown|remotehostip:203.0.113.5> rcpt <y@yahoo.example> : "
      "client allowed to relay";
  const std::string envelope =
      "2026-11-28 03:15:22.410000000 qlogenvelope: result=accepted code=250 reason=rcptto "
      "detail=chkuserrelay helo=laptop mailfrom=ceo@bank.example rcptto=y@yahoo.example "
      "relay=yes rcpthosts=no size= authuser=suzy@example.com authtype=login encrypted=tls "
      "sslverified=no localip=192.0.2.10 localport=587 remoteip=203.0.113.5 remoteport=51234 "
      "remotehost=unknown qp= pid=4321";
  EXPECT_TRUE(h.Feed(chkuser).empty());
  const std::vector<Finding> got = h.Feed(envelope);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule, "foreign-sender");
  EXPECT_EQ(got[0].basis, "qlog");
  EXPECT_EQ(got[0].count, 2u);
  EXPECT_EQ(h.recipients().size(), 2u);
}

TEST(DetectorQlogTest, RcptLimitStillCountsChkusersIntrusionThresholdLines) {
  DetectorHarness h({RcptLimitRule("rcpt-limit-hits", 1)});
  h.FeedAll(kForgedAuth);
  const std::vector<Finding> got = h.Feed(Chkuser(
      kForgedFirst + seconds(8), "intrusion threshold", "bob@example.com", "bob@example.com",
      "203.0.113.80", "r50@gmail.example", "max number of allowed rcpt"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "bob@example.com");
  EXPECT_EQ(got[0].basis, "chkuser");
}

}  // namespace
}  // namespace relaywatch::detect
