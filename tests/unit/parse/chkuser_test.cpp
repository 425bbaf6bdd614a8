#include "relaywatch/parse/chkuser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"
#include "relaywatch/parse/parser.h"

namespace relaywatch::parse {
namespace {

using testing::FixtureLine;
using testing::ReadFixture;

struct Expected {
  ChkuserVerdict verdict;
  std::string_view sender;
  std::string_view auth_user;
  std::string_view ident;
  std::string_view helo;
  std::string_view remote_host;
  std::string_view remote_ip;
  std::string_view rcpt;
  std::string_view reason;
  bool field_named = false;
};

void ExpectFields(const ChkuserEvent& got, const Expected& want, const std::string& where) {
  EXPECT_EQ(got.verdict, want.verdict) << where;
  EXPECT_EQ(got.title, ChkuserTitle(want.verdict)) << where;
  EXPECT_EQ(got.sender, want.sender) << where;
  EXPECT_EQ(got.auth_user, want.auth_user) << where;
  EXPECT_EQ(got.ident, want.ident) << where;
  EXPECT_EQ(got.helo, want.helo) << where;
  EXPECT_EQ(got.remote_host, want.remote_host) << where;
  EXPECT_EQ(got.remote_ip, want.remote_ip) << where;
  EXPECT_EQ(got.rcpt, want.rcpt) << where;
  EXPECT_EQ(got.reason, want.reason) << where;
  EXPECT_EQ(got.field_named, want.field_named) << where;
}

std::vector<FixtureLine> ChkuserLines(const std::string& file) {
  std::vector<FixtureLine> out;
  for (FixtureLine& line : ReadFixture(file)) {
    if (line.text.starts_with("CHKUSER ")) out.push_back(std::move(line));
  }
  return out;
}

void ExpectFixture(const std::string& file, const std::vector<Expected>& expected) {
  const std::vector<FixtureLine> lines = ChkuserLines(file);
  ASSERT_EQ(lines.size(), expected.size()) << file << ": expectations out of step with the file";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string where = file + ":" + std::to_string(lines[i].number);
    const Event event = ParseChkuser(lines[i].text);
    ASSERT_TRUE(std::holds_alternative<ChkuserEvent>(event))
        << where << " is malformed: " << std::get<MalformedEvent>(event).reason;
    ExpectFields(std::get<ChkuserEvent>(event), expected[i], where);
  }
}

using V = ChkuserVerdict;

TEST(ParseChkuser, ReadsEveryFieldOfTheRealLines) {
  ExpectFixture(
      "real.txt",
      {
          {V::kAcceptedSender, "newinfotr@adv.strawberrynet.com", "", "",
           "smtp156.strawberrynet.com", "unknown", "202.181.189.53", "", "sender accepted"},
          // Authenticated login differs from the sender's domain; empty HELO.
          {V::kAcceptedAnyRcpt, "test@testaja.com", "postmaster@testaja.lg", "", "", "unknown",
           "127.0.0.1", "postmaster@testaja.lg", "accepted any recipient for any rcpt domain"},
      });
}

TEST(ParseChkuser, ReadsEveryFieldOfTheConstructedLines) {
  constexpr std::string_view kRelay = "client allowed to relay";
  ExpectFixture(
      "constructed.txt",
      {
          {V::kAcceptedSender, "ceo@bank.example", "suzy@example.com", "", "laptop", "unknown",
           "203.0.113.5", "", "sender accepted"},
          {V::kRelayingRcpt, "ceo@bank.example", "suzy@example.com", "", "laptop", "unknown",
           "203.0.113.5", "x@gmail.example", kRelay},
          {V::kRelayingRcpt, "ceo@bank.example", "suzy@example.com", "", "laptop", "unknown",
           "203.0.113.5", "y@yahoo.example", kRelay},
          {V::kAcceptedRcpt, "ceo@bank.example", "suzy@example.com", "", "laptop", "unknown",
           "203.0.113.5", "bob@example.com", "found existing recipient"},
          // Null sender with auth.
          {V::kRelayingRcpt, "", "autoreply@example.com", "", "", "unknown", "198.51.100.9",
           "someone@gmail.example", kRelay},
          {V::kAcceptedRcpt, "news@list.example", "", "", "mx.list.example", "unknown",
           "198.51.100.20", "suzy@example.com", "found existing recipient"},
          // IPv6 client with an [IPv6:...] HELO.
          {V::kRelayingRcpt, "tom@example.com", "tom@example.com", "", "[IPv6:2001:db8::5]",
           "unknown", "2001:db8::5", "friend@gmail.example", kRelay},
          // IPv4-mapped address, empty HELO, sender domain in capitals.
          {V::kRelayingRcpt, "Tom@EXAMPLE.com", "tom@example.com", "", "", "unknown",
           "198.51.100.7", "friend@gmail.example", kRelay},  // logged ::ffff:198.51.100.7
          // RELAYCLIENT by IP: no auth.
          {V::kRelayingRcpt, "www-data@web1.example.com", "", "", "web1", "unknown", "192.0.2.44",
           "buyer@gmail.example", kRelay},
          {V::kIntrusionThreshold, "bob@example.com", "bob@example.com", "", "pc", "unknown",
           "203.0.113.80", "r50@gmail.example", "max number of allowed rcpt"},
          {V::kRejectedRcpt, "bob@example.com", "bob@example.com", "", "pc", "unknown",
           "203.0.113.80", "r50@gmail.example", "max number of recipients"},
          {V::kRejectedIntrusion, "bob@example.com", "bob@example.com", "", "pc", "unknown",
           "203.0.113.80", "r51@gmail.example", "rcpt ignored, session over intrusion threshold"},
          {V::kRejectedRelaying, "spam@spam.example", "", "", "bot", "unknown", "203.0.113.99",
           "victim@gmail.example", "client not allowed to relay"},
          {V::kRejectedRcpt, "spam@spam.example", "", "", "bot", "unknown", "203.0.113.99",
           "nobody@example.com", "not existing recipient"},
          {V::kAcceptedSender, "", "suzy@example.com", "", "laptop", "unknown", "203.0.113.5", "",
           "accepted null sender always"},
          // sagredo's field-named dialect.
          {V::kRelayingRcpt, "ceo@bank.example", "suzy@example.com", "", "laptop", "unknown",
           "203.0.113.5", "x@gmail.example", kRelay, true},
      });
}

// The client address's IPv4 bits, found once by the parser: for an IPv4 address, also one an
// IPv6 tcpserver wrote mapped; none for IPv6 or "unknown".
TEST(ParseChkuser, GivesTheBitsOfAnIpv4ClientAddress) {
  auto bits = [](std::string_view remote) {
    const Event e = ParseChkuser(
        "CHKUSER relaying rcpt: from <a@example.com:a@example.com:> "
        "remote <pc:unknown:" +
        std::string(remote) + "> rcpt <b@example.net> : client allowed");
    EXPECT_TRUE(std::holds_alternative<ChkuserEvent>(e)) << remote;
    return std::get<ChkuserEvent>(e).remote_ipv4;
  };
  EXPECT_EQ(bits("192.0.2.7"), 0xc0000207u);
  EXPECT_EQ(bits("::ffff:192.0.2.7"), 0xc0000207u);
  EXPECT_EQ(bits("2001:db8::5"), std::nullopt);
  EXPECT_EQ(bits("unknown"), std::nullopt);
  EXPECT_EQ(bits("010.0.2.7"), std::nullopt);  // not canonical: the detector spells it first
}

TEST(ChkuserVerdictFromTitle, MapsEveryTitleChkuserLogs) {
  const std::vector<std::pair<std::string_view, ChkuserVerdict>> titles = {
      {"relaying rcpt", V::kRelayingRcpt},
      {"accepted rcpt", V::kAcceptedRcpt},
      {"accepted any rcpt", V::kAcceptedAnyRcpt},
      {"rejected rcpt", V::kRejectedRcpt},
      {"rejected relaying", V::kRejectedRelaying},
      {"accepted sender", V::kAcceptedSender},
      {"rejected sender", V::kRejectedSender},
      {"intrusion threshold", V::kIntrusionThreshold},
      {"rejected intrusion", V::kRejectedIntrusion},
      {"no auth resource", V::kNoAuthResource},
      {"mbx overquota", V::kMbxOverquota},
      {"must auth", V::kMustAuth},
      {"accepted doublebounce", V::kAcceptedDoublebounce},
      {"accepted null sender", V::kAcceptedNullSender},
  };
  for (const auto& [title, verdict] : titles) {
    EXPECT_EQ(ChkuserVerdictFromTitle(title), verdict) << title;
    EXPECT_EQ(ChkuserTitle(verdict), title);
  }
  EXPECT_EQ(ChkuserVerdictFromTitle("Relaying rcpt"), V::kOther);
  EXPECT_EQ(ChkuserVerdictFromTitle(""), V::kOther);
  EXPECT_EQ(ChkuserTitle(V::kOther), "");
}

ChkuserEvent MustParse(std::string_view text) {
  const Event event = ParseChkuser(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    ADD_FAILURE() << "malformed (" << malformed->reason << "): " << text;
    return {};
  }
  return std::get<ChkuserEvent>(event);
}

std::string_view MalformedReason(std::string_view text) {
  const Event event = ParseChkuser(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) return malformed->reason;
  ADD_FAILURE() << "parsed although it should not: " << text;
  return {};
}

TEST(ParseChkuser, KeepsAnUnknownTitleAsOther) {
  const ChkuserEvent event = MustParse(
      "CHKUSER rejected by policy: from <a@b.example:u@b.example:> remote "
      "<h:unknown:192.0.2.1> rcpt <c@d.example> : some future reason");
  EXPECT_EQ(event.verdict, V::kOther);
  EXPECT_EQ(event.title, "rejected by policy");
  EXPECT_EQ(event.auth_user, "u@b.example");
}

TEST(ParseChkuser, ReadsTheMustAuthAndDoublebounceTitles) {
  EXPECT_EQ(MustParse("CHKUSER must auth: from <a@b.example::> remote <h:unknown:192.0.2.1> "
                      "rcpt <c@d.example> : sender not authenticated/authorized")
                .verdict,
            V::kMustAuth);
  const ChkuserEvent bounce = MustParse(
      "CHKUSER accepted doublebounce: from <#@[]::> remote <h:unknown:192.0.2.1> rcpt <> : "
      "accepted qmail doublebounce #@[]");
  EXPECT_EQ(bounce.verdict, V::kAcceptedDoublebounce);
  EXPECT_EQ(bounce.sender, "#@[]");
  EXPECT_EQ(bounce.reason, "accepted qmail doublebounce #@[]");
}

TEST(ParseChkuser, KeepsTheIdentField) {
  const ChkuserEvent classic = MustParse(
      "CHKUSER relaying rcpt: from <a@b.example:u@b.example:submission> remote "
      "<h:unknown:192.0.2.1> rcpt <c@d.example> : client allowed to relay");
  EXPECT_EQ(classic.ident, "submission");
  const ChkuserEvent named = MustParse(
      "CHKUSER relaying rcpt: from <a@b.example|remoteinfo/auth:u@b.example|chkuser-identify:"
      "submission> remote <helo:h|remotehostname:unknown|remotehostip:192.0.2.1> rcpt "
      "<c@d.example> : client allowed to relay");
  EXPECT_TRUE(named.field_named);
  EXPECT_EQ(named.ident, "submission");
  EXPECT_EQ(named.auth_user, "u@b.example");
}

// The remote field HELO:HOST:IP with ':' in HELO and IP, and hosts that are DNS names.
TEST(ParseChkuser, SplitsTheClassicRemoteFieldAtTheAddress) {
  struct Case {
    std::string_view remote, helo, host, ip;
  };
  const std::vector<Case> cases = {
      {"h:unknown:192.0.2.1", "h", "unknown", "192.0.2.1"},
      {":unknown:2001:db8::5", "", "unknown", "2001:db8::5"},
      {"[IPv6:2001:db8::5]:unknown:2001:db8::5", "[IPv6:2001:db8::5]", "unknown", "2001:db8::5"},
      {"h:unknown:::ffff:1.2.3.4", "h", "unknown", "1.2.3.4"},  // IPv4-mapped: the IPv4
      {"h:unknown:::1", "h", "unknown", "::1"},
      {"h::::1", "h", "", "::1"},                        // empty host, loopback
      {"h::192.0.2.1", "h", "", "192.0.2.1"},            // empty host
      {"cafe::2001:db8::1", "cafe", "", "2001:db8::1"},  // hex HELO, empty host
      {"a:b:c:mx.example.net:2001:db8::1", "a:b:c", "mx.example.net", "2001:db8::1"},
      {"ad.be:face.b00c:192.0.2.1", "ad.be", "face.b00c", "192.0.2.1"},
      {"x:1.2.3.4:unknown:192.0.2.9", "x:1.2.3.4", "unknown", "192.0.2.9"},
      {"h:unknown:unknown", "h", "unknown", "unknown"},  // qmail-smtpd without TCPREMOTEIP
      {"h:mail.example.com:2001:0db8:0000:0000:0000:0000:0000:0001", "h", "mail.example.com",
       "2001:0db8:0000:0000:0000:0000:0000:0001"},
  };
  for (const Case& c : cases) {
    const std::string line = "CHKUSER relaying rcpt: from <s@x.example:u@x.example:> remote <" +
                             std::string(c.remote) +
                             "> rcpt <r@y.example> : client allowed to relay";
    const ChkuserEvent event = MustParse(line);
    EXPECT_EQ(event.helo, c.helo) << c.remote;
    EXPECT_EQ(event.remote_host, c.host) << c.remote;
    EXPECT_EQ(event.remote_ip, c.ip) << c.remote;
    EXPECT_EQ(event.auth_user, "u@x.example") << c.remote;
  }
}

TEST(ParseChkuser, ASenderWithColonsKeepsTheLoginAfterIt) {
  // A quoted local part may hold ':'; AUTH and IDENT never do.
  const ChkuserEvent event = MustParse(
      "CHKUSER relaying rcpt: from <\"a:b\"@x.example:u@x.example:> remote "
      "<h:unknown:192.0.2.1> rcpt <r@y.example> : client allowed to relay");
  EXPECT_EQ(event.sender, "\"a:b\"@x.example");
  EXPECT_EQ(event.auth_user, "u@x.example");
  EXPECT_EQ(event.ident, "");
}

TEST(ParseChkuser, AFieldNamedSenderCannotSupplyTheLogin) {
  // The sender carries the dialect's tags; the last tags are chkuser's own.
  const ChkuserEvent event = MustParse(
      "CHKUSER relaying rcpt: from <x|remoteinfo/auth:victim@x.example|chkuser-identify:@x.example"
      "|remoteinfo/auth:bob@x.example|chkuser-identify:> remote <helo:h|remotehostname:unknown|"
      "remotehostip:192.0.2.1> rcpt <r@y.example> : client allowed to relay");
  EXPECT_EQ(event.auth_user, "bob@x.example");
  EXPECT_TRUE(event.field_named);
}

TEST(ParseChkuser, AFieldNamedHeloCannotSupplyTheAddress) {
  const ChkuserEvent event = MustParse(
      "CHKUSER relaying rcpt: from <a@x.example|remoteinfo/auth:u@x.example|chkuser-identify:> "
      "remote <helo:x|remotehostname:evil|remotehostip:6.6.6.6|remotehostname:unknown|"
      "remotehostip:2001:db8::7> rcpt <r@y.example> : client allowed to relay");
  EXPECT_EQ(event.helo, "x|remotehostname:evil|remotehostip:6.6.6.6");
  EXPECT_EQ(event.remote_host, "unknown");
  EXPECT_EQ(event.remote_ip, "2001:db8::7");
}

TEST(ParseChkuser, AClassicSenderEndingInTheFieldNamedTagStaysClassic) {
  // Field-named needs the text after the last "|chkuser-identify:" to be ':'-free; here the
  // real ":AUTH:IDENT" follows it.
  const ChkuserEvent event = MustParse(
      "CHKUSER relaying rcpt: from <x|remoteinfo/auth:victim|chkuser-identify:z:bob@x.example:> "
      "remote <h:unknown:192.0.2.1> rcpt <r@y.example> : client allowed to relay");
  EXPECT_FALSE(event.field_named);
  EXPECT_EQ(event.auth_user, "bob@x.example");
}

TEST(ParseChkuser, ARecipientHoldingTheReasonDelimiterStaysInTheRecipient) {
  const ChkuserEvent event = MustParse(
      "CHKUSER relaying rcpt: from <a@x.example:u@x.example:> remote <h:unknown:192.0.2.1> rcpt "
      "<\"q> : x\"@y.example> : client allowed to relay");
  EXPECT_EQ(event.rcpt, "\"q> : x\"@y.example");
  EXPECT_EQ(event.reason, "client allowed to relay");
}

// Lines with two readings: client text repeats a delimiter. Never guess a login from them.
TEST(ParseChkuser, CraftedDelimitersInClientTextAreMalformed) {
  struct Case {
    std::string_view line, reason;
  };
  const std::vector<Case> cases = {
      // The sender forges a whole from-field for a victim, then the real one follows.
      {"CHKUSER relaying rcpt: from <a:victim@x.example:> remote <h:unknown:1.1.1.1> rcpt <z> : "
       "client allowed to relay:bob@x.example:> remote <h:unknown:192.0.2.1> rcpt <r@y.example> : "
       "client allowed to relay",
       "chkuser: '> remote <' occurs twice"},
      // The HELO forges the end of the from-field.
      {"CHKUSER relaying rcpt: from <a:bob@x.example:> remote <h:unknown:1.1.1.1> remote "
       "<:victim@x.example:> rcpt <r@y.example> : client allowed to relay",
       "chkuser: '> remote <' occurs twice"},
      // The HELO forges a remote field and a recipient.
      {"CHKUSER relaying rcpt: from <a:bob@x.example:> remote <h:unknown:6.6.6.6> rcpt <fake:"
       "unknown:192.0.2.1> rcpt <r@y.example> : client allowed to relay",
       "chkuser: '> rcpt <' occurs twice"},
      // The recipient repeats the rcpt delimiter.
      {"CHKUSER relaying rcpt: from <a:bob@x.example:> remote <h:unknown:192.0.2.1> rcpt <a> rcpt "
       "<b> : client allowed to relay",
       "chkuser: '> rcpt <' occurs twice"},
  };
  for (const Case& c : cases) EXPECT_EQ(MalformedReason(c.line), c.reason) << c.line;
}

TEST(ParseChkuser, MissingOrBrokenFieldsAreMalformed) {
  struct Case {
    std::string_view line, reason;
  };
  const std::vector<Case> cases = {
      {"CHKUSER relaying rcpt from <a:b:> remote <h:unknown:1.2.3.4> rcpt <r> : x",
       "chkuser: no ': from <' after the title"},
      {"CHKUSER ", "chkuser: no ': from <' after the title"},
      {"CHKUSER relaying rcpt: from <a:b:> rcpt <r> : x", "chkuser: no '> remote <'"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <h:unknown:1.2.3.4> : x",
       "chkuser: no '> rcpt <'"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <h:unknown:1.2.3.4> rcpt <r>",
       "chkuser: no '> : ' before the reason"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <h:unknown:1.2.3.4> rcpt <r> : ",
       "chkuser: empty reason"},
      {"CHKUSER relaying rcpt: from <a> remote <h:unknown:1.2.3.4> rcpt <r> : x",
       "chkuser: from is not SENDER:AUTH:IDENT"},
      {"CHKUSER relaying rcpt: from <:a> remote <h:unknown:1.2.3.4> rcpt <r> : x",
       "chkuser: from is not SENDER:AUTH:IDENT"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <1.2.3.4> rcpt <r> : x",
       "chkuser: remote is not HELO:HOST:IP"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <unknown:1.2.3.4> rcpt <r> : x",
       "chkuser: remote is not HELO:HOST:IP"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <h:unknown:999.2.3.4> rcpt <r> : x",
       "chkuser: bad remote ip"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <h:un known:1.2.3.4> rcpt <r> : x",
       "chkuser: bad remote host"},
      {"CHKUSER relaying rcpt: from <a:b c:> remote <h:unknown:1.2.3.4> rcpt <r> : x",
       "chkuser: bad auth field"},
      {"CHKUSER relaying rcpt: from <a|remoteinfo/auth:b|chkuser-identify:> remote "
       "<h:unknown:1.2.3.4> rcpt <r> : x",
       "chkuser: field-named remote has no 'helo:'"},
      {"CHKUSER relaying rcpt: from <a|chkuser-identify:> remote <helo:h|remotehostname:unknown|"
       "remotehostip:1.2.3.4> rcpt <r> : x",
       "chkuser: field-named from has no '|remoteinfo/auth:'"},
      {"CHKUSER relaying rcpt: from <a|remoteinfo/auth:b|chkuser-identify:> remote <helo:h|"
       "remotehostip:1.2.3.4> rcpt <r> : x",
       "chkuser: field-named remote has no '|remotehostname:'"},
      {"CHKUSER relaying rcpt: from <a|remoteinfo/auth:b|chkuser-identify:> remote <helo:h|"
       "remotehostname:unknown> rcpt <r> : x",
       "chkuser: field-named remote has no '|remotehostip:'"},
      {"CHKUSER relaying rcpt: from <a:b:> remote <helo:h|remotehostname:unknown|remotehostip:"
       "1.2.3.4> rcpt <r> : x",
       "chkuser: bad remote host"},  // a field-named remote under a classic from
  };
  for (const Case& c : cases) EXPECT_EQ(MalformedReason(c.line), c.reason) << c.line;
}

// qmail-smtpd writes TCPREMOTEIP or "unknown" in the address field, never nothing: a line without
// an address would be counted for the key "ip:" of no client.
TEST(ParseChkuser, AnEmptyClientAddressIsMalformed) {
  for (std::string_view line : {
           "CHKUSER relaying rcpt: from <::> remote <::> rcpt <> : client allowed to relay",
           "CHKUSER relaying rcpt: from <a@x.example::> remote <::> rcpt <r@y.example> : client "
           "allowed to relay",
           "CHKUSER relaying rcpt: from <a@x.example::> remote <pc:unknown:> rcpt <r@y.example> : "
           "client allowed to relay",
           "CHKUSER relaying rcpt: from <a@x.example:u@x.example:> remote <:unknown:> rcpt "
           "<r@y.example> : client allowed to relay",
           "CHKUSER accepted rcpt: from <a@x.example::> remote <[IPv6:2001:db8::5]:unknown:> rcpt "
           "<r@example.com> : found existing recipient",
           "CHKUSER relaying rcpt: from <a@x.example|remoteinfo/auth:|chkuser-identify:> remote "
           "<helo:pc|remotehostname:unknown|remotehostip:> rcpt <r@y.example> : client allowed "
           "to relay",
           "CHKUSER relaying rcpt: from <|remoteinfo/auth:|chkuser-identify:> remote "
           "<helo:|remotehostname:|remotehostip:> rcpt <> : client allowed to relay",
       }) {
    EXPECT_EQ(MalformedReason(line), "chkuser: remote: no client address") << line;
  }
  // "unknown" is a host name qmail-smtpd writes, and also its word for no TCPREMOTEIP.
  EXPECT_EQ(MustParse("CHKUSER relaying rcpt: from <a@x.example::> remote <pc:unknown:unknown> "
                      "rcpt <r@y.example> : client allowed to relay")
                .remote_ip,
            "unknown");
  EXPECT_EQ(MustParse("CHKUSER relaying rcpt: from <a@x.example|remoteinfo/auth:|chkuser-identify:>"
                      " remote <helo:pc|remotehostname:unknown|remotehostip:192.0.2.1> rcpt "
                      "<r@y.example> : client allowed to relay")
                .remote_ip,
            "192.0.2.1");
}

TEST(ParseChkuser, TextWithoutThePrefixIsOther) {
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseChkuser("chkuser relaying rcpt: x")));
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseChkuser("")));
}

// chkuser's 256-byte stderr buffer: one line's writes interleaved with another process's.
class ChkuserSplicing : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* file : {"real.txt", "constructed.txt"}) {
      for (const FixtureLine& line : ChkuserLines(file)) lines_.push_back(line.text);
    }
    ASSERT_GE(lines_.size(), 10u);
  }
  std::vector<std::string> lines_;
};

TEST_F(ChkuserSplicing, AHeadGluedToAnotherChkuserLineIsMalformed) {
  for (const std::string& x : lines_) {
    for (const std::string& y : lines_) {
      // Every place x could have been cut, then y's whole line.
      for (std::size_t cut = 8; cut < x.size(); cut += 7) {
        const std::string glued = x.substr(0, cut) + y;
        EXPECT_EQ(MalformedReason(glued), "chkuser: interleaved line (a second 'CHKUSER ')")
            << glued;
      }
    }
  }
}

TEST_F(ChkuserSplicing, EveryCutLineIsMalformedOrKeepsAllFieldsButTheReasonsTail) {
  for (const std::string& x : lines_) {
    const ChkuserEvent full = MustParse(x);
    for (std::size_t cut = 0; cut < x.size(); ++cut) {
      const std::string_view head = std::string_view(x).substr(0, cut);
      const Event event = ParseChkuser(head);
      if (cut < 8) {  // not even "CHKUSER " yet
        EXPECT_TRUE(std::holds_alternative<OtherEvent>(event)) << head;
        continue;
      }
      if (std::holds_alternative<MalformedEvent>(event)) continue;
      // Only a cut inside the reason text can still parse; nothing else may change.
      ASSERT_TRUE(std::holds_alternative<ChkuserEvent>(event)) << head;
      const ChkuserEvent& got = std::get<ChkuserEvent>(event);
      EXPECT_EQ(got.auth_user, full.auth_user) << head;
      EXPECT_EQ(got.sender, full.sender) << head;
      EXPECT_EQ(got.rcpt, full.rcpt) << head;
      EXPECT_EQ(got.remote_ip, full.remote_ip) << head;
      EXPECT_EQ(got.verdict, full.verdict) << head;
      EXPECT_TRUE(full.reason.starts_with(got.reason)) << head;
    }
  }
}

TEST_F(ChkuserSplicing, AHeadGluedToAnotherProgramsLineIsMalformed) {
  const std::vector<std::string_view> others = {
      "tcpserver: end 4321 status 0",
      "qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay helo=laptop "
      "mailfrom=ceo@bank.example rcptto=x@gmail.example relay=yes pid=4321",
      "qmail-smtpd[4321]: auth: auth-success type=login user=<suzy@example.com>",
      "policy_check: policy allows transmission",
  };
  for (const std::string& x : lines_) {
    // Cut before the reason delimiter: the glued line lacks a field.
    const std::size_t reason_at = x.rfind("> : ");
    for (std::size_t cut = 8; cut < reason_at; cut += 5) {
      for (std::string_view other : others) {
        const std::string glued = x.substr(0, cut) + std::string(other);
        EXPECT_TRUE(std::holds_alternative<MalformedEvent>(ParseChkuser(glued))) << glued;
      }
    }
  }
}

TEST(ParseChkuser, ASplicedChunkInTheRemoteFieldIsMalformed) {
  // Another process's middle chunk lands inside the IP: the address no longer parses.
  EXPECT_EQ(MalformedReason("CHKUSER relaying rcpt: from <a@x.example:bob@x.example:> remote "
                            "<h:unknown:203.0.rcpthosts=no size= authuser=113.5> rcpt "
                            "<r@y.example> : client allowed to relay"),
            "chkuser: bad remote ip");
  // ... or inside the login: a login never holds spaces.
  EXPECT_EQ(MalformedReason("CHKUSER relaying rcpt: from <a@x.example:bo mailfrom=q@e.example "
                            "b@x.example:> remote <h:unknown:203.0.113.5> rcpt <r@y.example> : "
                            "client allowed to relay"),
            "chkuser: bad auth field");
}

// The login is checked eight bytes at a time: every byte value at every position of a 23-byte
// login (two full words and a tail) must be judged as one byte at a time would. ':' is left
// out: it moves the field boundaries instead.
TEST(ParseChkuser, EveryByteAtEveryPositionOfTheLoginIsJudgedAlone) {
  const std::string login = "suzy.sales@corp.example";
  for (std::size_t pos = 0; pos < login.size(); ++pos) {
    for (int b = 0; b < 256; ++b) {
      if (b == ':') continue;
      std::string auth = login;
      auth[pos] = static_cast<char>(b);
      const std::string line = "CHKUSER relaying rcpt: from <s@x.example:" + auth +
                               ":> remote <h:unknown:192.0.2.1> rcpt <r@y.example> : ok";
      const bool bad = b <= ' ' || b == 0x7f || b == '<' || b == '>';
      const Event e = ParseChkuser(line);
      if (bad) {
        ASSERT_EQ(MalformedReason(line), "chkuser: bad auth field")
            << "byte " << b << " at " << pos;
      } else {
        const auto* c = std::get_if<ChkuserEvent>(&e);
        ASSERT_NE(c, nullptr) << "byte " << b << " at " << pos;
        EXPECT_EQ(c->auth_user, auth);
      }
    }
  }
}

}  // namespace
}  // namespace relaywatch::parse
