#include "relaywatch/parse/qlog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"

namespace relaywatch::parse {
namespace {

using testing::FixtureLine;
using testing::ReadFixture;

std::vector<std::string> QlogLines() {
  std::vector<std::string> out;
  for (const FixtureLine& line : ReadFixture("constructed.txt")) {
    if (line.text.starts_with("qlog")) out.push_back(line.text);
  }
  return out;
}

QlogEvent MustParse(std::string_view text) {
  const Event event = ParseQlog(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    ADD_FAILURE() << "malformed (" << malformed->reason << "): " << text;
    return {};
  }
  return std::get<QlogEvent>(event);
}

std::string_view MalformedReason(std::string_view text) {
  const Event event = ParseQlog(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) return malformed->reason;
  ADD_FAILURE() << "parsed although it should not: " << text;
  return {};
}

TEST(ParseQlog, ReadsTheEnvelopeLine) {
  const std::vector<std::string> lines = QlogLines();
  ASSERT_EQ(lines.size(), 2u);
  const QlogEvent event = MustParse(lines[0]);
  EXPECT_EQ(event.kind, QlogKind::kEnvelope);
  EXPECT_EQ(event.result, "accepted");
  EXPECT_EQ(event.reason, "rcptto");
  EXPECT_EQ(event.detail, "chkuserrelay");
  EXPECT_EQ(event.mailfrom, "ceo@bank.example");
  EXPECT_EQ(event.rcptto, "x@gmail.example");
  EXPECT_EQ(event.rcpt_count, 1u);
  EXPECT_EQ(event.authuser, "suzy@example.com");
  EXPECT_EQ(event.remoteip, "203.0.113.5");
  EXPECT_EQ(event.localport, "587");
  EXPECT_TRUE(event.relay);
  EXPECT_FALSE(event.rcpthosts);
  EXPECT_EQ(event.pid, 4321u);
}

TEST(ParseQlog, ReadsWhetherTheRecipientIsLocal) {
  // An authenticated user writing to a colleague: RELAYCLIENT set, the recipient in rcpthosts.
  const QlogEvent event = MustParse(
      "qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay helo=pc "
      "mailfrom=suzy@example.com rcptto=tom@example.com relay=yes rcpthosts=yes size= "
      "authuser=suzy@example.com authtype=login encrypted=tls sslverified=no localip=192.0.2.10 "
      "localport=587 remoteip=203.0.113.5 remoteport=51234 remotehost=unknown qp= pid=4321");
  EXPECT_TRUE(event.relay);
  EXPECT_TRUE(event.rcpthosts);
}

TEST(ParseQlog, ReadsTheReceivedLineWithItsRecipientList) {
  const std::vector<std::string> lines = QlogLines();  // the event views them
  const QlogEvent event = MustParse(lines[1]);
  EXPECT_EQ(event.kind, QlogKind::kReceived);
  EXPECT_EQ(event.result, "accepted");
  EXPECT_EQ(event.reason, "queueaccept");
  EXPECT_EQ(event.detail, "");
  EXPECT_EQ(event.rcptto, "x@gmail.example,y@yahoo.example");
  EXPECT_EQ(event.rcpt_count, 2u);
  EXPECT_EQ(event.authuser, "suzy@example.com");
  EXPECT_EQ(event.pid, 4321u);
}

TEST(ParseQlog, EmptyValuesStayEmpty) {
  const QlogEvent event = MustParse(
      "qlogenvelope: result=rejected code=553 reason=relaydenied detail= helo= mailfrom= rcptto= "
      "relay=no rcpthosts= size= authuser= authtype= encrypted= sslverified=no localip= "
      "localport=25 remoteip=192.0.2.9 remoteport= remotehost= qp= pid=");
  EXPECT_EQ(event.result, "rejected");
  EXPECT_EQ(event.mailfrom, "");
  EXPECT_EQ(event.rcptto, "");
  EXPECT_EQ(event.rcpt_count, 0u);
  EXPECT_EQ(event.authuser, "");
  EXPECT_FALSE(event.relay);
  EXPECT_EQ(event.pid, 0u);
}

TEST(ParseQlog, AcceptsOlderLinesWithoutTheOptionalKeys) {
  const QlogEvent event = MustParse(
      "qlogreceived: result=accepted reason=queueaccept mailfrom=a@x.example "
      "rcptto=b@y.example,c@y.example,,d@y.example relay=yes authuser=a@x.example localport=587 "
      "remoteip=2001:db8::5 pid=77");
  EXPECT_EQ(event.rcpt_count, 3u);
  EXPECT_EQ(event.remoteip, "2001:db8::5");
  EXPECT_EQ(event.pid, 77u);
}

TEST(ParseQlog, ClientTextCannotMoveTheServerKeys) {
  // With SMTPUTF8 the values are raw: a sender may hold " authuser=victim ...".
  const QlogEvent event = MustParse(
      "qlogreceived: result=accepted code=250 reason=queueaccept detail= helo=h "
      "mailfrom=x authuser=victim@x.example relay=no pid=1 rcptto=r@y.example relay=yes "
      "rcpthosts=no size=10 authuser=bob@x.example authtype=login encrypted=tls sslverified=no "
      "localip=192.0.2.10 localport=587 remoteip=203.0.113.5 remoteport=1 remotehost=unknown "
      "qp=2 pid=3");
  EXPECT_EQ(event.authuser, "bob@x.example");
  EXPECT_TRUE(event.relay);
  EXPECT_EQ(event.pid, 3u);
  EXPECT_EQ(event.mailfrom, "x authuser=victim@x.example relay=no pid=1");
  EXPECT_EQ(event.rcptto, "r@y.example");
}

TEST(ParseQlog, CutAndGluedLinesAreMalformed) {
  const std::string envelope = QlogLines()[0];
  // Cut: every prefix that loses " pid=" is malformed; those that keep it must agree.
  for (std::size_t cut = 13; cut < envelope.size(); ++cut) {
    const std::string_view head = std::string_view(envelope).substr(0, cut);
    const Event event = ParseQlog(head);
    if (head.find(" pid=") == std::string_view::npos) {
      EXPECT_TRUE(std::holds_alternative<MalformedEvent>(event)) << head;
    }
  }
  EXPECT_EQ(MalformedReason(envelope.substr(0, envelope.find(" pid="))),
            "qlog: no 'pid=' (cut line)");
  EXPECT_EQ(MalformedReason(envelope + "qlogreceived: result=accepted"),
            "qlog: interleaved line (a second qlog head)");
  EXPECT_EQ(MalformedReason(envelope + "tcpserver: end 4321 status 0"),
            "qlog: pid is not a number (glued line)");
  EXPECT_EQ(MalformedReason("qlogenvelope: garbage"), "qlog: no 'pid=' (cut line)");
  EXPECT_EQ(MalformedReason("qlogenvelope: x=1 relay=yes authuser= localport=1 remoteip=1.2.3.4 "
                            "pid=1"),
            "qlog: no 'result='");
  EXPECT_EQ(MalformedReason("qlogenvelope: result=a reason=b mailfrom=c relay=yes authuser= "
                            "localport=1 remoteip=1.2.3.4 pid=1"),
            "qlog: no 'rcptto='");
}

// The envelope line of the fixture with `remoteip` in place of its address.
std::string WithRemoteip(std::string_view remoteip) {
  std::string line = QlogLines()[0];
  const std::size_t at = line.find(" remoteip=203.0.113.5 ");
  EXPECT_NE(at, std::string::npos);
  return line.replace(at, 22, " remoteip=" + std::string(remoteip) + " ");
}

TEST(ParseQlog, AnEmptyOrNonAddressRemoteipIsMalformed) {
  EXPECT_EQ(MalformedReason(WithRemoteip("")), "qlog: remoteip: no client address");
  std::string received = QlogLines()[1];
  received.erase(received.find(" remoteip=203.0.113.5 ") + 10, 11);
  EXPECT_EQ(MalformedReason(received), "qlog: remoteip: no client address");
  EXPECT_EQ(MalformedReason(WithRemoteip("203.0.113")), "qlog: bad remoteip");
  EXPECT_EQ(MalformedReason(WithRemoteip("x_y")), "qlog: bad remoteip");
  // qmail-smtpd's own word for no TCPREMOTEIP, and the address forms, parse.
  EXPECT_EQ(MustParse(WithRemoteip("unknown")).remoteip, "unknown");
  EXPECT_EQ(MustParse(WithRemoteip("2001:DB8::5")).remoteip, "2001:DB8::5");
  EXPECT_EQ(MustParse(WithRemoteip("::ffff:192.0.2.7")).remoteip, "192.0.2.7");
}

TEST(ParseQlog, OtherTextIsOther) {
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseQlog("qlogfoo: result=1")));
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseQlog("")));
}

}  // namespace
}  // namespace relaywatch::parse
