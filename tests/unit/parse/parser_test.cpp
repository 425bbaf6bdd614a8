#include "relaywatch/parse/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"

namespace relaywatch::parse {
namespace {

using testing::FixtureLine;
using testing::ReadFixture;

// What every fixture line parses to, in file order.
void ExpectKinds(const std::string& file, const std::vector<std::string_view>& expected) {
  const std::vector<FixtureLine> lines = ReadFixture(file);
  ASSERT_EQ(lines.size(), expected.size()) << file << ": expectations out of step with the file";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Event event = ParseEvent(lines[i].tag, lines[i].text);
    EXPECT_EQ(EventKindName(event), expected[i])
        << file << ":" << lines[i].number << ": " << lines[i].raw;
  }
}

TEST(ParseEvent, EveryRealFixtureLineParsesToItsKind) {
  ExpectKinds("real.txt", {
                              "chkuser",    // accepted sender, multilog
                              "chkuser",    // accepted any rcpt through splogger
                              "smtpd",      // qmail-smtpd: pid ... RCPT TO
                              "smtpd",      // qmail-smtpd: 421 badiprbl
                              "rblsmtpd",   // rblsmtpd: IP pid N ZONE: ...
                              "rblsmtpd",   // ZONE blocked IP (tag rblsmtpd)
                              "tcpserver",  // deny
                              "tcpserver",  // ok
                              "tcpserver",  // pid
                              "tcpserver",  // ok
                              "tcpserver",  // end
                              "other",      // qmail-skim.pl
                              "tcpserver",  // ok 0:127.0.0.1:2023
                              "tcpserver",  // ok IPv6-mapped
                              "tcpserver",  // end
                              "tcpserver",  // status: 1/40
                              "tcpserver",  // status: 0/200/0
                              "tcpserver",  // status: 0/200/0
                              "simscan",    // CLEAN, (null) IP
                              "spamdyke",   // TLS_ENCRYPTED, unstamped
                              "spamdyke",   // DENIED_RDNS_MISSING via syslog
                              "other",      // qmail-send: new msg
                              "other",      // info msg
                              "other",      // starting delivery
                              "other",      // status: local/remote
                              "other",      // delivery success
                              "other",      // status
                              "other",      // end msg
                              "other",      // deferral
                              "vchkpw",     // password fail
                              "tcpserver",  // status (Debian 12)
                              "tcpserver",  // pid
                              "tcpserver",  // ok
                              "tcpserver",  // end
                          });
}

TEST(ParseEvent, EveryConstructedFixtureLineParsesToItsKind) {
  ExpectKinds(
      "constructed.txt",
      {
          "tcpserver",    "tcpserver", "tcpserver",    "chkuser",      "chkuser", "policy_check",
          "policy_check", "chkuser",   "policy_check", "policy_check", "chkuser", "simscan",
          "tcpserver",    "tcpserver", "chkuser",      "chkuser",      "chkuser", "chkuser",
          "chkuser",      "chkuser",   "chkuser",      "chkuser",      "chkuser", "chkuser",
          "chkuser",      "qmt_recv",  "chkuser",      "qlog",         "qlog",    "smtpd",
          "smtpd",
      });
}

TEST(ParseEvent, EmptyTextIsOther) {
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseEvent("", "")));
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseEvent("qmail", "")));
}

TEST(ParseEvent, DispatchNeedsTheWholePrefix) {
  // One byte short of each family's prefix is nobody's line.
  for (std::string_view text : {"CHKUSER", "tcpserver:", "qlogenvelope",
                                "simscan:", "policy_check:", "mail recv:", "rblsmtpd:", "vchkpw",
                                "qmail-smtp", "chkuser x"}) {
    EXPECT_EQ(EventKindName(ParseEvent("", text)), "other") << text;
  }
}

TEST(ParseEvent, ClaimedButBrokenLinesAreMalformedWithAFixedReason) {
  const Event event =
      ParseEvent("", "CHKUSER relaying rcpt: from <a:b:> remote <h:unknown:1.2.3.4");
  ASSERT_TRUE(std::holds_alternative<MalformedEvent>(event));
  EXPECT_EQ(std::get<MalformedEvent>(event).reason, "chkuser: no '> rcpt <'");
}

TEST(ParseEvent, RblsmtpdOldFormNeedsTheTag) {
  const std::string_view text = "relays.ordb.org blocked 193.111.120.47 ordb-test.null.dk -";
  EXPECT_EQ(EventKindName(ParseEvent("rblsmtpd", text)), "rblsmtpd");
  EXPECT_EQ(EventKindName(ParseEvent("", text)), "other");
}

TEST(ParseEvent, SpamdykeIsRecognisedByShapeWithOrWithoutTag) {
  const std::string_view text =
      "ALLOWED from: a@example.com to: b@example.net origin_ip: 192.0.2.1 origin_rdns: "
      "mail.example.com auth: (unknown) encryption: (none)";
  EXPECT_EQ(EventKindName(ParseEvent("spamdyke", text)), "spamdyke");
  EXPECT_EQ(EventKindName(ParseEvent("", text)), "spamdyke");
}

TEST(EventKindName, NamesEveryAlternative) {
  EXPECT_EQ(EventKindName(Event{OtherEvent{}}), "other");
  EXPECT_EQ(EventKindName(Event{MalformedEvent{}}), "malformed");
  EXPECT_EQ(EventKindName(Event{ChkuserEvent{}}), "chkuser");
  EXPECT_EQ(EventKindName(Event{QlogEvent{}}), "qlog");
  EXPECT_EQ(EventKindName(Event{SimscanEvent{}}), "simscan");
  EXPECT_EQ(EventKindName(Event{QmtRecvEvent{}}), "qmt_recv");
  EXPECT_EQ(EventKindName(Event{PolicyCheckEvent{}}), "policy_check");
  EXPECT_EQ(EventKindName(Event{TcpserverEvent{}}), "tcpserver");
  EXPECT_EQ(EventKindName(Event{SmtpdEvent{}}), "smtpd");
  EXPECT_EQ(EventKindName(Event{SpamdykeEvent{}}), "spamdyke");
  EXPECT_EQ(EventKindName(Event{RblsmtpdEvent{}}), "rblsmtpd");
  EXPECT_EQ(EventKindName(Event{VchkpwEvent{}}), "vchkpw");
}

}  // namespace
}  // namespace relaywatch::parse
