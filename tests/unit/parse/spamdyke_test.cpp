#include "relaywatch/parse/spamdyke.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_lines.h"

namespace relaywatch::parse {
namespace {

SpamdykeEvent MustParse(std::string_view text) {
  const Event event = ParseSpamdyke(text);
  if (const auto* malformed = std::get_if<MalformedEvent>(&event)) {
    ADD_FAILURE() << "malformed (" << malformed->reason << "): " << text;
    return {};
  }
  return std::get<SpamdykeEvent>(event);
}

TEST(ParseSpamdyke, ReadsTheFixtureLines) {
  std::vector<std::string> lines;
  for (const testing::FixtureLine& line : testing::ReadFixture("real.txt")) {
    if (LooksLikeSpamdyke(line.text)) lines.push_back(line.text);
  }
  ASSERT_EQ(lines.size(), 2u);
  const SpamdykeEvent tls = MustParse(lines[0]);
  EXPECT_EQ(tls.verdict, "TLS_ENCRYPTED");
  EXPECT_FALSE(tls.denied);
  EXPECT_EQ(tls.from, "(unknown)");
  EXPECT_EQ(tls.to, "(unknown)");
  EXPECT_EQ(tls.origin_ip, "0.0.0.0");
  EXPECT_EQ(tls.origin_rdns, "(unknown)");
  EXPECT_EQ(tls.auth, "(unknown)");
  EXPECT_EQ(tls.encryption, "TLS_PASSTHROUGH");
  EXPECT_EQ(tls.reason, "");
  const SpamdykeEvent denied = MustParse(lines[1]);
  EXPECT_EQ(denied.verdict, "DENIED_RDNS_MISSING");
  EXPECT_TRUE(denied.denied);
  EXPECT_EQ(denied.from, "spam@mail.spam-source.net");
  EXPECT_EQ(denied.to, "recipient@example.com");
  EXPECT_EQ(denied.origin_ip, "203.0.113.66");
  EXPECT_EQ(denied.encryption, "(none)");
  EXPECT_EQ(denied.reason, "(empty)");
}

TEST(ParseSpamdyke, ReadsOlderLinesWithoutEncryptionAndAuthenticatedOnes) {
  const SpamdykeEvent old = MustParse(
      "ALLOWED from: a@x.example to: b@y.example origin_ip: 192.0.2.7 origin_rdns: "
      "mail.x.example auth: suzy@example.com");
  EXPECT_EQ(old.auth, "suzy@example.com");
  EXPECT_EQ(old.encryption, "");
  EXPECT_EQ(old.origin_rdns, "mail.x.example");
}

TEST(ParseSpamdyke, LinesMissingLabelsAreMalformed) {
  const Event event =
      ParseSpamdyke("DENIED_RBL_MATCH from: a@x.example to: b@y.example origin_ip:");
  ASSERT_TRUE(std::holds_alternative<MalformedEvent>(event));
  EXPECT_EQ(std::get<MalformedEvent>(event).reason, "spamdyke: missing a field label");
}

TEST(ParseSpamdyke, OnlyAnUpperCaseWordThenFromLooksLikeSpamdyke) {
  EXPECT_TRUE(LooksLikeSpamdyke("ALLOWED from: x"));
  EXPECT_TRUE(LooksLikeSpamdyke("DENIED_RDNS_MISSING from: x"));
  EXPECT_FALSE(LooksLikeSpamdyke("allowed from: x"));
  EXPECT_FALSE(LooksLikeSpamdyke(" from: x"));
  EXPECT_FALSE(LooksLikeSpamdyke("ERROR: unable to connect"));
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseSpamdyke("ERROR: unable to connect")));
}

}  // namespace
}  // namespace relaywatch::parse
