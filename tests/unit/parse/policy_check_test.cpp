#include "relaywatch/parse/policy_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"

namespace relaywatch::parse {
namespace {

using testing::FixtureLine;
using testing::ReadFixture;

PolicyCheckEvent MustParse(std::string_view text) {
  const Event event = ParsePolicyCheck(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    ADD_FAILURE() << "malformed (" << malformed->reason << "): " << text;
    return {};
  }
  return std::get<PolicyCheckEvent>(event);
}

TEST(ParsePolicyCheck, ReadsTheFixtureLines) {
  std::vector<std::string> lines;
  for (const FixtureLine& line : ReadFixture("constructed.txt")) {
    if (line.text.starts_with("policy_check: ")) lines.push_back(line.text);
  }
  ASSERT_EQ(lines.size(), 4u);
  const PolicyCheckEvent first = MustParse(lines[0]);
  EXPECT_FALSE(first.is_verdict);
  EXPECT_TRUE(first.sender_local);
  EXPECT_EQ(first.principal, "suzy@example.com");
  EXPECT_FALSE(first.rcpt_local);
  EXPECT_EQ(first.rcpt, "x@gmail.example");
  EXPECT_TRUE(first.authenticated);
  const PolicyCheckEvent verdict = MustParse(lines[1]);
  EXPECT_TRUE(verdict.is_verdict);
  EXPECT_TRUE(verdict.allowed);
  EXPECT_EQ(MustParse(lines[2]).rcpt, "y@yahoo.example");
}

TEST(ParsePolicyCheck, ReadsForbiddenAndUnauthenticatedLines) {
  const PolicyCheckEvent forbids = MustParse("policy_check: policy forbids transmission");
  EXPECT_TRUE(forbids.is_verdict);
  EXPECT_FALSE(forbids.allowed);
  const PolicyCheckEvent inbound = MustParse(
      "policy_check: remote news@list.example -> local suzy@example.com (UNAUTHENTICATED SENDER)");
  EXPECT_FALSE(inbound.sender_local);
  EXPECT_EQ(inbound.principal, "news@list.example");
  EXPECT_TRUE(inbound.rcpt_local);
  EXPECT_EQ(inbound.rcpt, "suzy@example.com");
  EXPECT_FALSE(inbound.authenticated);
}

TEST(ParsePolicyCheck, BrokenRecipientLinesAreMalformed) {
  struct Case {
    std::string_view line, reason;
  };
  const std::vector<Case> cases = {
      {"policy_check: local a@x.example", "policy_check: no ' -> '"},
      {"policy_check: local a@x.example -> elsewhere b (AUTHENTICATED SENDER)",
       "policy_check: no 'local' or 'remote' after ' -> '"},
      {"policy_check: local a@x.example -> remote b@y.example (AUTHENTICATED SEN",
       "policy_check: no '(...)' at the end (cut line)"},
      {"policy_check: remote \"x -> local v\"@e.example -> remote b@y.example (UNAUTHENTICATED "
       "SENDER)",
       "policy_check: ' -> ' occurs twice"},
  };
  for (const Case& c : cases) {
    const Event event = ParsePolicyCheck(c.line);
    ASSERT_TRUE(std::holds_alternative<MalformedEvent>(event)) << c.line;
    EXPECT_EQ(std::get<MalformedEvent>(event).reason, c.reason) << c.line;
  }
}

TEST(ParsePolicyCheck, OtherPolicyTextIsOther) {
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(
      ParsePolicyCheck("policy_check: unable to read policy file")));
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParsePolicyCheck("policy allows transmission")));
}

}  // namespace
}  // namespace relaywatch::parse
