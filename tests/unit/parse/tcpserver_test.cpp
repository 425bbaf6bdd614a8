#include "relaywatch/parse/tcpserver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"

namespace relaywatch::parse {
namespace {

TcpserverEvent MustParse(std::string_view text) {
  const Event event = ParseTcpserver(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    ADD_FAILURE() << "malformed (" << malformed->reason << "): " << text;
    return {};
  }
  return std::get<TcpserverEvent>(event);
}

std::string_view MalformedReason(std::string_view text) {
  const Event event = ParseTcpserver(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) return malformed->reason;
  ADD_FAILURE() << "parsed although it should not: " << text;
  return {};
}

TEST(ParseTcpserver, ReadsStatusLinesWithTwoOrThreeNumbers) {
  const TcpserverEvent two = MustParse("tcpserver: status: 1/40");
  EXPECT_EQ(two.kind, TcpserverKind::kStatus);
  EXPECT_EQ(two.active, 1u);
  EXPECT_EQ(two.max, 40u);
  const TcpserverEvent three = MustParse("tcpserver: status: 0/200/0");
  EXPECT_EQ(three.kind, TcpserverKind::kStatus);
  EXPECT_EQ(three.active, 0u);
  EXPECT_EQ(three.max, 200u);
}

TEST(ParseTcpserver, ReadsPidAndEndLines) {
  const TcpserverEvent pid = MustParse("tcpserver: pid 23904 from 192.168.1.165");
  EXPECT_EQ(pid.kind, TcpserverKind::kPid);
  EXPECT_EQ(pid.pid, 23904u);
  EXPECT_EQ(pid.remote_ip, "192.168.1.165");
  const TcpserverEvent end = MustParse("tcpserver: end 23904 status 256");
  EXPECT_EQ(end.kind, TcpserverKind::kEnd);
  EXPECT_EQ(end.pid, 23904u);
  EXPECT_EQ(end.status, 256);
}

TEST(ParseTcpserver, ReadsOkAndDenyEndpointsIncludingIpv6) {
  struct Case {
    std::string_view line;
    TcpserverKind kind;
    std::uint32_t pid;
    std::string_view ip, port;
  };
  const std::vector<Case> cases = {
      {"tcpserver: deny 6944 us.es:192.168.1.13:25 :193.147.171.74::40714", TcpserverKind::kDeny,
       6944, "193.147.171.74", "25"},
      {"tcpserver: ok 23904 vulcan.everthink.net:192.168.1.13:25 fritzlap6:192.168.1.165::53346",
       TcpserverKind::kOk, 23904, "192.168.1.165", "25"},
      {"tcpserver: ok 9848 0:127.0.0.1:2023 :127.0.0.1::43424", TcpserverKind::kOk, 9848,
       "127.0.0.1", "2023"},
      {"tcpserver: ok 40045 vpopmail:::ffff:172.16.15.8:89 :::ffff:172.16.15.9::10422",
       TcpserverKind::kOk, 40045, "172.16.15.9", "89"},
      {"tcpserver: ok 7 mx:2001:db8::1:587 client.example:2001:db8::99:ident?user:50000",
       TcpserverKind::kOk, 7, "2001:db8::99", "587"},
  };
  for (const Case& c : cases) {
    const TcpserverEvent event = MustParse(c.line);
    EXPECT_EQ(event.kind, c.kind) << c.line;
    EXPECT_EQ(event.pid, c.pid) << c.line;
    EXPECT_EQ(event.remote_ip, c.ip) << c.line;
    EXPECT_EQ(event.local_port, c.port) << c.line;
  }
}

TEST(ParseTcpserver, ReadsEveryFixtureTcpserverLine) {
  for (const char* file : {"real.txt", "constructed.txt"}) {
    for (const testing::FixtureLine& line : testing::ReadFixture(file)) {
      if (!line.text.starts_with("tcpserver: ")) continue;
      const Event event = ParseTcpserver(line.text);
      ASSERT_TRUE(std::holds_alternative<TcpserverEvent>(event)) << file << ":" << line.number;
      EXPECT_NE(std::get<TcpserverEvent>(event).kind, TcpserverKind::kOther) << line.raw;
    }
  }
}

TEST(ParseTcpserver, OtherTcpserverTextIsKindOther) {
  const TcpserverEvent event = MustParse("tcpserver: fatal: unable to bind: address already used");
  EXPECT_EQ(event.kind, TcpserverKind::kOther);
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseTcpserver("tcpserver:ok")));
}

TEST(ParseTcpserver, BrokenLinesAreMalformed) {
  struct Case {
    std::string_view line, reason;
  };
  const std::vector<Case> cases = {
      {"tcpserver: status: 1", "tcpserver: bad status"},
      {"tcpserver: status: 1/x", "tcpserver: bad status"},
      {"tcpserver: status: 1/40tcpserver: pid 3", "tcpserver: bad status"},
      {"tcpserver: pid 23904 from", "tcpserver: bad pid line"},
      {"tcpserver: pid 23904 from 192.168.1", "tcpserver: bad pid line"},
      {"tcpserver: end 23904 status", "tcpserver: bad end line"},
      {"tcpserver: end 23904 status 0tcpserver: status: 1/2", "tcpserver: bad end line"},
      {"tcpserver: ok 9848 0:127.0.0.1:2023", "tcpserver: bad ok/deny line"},
      {"tcpserver: ok 9848 0:127.0.0.1:2023 :127.0.0.1::43424 extra",
       "tcpserver: bad ok/deny line"},
      {"tcpserver: ok 9848 0:127.0.0.1:2023 :127.0.0", "tcpserver: bad ok/deny line"},
      {"tcpserver: ok 9848 0:127.0.0.1:2023 :127.0.0::43424", "tcpserver: bad remote ip"},
      // tcpserver always knows its peer's address.
      {"tcpserver: ok 9848 0:127.0.0.1:2023 :::43424", "tcpserver: remote: no client address"},
      {"tcpserver: deny 9848 0:127.0.0.1:2023 unknown:::43424",
       "tcpserver: remote: no client address"},
      {"tcpserver: pid 23904 from ", "tcpserver: pid: no client address"},
      {"tcpserver: ok x 0:127.0.0.1:2023 :127.0.0.1::43424", "tcpserver: bad ok/deny line"},
  };
  for (const Case& c : cases) EXPECT_EQ(MalformedReason(c.line), c.reason) << c.line;
}

}  // namespace
}  // namespace relaywatch::parse
