#include "relaywatch/parse/smtpd.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"

namespace relaywatch::parse {
namespace {

SmtpdEvent MustParse(std::string_view text) {
  const Event event = ParseSmtpd(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    ADD_FAILURE() << "malformed (" << malformed->reason << "): " << text;
    return {};
  }
  return std::get<SmtpdEvent>(event);
}

TEST(ParseSmtpd, ReadsTheFixtureAuthLines) {
  std::vector<std::string> lines;
  for (const testing::FixtureLine& line : testing::ReadFixture("constructed.txt")) {
    if (line.text.starts_with("qmail-smtpd")) lines.push_back(line.text);
  }
  ASSERT_EQ(lines.size(), 2u);
  const SmtpdEvent success = MustParse(lines[0]);
  EXPECT_EQ(success.kind, SmtpdEvent::Kind::kAuthSuccess);
  EXPECT_EQ(success.pid, 4321u);
  EXPECT_EQ(success.auth_type, "login");
  EXPECT_EQ(success.user, "suzy@example.com");
  EXPECT_EQ(success.text, "auth: auth-success type=login user=<suzy@example.com>");
  const SmtpdEvent failed = MustParse(lines[1]);
  EXPECT_EQ(failed.kind, SmtpdEvent::Kind::kAuthFailed);
  EXPECT_EQ(failed.pid, 4400u);
  EXPECT_EQ(failed.user, "admin@example.com");
}

TEST(ParseSmtpd, KeepsTheClientsUserTextWhole) {
  const SmtpdEvent event =
      MustParse("qmail-smtpd[9]: auth: auth-failed type=plain user=<a> b <c@x.example>");
  EXPECT_EQ(event.user, "a> b <c@x.example");
  EXPECT_EQ(event.auth_type, "plain");
  EXPECT_EQ(MustParse("qmail-smtpd[9]: auth: auth-failed type=login user=<>").user, "");
}

TEST(ParseSmtpd, OtherSmtpdLinesAreKindOtherWithTheirText) {
  const SmtpdEvent rcpt = MustParse("qmail-smtpd: pid 13748 RCPT TO: <postmaster@testaja.lg>");
  EXPECT_EQ(rcpt.kind, SmtpdEvent::Kind::kOther);
  EXPECT_EQ(rcpt.pid, 0u);
  EXPECT_EQ(rcpt.text, "pid 13748 RCPT TO: <postmaster@testaja.lg>");
  const SmtpdEvent greet = MustParse("qmail-smtpd[77]: GREETDELAY: 5s");
  EXPECT_EQ(greet.kind, SmtpdEvent::Kind::kOther);
  EXPECT_EQ(greet.pid, 77u);
  EXPECT_EQ(greet.text, "GREETDELAY: 5s");
  EXPECT_EQ(MustParse("qmail-smtpd[77]: auth: unknown-thing").kind, SmtpdEvent::Kind::kOther);
}

TEST(ParseSmtpd, CutAuthLinesAreMalformed) {
  const std::string_view line =
      "qmail-smtpd[4321]: auth: auth-success type=login user=<suzy@x.example>";
  const std::size_t fields = line.find("type=");
  for (std::size_t cut = fields; cut < line.size(); ++cut) {
    const Event event = ParseSmtpd(line.substr(0, cut));
    ASSERT_TRUE(std::holds_alternative<MalformedEvent>(event)) << line.substr(0, cut);
    EXPECT_EQ(std::get<MalformedEvent>(event).reason,
              "qmail-smtpd: auth line without 'type=T user=<U>'");
  }
}

TEST(ParseSmtpd, NonSmtpdTextIsOther) {
  for (std::string_view text : {"qmail-smtpd.pl[3]: hello", "qmail-smtpd[x]: auth: y",
                                "qmail-smtpd[12: x", "qmail-smtpdx", "qmail-send: x"}) {
    EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseSmtpd(text))) << text;
  }
}

}  // namespace
}  // namespace relaywatch::parse
