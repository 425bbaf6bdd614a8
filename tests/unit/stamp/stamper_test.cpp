#include "relaywatch/stamp/stamper.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "relaywatch/stamp/tai64n.h"

namespace relaywatch::stamp {
namespace {

using core::FormatIso8601Utc;
using core::LocalZone;

std::vector<std::string> FixtureLines(const char* name) {
  std::vector<std::string> lines;
  std::ifstream in(std::string(RELAYWATCH_FIXTURES_DIR) + "/" + name);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

std::string Iso(const Line& line) { return FormatIso8601Utc(line.time); }

struct SyslogCase {
  const char* tag;
  bool stamped;
  const char* utc;  // when stamped
  const char* text_start;
};

// Every syslog line of tests/fixtures/real.txt, read by hand.
const std::map<std::string, SyslogCase>& RealSyslogLines() {
  static const auto* cases = new std::map<std::string, SyslogCase>{
      {"Jun 19 09:12:14 denbaguse qmail: 1276913534.111443 CHKUSER accepted any rcpt:",
       {"qmail", true, "2010-06-19T02:12:14.111443000Z", "CHKUSER accepted any rcpt: from <"}},
      {"Jun 19 09:12:14 denbaguse qmail: 1276913534.111512 qmail-smtpd: pid 13748 RCPT TO",
       {"qmail", true, "2010-06-19T02:12:14.111512000Z", "qmail-smtpd: pid 13748 RCPT TO: <"}},
      {"Sep  6 07:18:29 sd6 qmail: 1157519909.633171 qmail-smtpd: 421 badiprbl: ip 198.",
       {"qmail", true, "2006-09-06T05:18:29.633171000Z", "qmail-smtpd: 421 badiprbl: ip 198."}},
      {"Sep  6 07:33:33 sd6 qmail: 1157520813.485077 rblsmtpd: 198.51.100.77 pid 19597",
       {"qmail", true, "2006-09-06T05:33:33.485077000Z", "rblsmtpd: 198.51.100.77 pid 19597"}},
      {"Jun 30 15:13:33 ns1 rblsmtpd: relays.ordb.org blocked 193.111.120.47 ordb-test.n",
       {"rblsmtpd", false, "", "relays.ordb.org blocked 193.111.120.47 ordb-test.null.dk -"}},
      {"Oct 14 22:24:55 vpopmail vpopmaild: tcpserver: ok 40045 vpopmail:::ffff:172.16",
       {"vpopmaild", false, "", "tcpserver: ok 40045 vpopmail:::ffff:172.16.15.8:89 :::"}},
      {"Oct 14 22:24:55 vpopmail vpopmaild: tcpserver: end 40045 status 0",
       {"vpopmaild", false, "", "tcpserver: end 40045 status 0"}},
      {"Oct 14 22:26:05 vpopmail vpopmaild: tcpserver: status: 1/40",
       {"vpopmaild", false, "", "tcpserver: status: 1/40"}},
      {"Mar  9 11:10:37 server spamdyke[29207]: DENIED_RDNS_MISSING from: spam@mail.spam",
       {"spamdyke", false, "", "DENIED_RDNS_MISSING from: spam@mail.spam-source.net to: "}},
      {"Sep 14 07:21:42 iron vpopmail[939]: vchkpw-pop3: password fail keith1@xxxx.com:2",
       {"vpopmail", false, "", "vchkpw-pop3: password fail keith1@xxxx.com:219.136.100.198"}},
  };
  return *cases;
}

const SyslogCase* FindSyslogCase(const std::string& line) {
  for (const auto& [prefix, c] : RealSyslogLines()) {
    if (line.compare(0, prefix.size(), prefix) == 0) return &c;
  }
  return nullptr;
}

TEST(StamperTest, ReadsEveryLineOfTheFixturesByItsStampKind) {
  const LocalZone zone = LocalZone::Fixed(3600);
  Stamper stamper(zone);
  std::map<StampKind, int> seen;
  for (const char* file : {"real.txt", "constructed.txt"}) {
    for (const std::string& raw : FixtureLines(file)) {
      SCOPED_TRACE(raw);
      std::string body = raw;
      if (body.back() == '\r') body.pop_back();
      Line line = stamper.Stamp(raw);
      ++seen[line.stamp];
      if (raw[0] == '@') {
        ASSERT_EQ(line.stamp, StampKind::kTai64n);
        EXPECT_TRUE(line.stamped);
        EXPECT_EQ(line.time, *ParseTai64nLabel(raw.substr(0, 25)));
        EXPECT_EQ(line.text, body.substr(26));
        EXPECT_TRUE(line.tag.empty());
      } else if (raw[0] >= '0' && raw[0] <= '9') {
        ASSERT_EQ(line.stamp, StampKind::kDate);
        EXPECT_TRUE(line.stamped);
        EXPECT_EQ(core::FormatLocal(line.time, zone), raw.substr(0, 19));
        EXPECT_EQ(core::ToCivilUtc(line.time).nanos, std::stoll(raw.substr(20, 9)));
        EXPECT_EQ(line.text, body.substr(30));
      } else if (const SyslogCase* c = FindSyslogCase(raw)) {
        ASSERT_EQ(line.stamp, StampKind::kSyslog);
        EXPECT_EQ(line.tag, c->tag);
        EXPECT_EQ(line.stamped, c->stamped);
        if (c->stamped) {
          EXPECT_EQ(Iso(line), c->utc);
        }
        EXPECT_EQ(line.text.substr(0, std::string_view(c->text_start).size()), c->text_start);
        EXPECT_EQ(body.substr(body.size() - line.text.size()), line.text);  // a suffix
      } else {
        EXPECT_EQ(line.stamp, StampKind::kNone);
        EXPECT_FALSE(line.stamped);
        EXPECT_EQ(line.text, body);
      }
    }
  }
  EXPECT_EQ(seen[StampKind::kTai64n], 41);
  EXPECT_EQ(seen[StampKind::kDate], 7);
  EXPECT_EQ(seen[StampKind::kSyslog], 10);
  EXPECT_EQ(seen[StampKind::kNone], 7);
}

TEST(StamperTest, ConvertsTheDatePrefixFromLocalTime) {
  Stamper stamper(LocalZone::Fixed(3600));
  Line line = stamper.Stamp("2026-11-28 03:15:22.299206500 CHKUSER relaying rcpt: from <x>");
  EXPECT_EQ(Iso(line), "2026-11-28T02:15:22.299206500Z");
  EXPECT_EQ(line.text, "CHKUSER relaying rcpt: from <x>");
  // The fork's millisecond variant, and an empty zone read as UTC.
  Stamper utc{LocalZone{}};
  EXPECT_EQ(Iso(utc.Stamp("2026-11-28 03:15:22.299 x")), "2026-11-28T03:15:22.299000000Z");
  EXPECT_EQ(Iso(utc.Stamp("2024-02-29 23:59:60.5 leap")), "2024-03-01T00:00:00.500000000Z");
}

TEST(StamperTest, TakesTheSingleSpaceAfterAStampAndKeepsTheRest) {
  Stamper stamper(LocalZone::Fixed(0));
  EXPECT_EQ(stamper.Stamp("@400000006b0a42a7202d1d2c  two spaces").text, " two spaces");
  EXPECT_EQ(stamper.Stamp("@400000006b0a42a7202d1d2c ").text, "");
  Line bare = stamper.Stamp("@400000006b0a42a7202d1d2c");
  EXPECT_TRUE(bare.stamped);
  EXPECT_EQ(bare.text, "");
  Line upper = stamper.Stamp("@400000006B0A42A7202D1D2C tcpserver: status: 0/100");
  EXPECT_EQ(upper.stamp, StampKind::kTai64n);
  EXPECT_EQ(upper.time, *ParseTai64nLabel("@400000006b0a42a7202d1d2c"));
  Line d = stamper.Stamp("2023-06-28 16:17:26.501272173");
  EXPECT_EQ(d.stamp, StampKind::kDate);
  EXPECT_EQ(d.text, "");
}

TEST(StamperTest, StripsExactlyOneTrailingCarriageReturn) {
  Stamper stamper(LocalZone::Fixed(0));
  EXPECT_EQ(stamper.Stamp("@400000006b0a42ac00000500 mail recv: pid 4321\r").text,
            "mail recv: pid 4321");
  EXPECT_EQ(stamper.Stamp("@400000006b0a42ac00000500 x\r\r").text, "x\r");
  EXPECT_EQ(stamper.Stamp("tcpserver: end 23904 status 256\r").text,
            "tcpserver: end 23904 status 256");
  EXPECT_TRUE(stamper.Stamp("@400000006b0a42ac00000500\r").stamped);
  Line cr = stamper.Stamp("\r");
  EXPECT_EQ(cr.stamp, StampKind::kNone);
  EXPECT_EQ(cr.text, "");
}

TEST(StamperTest, LeavesLinesWithABadOrPartialStampWhole) {
  const std::string_view bad[] = {
      "",
      "@",
      "@400000006b0a42a7202d1d2 short label",   // 23 digits
      "@400000006b0a42a7202d1d2c0 long label",  // 25 digits
      "@400000006b0a42a7202d1d2cx no space",
      "@400000006b0a42a7202d1d2c\tx tab",
      "@400000006b0a42a73b9aca00 nanoseconds 10^9",
      "@ffffffffffffffffffffffff out of range",
      "@400000006b0a42a7202d1dzz non-hex",
      "2023-06-28 16:17:26.501272173x",
      "2023-06-28 16:17:26.5012721731 ten digits",
      "2023-06-28 16:17:26. no digits",
      "2023-06-28 16:17:26 no fraction",
      "2023-02-30 16:17:26.501272173 Feb 30",
      "2023-06-28 24:00:00.000000000 hour 24",
      "2023-06-28T16:17:26.501272173 ISO T",
      "2023-06-2",
      "2023",
      "jun 19 09:12:14 host qmail: lowercase month",
      "Jux 19 09:12:14 host qmail: not a month",
      "Jun 31 09:12:14 host qmail: June 31",
      "Jun 19 09:61:14 host qmail: minute 61",
      "Jun 1 09:12:14 host qmail: one-digit day unpadded",
      "Jun 19 09:12:14",
      "Jun 19 09:12:14 ",
      "Jun 19 09:12:14 host",
      "Jun 19 09:12:14  qmail: empty host",
      "Jun",
      "tcpserver: pid 23904 from 192.168.1.165",
      std::string_view("@400000006b0a42a7\0"
                       "02d1d2c NUL",
                       29),
      "\xff\xfe\x00\x01 invalid UTF-8",
  };
  Stamper stamper(LocalZone::Fixed(0));
  for (std::string_view raw : bad) {
    Line line = stamper.Stamp(raw);
    EXPECT_EQ(line.stamp, StampKind::kNone) << raw;
    EXPECT_FALSE(line.stamped) << raw;
    EXPECT_EQ(line.text, raw);
    EXPECT_TRUE(line.tag.empty()) << raw;
  }
}

TEST(StamperTest, ReadsSyslogTagsAndSploggerStampsCarefully) {
  Stamper stamper(LocalZone::Fixed(0));
  // No "tag:" word: the text after the host, no tag.
  Line untagged = stamper.Stamp("Jun 19 09:12:14 host last message repeated 2 times");
  EXPECT_EQ(untagged.stamp, StampKind::kSyslog);
  EXPECT_EQ(untagged.tag, "");
  EXPECT_EQ(untagged.text, "last message repeated 2 times");
  // A tag with nothing after it, Feb 29 without a year, a leading-zero day.
  Line empty = stamper.Stamp("Feb 29 00:00:00 host prog[1]:");
  EXPECT_EQ(empty.tag, "prog");
  EXPECT_EQ(empty.text, "");
  EXPECT_EQ(stamper.Stamp("Jun 09 09:12:14 host qmail: x").tag, "qmail");
  // Not splogger: too few microsecond digits, no space after them, too many second digits.
  for (const char* raw :
       {"Jun 19 09:12:14 h qmail: 1276913534.11144 x",
        "Jun 19 09:12:14 h qmail: 1276913534.111443x",
        "Jun 19 09:12:14 h qmail: 1234567890123.111443 x", "Jun 19 09:12:14 h qmail: .111443 x"}) {
    Line line = stamper.Stamp(raw);
    EXPECT_EQ(line.stamp, StampKind::kSyslog) << raw;
    EXPECT_FALSE(line.stamped) << raw;
    EXPECT_EQ(line.text, std::string_view(raw).substr(25)) << raw;
  }
  Line bare = stamper.Stamp("Jun 19 09:12:14 h qmail: 1276913534.111443");
  EXPECT_TRUE(bare.stamped);
  EXPECT_EQ(bare.text, "");
}

// A zone like Europe/Berlin around 2026-03-29 (UTC+1, clocks jump 02:00 -> 03:00 local, then
// UTC+2) that counts how often the Stamper asks it.
struct CountingZone {
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  LocalZone zone;
  CountingZone() {
    auto counter = calls;
    zone.offset_at = [](core::Timestamp) { return std::int64_t{3600}; };
    zone.to_utc = [counter](const core::CivilTime& c) -> std::optional<core::Timestamp> {
      ++*counter;
      auto t = core::FromCivilUtc(c);
      if (!t) return std::nullopt;
      bool before =
          c.year < 2026 ||
          (c.year == 2026 &&
           (c.month < 3 || (c.month == 3 && (c.day < 29 || (c.day == 29 && c.hour < 2)))));
      bool gap = c.year == 2026 && c.month == 3 && c.day == 29 && c.hour == 2;
      if (gap) return std::nullopt;
      return *t - std::chrono::hours(before ? 1 : 2);
    };
  }
};

TEST(StamperTest, AsksTheZoneOncePerLocalHourForDateStamps) {
  CountingZone counting;
  Stamper stamper(counting.zone);
  for (int i = 0; i < 1000; ++i) {
    stamper.Stamp("2026-11-28 03:15:22.299206500 x");
    stamper.Stamp("2026-11-28 03:59:59.999999999 x");
  }
  EXPECT_EQ(*counting.calls, 1);
  EXPECT_EQ(Iso(stamper.Stamp("2026-11-28 04:00:00.000000000 x")),
            "2026-11-28T02:00:00.000000000Z");
  EXPECT_EQ(*counting.calls, 2);
}

TEST(StamperTest, DateStampsAcrossASpringForwardGapUseEachSidesOffset) {
  CountingZone counting;
  Stamper stamper(counting.zone);
  EXPECT_EQ(Iso(stamper.Stamp("2026-03-29 01:59:59.900000000 x")),
            "2026-03-29T00:59:59.900000000Z");
  Line in_gap = stamper.Stamp("2026-03-29 02:30:00.000000000 x");
  EXPECT_EQ(in_gap.stamp, StampKind::kNone);
  EXPECT_EQ(in_gap.text, "2026-03-29 02:30:00.000000000 x");
  EXPECT_EQ(Iso(stamper.Stamp("2026-03-29 03:00:00.100000000 x")),
            "2026-03-29T01:00:00.100000000Z");
}

// Europe/Rome on 2026-10-25: UTC+2 until 01:00Z, then UTC+1; local 02:00-02:59 happens twice,
// and the zone, asked for such a wall time, gives the earlier instant (as mktime-based zones do).
LocalZone FallBackZone() {
  const core::Timestamp change = *core::FromCivilUtc({2026, 10, 25, 1, 0, 0, 0});
  LocalZone zone;
  zone.offset_at = [change](core::Timestamp t) { return std::int64_t{t < change ? 7200 : 3600}; };
  zone.to_utc = [change](const core::CivilTime& c) -> std::optional<core::Timestamp> {
    auto t = core::FromCivilUtc(c);
    if (!t) return std::nullopt;
    const core::Timestamp early = *t - std::chrono::hours(2);
    return early < change ? early : *t - std::chrono::hours(1);
  };
  return zone;
}

TEST(StamperTest, DateStampsInTheRepeatedHourGoOnFromTheLineAbove) {
  Stamper stamper(FallBackZone());
  EXPECT_EQ(Iso(stamper.Stamp("2026-10-25 02:10:00.000000000 a")),
            "2026-10-25T00:10:00.000000000Z");
  EXPECT_EQ(Iso(stamper.Stamp("2026-10-25 02:50:00.000000000 b")),
            "2026-10-25T00:50:00.000000000Z");
  // The clocks went back at 03:00: 02:05 again is the second 02:05.
  EXPECT_EQ(Iso(stamper.Stamp("2026-10-25 02:05:00.000000000 c")),
            "2026-10-25T01:05:00.000000000Z");
  EXPECT_EQ(Iso(stamper.Stamp("2026-10-25 02:40:00.000000000 d")),
            "2026-10-25T01:40:00.000000000Z");
  EXPECT_EQ(Iso(stamper.Stamp("2026-10-25 03:10:00.000000000 e")),
            "2026-10-25T02:10:00.000000000Z");
}

TEST(StamperTest, DateStampsThatGoBackOutsideARepeatedHourAreReadAsWritten) {
  Stamper stamper(FallBackZone());
  EXPECT_EQ(Iso(stamper.Stamp("2026-11-28 10:00:00.000000000 a")),
            "2026-11-28T09:00:00.000000000Z");
  EXPECT_EQ(Iso(stamper.Stamp("2026-11-28 09:00:00.000000000 b")),
            "2026-11-28T08:00:00.000000000Z");
  // The repeated hour as the first line read: nothing before it, its earlier reading stands.
  Stamper first(FallBackZone());
  EXPECT_EQ(Iso(first.Stamp("2026-10-25 02:30:00.000000000 a")), "2026-10-25T00:30:00.000000000Z");
}

TEST(StamperTest, NeverReadsPastTheLineOnAnyPrefixOrMutationOfRealLines) {
  // Every prefix of every fixture line, and every line with one byte replaced by each of a few
  // troublesome values, must stamp without crashing and keep the text inside the input.
  Stamper stamper(LocalZone::Fixed(3600));
  std::vector<std::string> lines = FixtureLines("real.txt");
  for (auto& l : FixtureLines("constructed.txt")) lines.push_back(l);
  std::size_t checked = 0;
  auto check = [&](std::string_view raw) {
    Line line = stamper.Stamp(raw);
    ASSERT_GE(line.text.data(), raw.data());
    ASSERT_LE(line.text.data() + line.text.size(), raw.data() + raw.size());
    ++checked;
  };
  for (const std::string& l : lines) {
    for (std::size_t n = 0; n <= l.size(); ++n) {
      std::string prefix = l.substr(0, n);  // its own allocation, so ASan sees an overread
      check(prefix);
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(l.size(), 48); ++i) {
      for (char b : {'\0', ' ', '9', 'f', 'F', '@', ':', '[', ']', '\r', '\xff'}) {
        std::string m = l;
        m[i] = b;
        check(m);
      }
    }
  }
  EXPECT_GT(checked, 20000u);
}

}  // namespace
}  // namespace relaywatch::stamp
