#include "relaywatch/parse/simscan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"
#include "relaywatch/parse/qmt_recv.h"

namespace relaywatch::parse {
namespace {

using testing::FixtureLine;
using testing::ReadFixture;

std::string FixtureText(const std::string& file, std::string_view prefix) {
  for (const FixtureLine& line : ReadFixture(file)) {
    if (line.text.starts_with(prefix)) return line.text;
  }
  ADD_FAILURE() << "no line starting " << prefix << " in " << file;
  return {};
}

SimscanEvent MustParse(std::string_view text) {
  const Event event = ParseSimscan(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    ADD_FAILURE() << "malformed (" << malformed->reason << "): " << text;
    return {};
  }
  return std::get<SimscanEvent>(event);
}

std::string_view MalformedReason(std::string_view text) {
  const Event event = ParseSimscan(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) return malformed->reason;
  ADD_FAILURE() << "parsed although it should not: " << text;
  return {};
}

TEST(ParseSimscan, ReadsTheRelayclientLine) {
  const std::string line = FixtureText("constructed.txt", "simscan:");  // the event views it
  const SimscanEvent event = MustParse(line);
  EXPECT_EQ(event.pid, 4321u);
  EXPECT_EQ(event.verdict, "RELAYCLIENT");
  EXPECT_TRUE(event.relayclient);
  EXPECT_EQ(event.remote_ip, "203.0.113.5");
  EXPECT_EQ(event.sender, "ceo@bank.example");
  EXPECT_EQ(event.recipients, "x@gmail.example,y@yahoo.example,bob@example.com");
  EXPECT_EQ(event.rcpt_count, 3u);
}

TEST(ParseSimscan, ReadsTheRealCleanLineWithNullAddressAndEmptySubject) {
  const std::string line = FixtureText("real.txt", "simscan:");
  const SimscanEvent event = MustParse(line);
  EXPECT_EQ(event.pid, 25608u);
  EXPECT_EQ(event.verdict, "CLEAN (0.00/0.00)");
  EXPECT_FALSE(event.relayclient);
  EXPECT_EQ(event.remote_ip, "(null)");
  EXPECT_EQ(event.sender, "root@mail.denbaguse.ta");
  EXPECT_EQ(event.recipients, "postmaster@testaja.lg");
  EXPECT_EQ(event.rcpt_count, 1u);
}

TEST(ParseSimscan, FindsIpv6AddressesNullSendersAndSubjectsWithColons) {
  struct Case {
    std::string_view line, ip, sender, recipients;
  };
  const std::vector<Case> cases = {
      {"simscan:[1]:RELAYCLIENT:0.0100s:-:2001:db8::5:a@x.example:b@y.example", "2001:db8::5",
       "a@x.example", "b@y.example"},
      {"simscan:[1]:RELAYCLIENT:0.0100s:-:::ffff:192.0.2.1::b@y.example,c@y.example", "192.0.2.1",
       "", "b@y.example,c@y.example"},
      {"simscan:[1]:VIRUS:1.0000s:Eicar:Test:Sig:192.0.2.1:a@x.example:b@y.example", "192.0.2.1",
       "a@x.example", "b@y.example"},
      {"simscan:[1]:CLEAN:1.0000s:Re_ hi:2001:db8:::a@x.example:b@y.example",
       "2001:db8::", "a@x.example", "b@y.example"},
  };
  for (const Case& c : cases) {
    const SimscanEvent event = MustParse(c.line);
    EXPECT_EQ(event.remote_ip, c.ip) << c.line;
    EXPECT_EQ(event.sender, c.sender) << c.line;
    EXPECT_EQ(event.recipients, c.recipients) << c.line;
  }
}

TEST(ParseSimscan, DebugLinesAreOther) {
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(
      ParseSimscan("simscan:[25608]: starting: work dir: /var/qmail/simscan/1.2")));
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseSimscan("simscan:[25608]:")));
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseSimscan("simscan: x")));
}

TEST(ParseSimscan, BrokenVerdictLinesAreMalformed) {
  EXPECT_EQ(MalformedReason("simscan:[x]:CLEAN"), "simscan: no '[PID]:'");
  EXPECT_EQ(MalformedReason("simscan:[1]:CLEAN"), "simscan: no verdict");
  EXPECT_EQ(MalformedReason("simscan:[1]::"), "simscan: no verdict");
  EXPECT_EQ(MalformedReason("simscan:[1]:CLEAN:soon:-:1.2.3.4:a:b"), "simscan: no scan time");
  EXPECT_EQ(MalformedReason("simscan:[1]:CLEAN:1.0s:b"), "simscan: no recipients");
  EXPECT_EQ(MalformedReason("simscan:[1]:CLEAN:1.0s:a:b"), "simscan: no sender");
  EXPECT_EQ(MalformedReason("simscan:[1]:CLEAN:1.0s:-:nowhere:a:b"), "simscan: bad remote ip");
  // simscan writes "(null)" when TCPREMOTEIP is unset, never an empty address.
  EXPECT_EQ(MalformedReason("simscan:[1]:RELAYCLIENT:0.0123s:-::a@x.example:b@y.example"),
            "simscan: remote ip: no client address");
  EXPECT_EQ(MalformedReason("simscan:[1]:RELAYCLIENT:0.0123s:Re_ hi::a@x.example:b@y.example"),
            "simscan: remote ip: no client address");
  // Another process's output inside the recipient list.
  EXPECT_EQ(MalformedReason("simscan:[1]:RELAYCLIENT:0.0123s:-:203.0.113.5:a@x.example:b@y.example"
                            "tcpserver: end 4321 status 0"),
            "simscan: interleaved line (space in the recipient list)");
}

TEST(ParseQmtRecv, ReadsTheFixtureLineThatEndsInCrLf) {
  for (const FixtureLine& line : ReadFixture("constructed.txt")) {
    if (!line.text.starts_with("mail recv:")) continue;
    EXPECT_TRUE(line.had_cr);
    const Event event = ParseQmtRecv(line.text);
    ASSERT_TRUE(std::holds_alternative<QmtRecvEvent>(event));
    const auto& recv = std::get<QmtRecvEvent>(event);
    EXPECT_EQ(recv.pid, 4321u);
    EXPECT_EQ(recv.sender, "ceo@bank.example");
    EXPECT_EQ(recv.qp, 4333u);
    return;
  }
  FAIL() << "no mail recv line in constructed.txt";
}

TEST(ParseQmtRecv, ToleratesOneMoreCrAndTheNullSender) {
  const Event event = ParseQmtRecv("mail recv: pid 7 from <> qp 99\r");
  ASSERT_TRUE(std::holds_alternative<QmtRecvEvent>(event));
  EXPECT_EQ(std::get<QmtRecvEvent>(event).sender, "");
  EXPECT_EQ(std::get<QmtRecvEvent>(event).qp, 99u);
}

TEST(ParseQmtRecv, ASenderHoldingTheQpDelimiterStaysInTheSender) {
  const Event event = ParseQmtRecv("mail recv: pid 7 from <\"a> qp 1\"@x.example> qp 99");
  ASSERT_TRUE(std::holds_alternative<QmtRecvEvent>(event));
  EXPECT_EQ(std::get<QmtRecvEvent>(event).sender, "\"a> qp 1\"@x.example");
  EXPECT_EQ(std::get<QmtRecvEvent>(event).qp, 99u);
}

TEST(ParseQmtRecv, CutLinesAreMalformed) {
  const std::string_view line = "mail recv: pid 4321 from <ceo@bank.example> qp 4333";
  for (std::size_t cut = 11; cut < line.size() - 4; ++cut) {
    EXPECT_TRUE(std::holds_alternative<MalformedEvent>(ParseQmtRecv(line.substr(0, cut))))
        << line.substr(0, cut);
  }
  const Event glued = ParseQmtRecv("mail recv: pid 1 from <a> qp 12tcpserver: end 1 status 0");
  ASSERT_TRUE(std::holds_alternative<MalformedEvent>(glued));
  EXPECT_EQ(std::get<MalformedEvent>(glued).reason, "mail recv: qp is not a number");
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseQmtRecv("mail received")));
}

}  // namespace
}  // namespace relaywatch::parse
