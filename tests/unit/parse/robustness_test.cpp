// Every input gives a defined Event: random bytes, every prefix of every fixture line, and
// fixture lines with bytes flipped. Beyond "does not crash", each result must be repeatable
// and every string_view in it must point into the input text (nothing dangling, nothing
// invented), except MalformedEvent::reason, which is static text.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "fixture_lines.h"
#include "relaywatch/parse/parser.h"

namespace relaywatch::parse {
namespace {

struct ViewCollector {
  std::vector<std::string_view> views;
  void operator()(const OtherEvent&) {}
  void operator()(const MalformedEvent&) {}
  void operator()(const ChkuserEvent& e) {
    views = {e.title,       e.sender,    e.auth_user, e.ident, e.helo,
             e.remote_host, e.remote_ip, e.rcpt,      e.reason};
  }
  void operator()(const QlogEvent& e) {
    views = {e.result, e.reason,   e.detail,   e.mailfrom,
             e.rcptto, e.authuser, e.remoteip, e.localport};
  }
  void operator()(const SimscanEvent& e) {
    views = {e.verdict, e.remote_ip, e.sender, e.recipients};
  }
  void operator()(const QmtRecvEvent& e) { views = {e.sender}; }
  void operator()(const PolicyCheckEvent& e) { views = {e.principal, e.rcpt}; }
  void operator()(const TcpserverEvent& e) { views = {e.remote_ip, e.local_port}; }
  void operator()(const SmtpdEvent& e) { views = {e.auth_type, e.user, e.text}; }
  void operator()(const SpamdykeEvent& e) {
    views = {e.verdict, e.from, e.to, e.origin_ip, e.origin_rdns, e.auth, e.encryption, e.reason};
  }
  void operator()(const RblsmtpdEvent& e) { views = {e.remote_ip, e.zone}; }
  void operator()(const VchkpwEvent& e) { views = {e.service, e.user, e.remote_ip}; }
};

// Parses `text` twice and checks the invariants; returns the kind name.
std::string_view CheckedParse(std::string_view tag, std::string_view text) {
  const Event event = ParseEvent(tag, text);
  const Event again = ParseEvent(tag, text);
  EXPECT_EQ(event.index(), again.index());
  ViewCollector collector;
  std::visit(collector, event);
  for (std::string_view view : collector.views) {
    if (view.empty()) continue;
    EXPECT_GE(view.data(), text.data());
    EXPECT_LE(view.data() + view.size(), text.data() + text.size());
  }
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    EXPECT_FALSE(malformed->reason.empty());
  }
  return EventKindName(event);
}

std::vector<testing::FixtureLine> AllFixtureLines() {
  std::vector<testing::FixtureLine> lines = testing::ReadFixture("real.txt");
  for (testing::FixtureLine& line : testing::ReadFixture("constructed.txt")) {
    lines.push_back(std::move(line));
  }
  return lines;
}

TEST(Robustness, EveryPrefixOfEveryFixtureLineGivesADefinedEvent) {
  for (const testing::FixtureLine& line : AllFixtureLines()) {
    for (std::size_t cut = 0; cut <= line.text.size(); ++cut) {
      // A copy of exactly `cut` bytes, so reading past the end would be caught by sanitizers.
      const std::string head = line.text.substr(0, cut);
      CheckedParse(line.tag, head);
    }
  }
}

TEST(Robustness, EverySuffixOfEveryFixtureLineGivesADefinedEvent) {
  for (const testing::FixtureLine& line : AllFixtureLines()) {
    for (std::size_t start = 0; start <= line.text.size(); ++start) {
      const std::string tail = line.text.substr(start);
      CheckedParse("", tail);
    }
  }
}

TEST(Robustness, FixtureLinesWithBytesChangedGiveDefinedEvents) {
  std::mt19937 random(20240601);  // fixed seed: failures reproduce
  const std::string specials = ":<> |@[]().,=/\r\n\t\0";
  std::size_t parsed_same_kind = 0;
  std::size_t total = 0;
  for (const testing::FixtureLine& line : AllFixtureLines()) {
    for (int round = 0; round < 200; ++round) {
      std::string text = line.text;
      const int edits = 1 + static_cast<int>(random() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const std::size_t at = random() % text.size();
        const char byte = (random() % 2) ? specials[random() % specials.size()]
                                         : static_cast<char>(random() % 256);
        switch (random() % 3) {
          case 0:
            text[at] = byte;
            break;
          case 1:
            text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte);
            break;
          default:
            text.erase(at, 1);
            break;
        }
      }
      ++total;
      if (CheckedParse(line.tag, text) == EventKindName(ParseEvent(line.tag, line.text))) {
        ++parsed_same_kind;
      }
    }
  }
  // Not a correctness bound, a sanity one: small edits mostly keep the kind.
  EXPECT_GT(parsed_same_kind, total / 4);
}

TEST(Robustness, RandomBytesGiveDefinedEvents) {
  std::mt19937 random(7);
  // Random text behind each dispatch prefix, so every family's parser sees garbage.
  const std::vector<std::string> prefixes = {"",
                                             "CHKUSER ",
                                             "CHKUSER relaying rcpt: from <",
                                             "tcpserver: ",
                                             "tcpserver: ok ",
                                             "qlogenvelope:",
                                             "qlogreceived: result=",
                                             "simscan:[1]:",
                                             "policy_check: local ",
                                             "mail recv: pid 1 from <",
                                             "qmail-smtpd[1]: auth: auth-success ",
                                             "rblsmtpd: ",
                                             "vchkpw-pop3: ",
                                             "ALLOWED from: "};
  const std::string alphabet = ":<>| @[].,=/0123456789abcdefunknown\r\tCHKUSER";
  for (const std::string& prefix : prefixes) {
    for (int round = 0; round < 2000; ++round) {
      std::string text = prefix;
      const std::size_t length = random() % 120;
      for (std::size_t i = 0; i < length; ++i) {
        text += (random() % 4 == 0) ? static_cast<char>(random() % 256)
                                    : alphabet[random() % alphabet.size()];
      }
      CheckedParse((round % 7 == 0) ? "rblsmtpd" : "", text);
    }
  }
}

TEST(Robustness, HugeLinesParseInLinearTime) {
  // 1 MB of colons in a HELO: the address search is bounded, not quadratic.
  const std::string helo(1 << 20, ':');
  const std::string line = "CHKUSER relaying rcpt: from <a:b:> remote <" + helo +
                           ":unknown:192.0.2.1> rcpt <r> : client allowed to relay";
  EXPECT_EQ(CheckedParse("", line), "chkuser");
  const std::string dots = "simscan:[1]:CLEAN:1.0s:" + std::string(1 << 20, '.') + ":a:b";
  EXPECT_EQ(CheckedParse("", dots), "malformed");
}

}  // namespace
}  // namespace relaywatch::parse
