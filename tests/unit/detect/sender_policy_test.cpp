#include "relaywatch/detect/sender_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace relaywatch::detect {
namespace {

struct Case {
  const char* login;   // normalized, as the detector passes it
  const char* sender;  // as logged
  bool allowed;
  const char* why;
};

// The DESIGN.md example rule, plus a per-domain allow entry and keys written in mixed case.
SenderParams ExampleParams() {
  SenderParams p;
  p.policy = SenderPolicy::kSameDomain;
  p.allow["suzy@example.com"] = {"sales@example.com", "*@example.net"};
  p.allow["@Corp.Example"] = {"*@partner.example", "noreply-[0-9]@vendor.example"};
  p.allow["Ann@SHOP.example"] = {"orders@marketplace.example"};
  p.domain_aliases = {{"example.com", "Example.ORG"}};
  p.exempt = {"lists@example.com", "Robot@BULK.example"};
  return p;
}

void Check(const SenderPolicyCheck& check, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(check.Allowed(c.login, c.sender), c.allowed)
        << c.why << ": login " << c.login << ", sender <" << c.sender << ">";
  }
}

TEST(SenderPolicyCheckTest, SameDomainPolicyWithoutDefaultDomain) {
  const SenderPolicyCheck check(ExampleParams(), "");
  Check(
      check,
      {
          {"bob@example.com", "alice@example.com", true, "same domain"},
          {"bob@example.com", "bob@example.com", true, "itself"},
          {"bob@example.com", "alice@EXAMPLE.COM", true, "domain case differs"},
          {"bob@example.com", "Alice@Example.Com", true, "domain case differs, local as written"},
          {"bob@example.com", "ceo@bank.example", false, "foreign domain"},
          {"bob@example.com", "ceo@example.com.bank.example", false, "suffix trick"},
          {"bob@example.com", "ceo@mail.example.com", false, "subdomain is another domain"},
          {"bob@example.com", "", true, "null sender never"},
          {"bob@example.com", "#@[]", true, "qmail's double-bounce null sender never"},
          {"bob@example.com", "x@example.org", true, "alias"},
          {"bob@example.com", "x@EXAMPLE.ORG", true, "alias, upper case"},
          {"bob@example.org", "x@Example.Com", true, "alias, the other way"},
          {"bob@example.com", "x@example.net", false, "example.net is not in the alias group"},
          {"suzy@example.com", "sales@example.com", true, "allow (and same domain)"},
          {"suzy@example.com", "anyone@example.net", true, "allow glob"},
          {"suzy@example.com", "Anyone@EXAMPLE.NET", true, "allow glob, case-insensitive"},
          {"suzy@example.com", "anyone@bank.example", false, "not in her allow list"},
          {"bob@example.com", "anyone@example.net", false, "suzy's allow list is hers only"},
          {"tom@corp.example", "x@partner.example", true, "allow for @domain"},
          {"tom@corp.example", "noreply-7@vendor.example", true, "allow class"},
          {"tom@corp.example", "noreply-x@vendor.example", false, "class does not match"},
          {"tom@corp.example", "x@other.example", false, "@domain allow list does not have it"},
          {"bob@example.com", "x@partner.example", false, "another domain's allow list"},
          // Logins come keyed as vpopmail sees them (lowercased); so are the allow and exempt keys.
          {"ann@shop.example", "orders@marketplace.example", true, "allow key Ann@ is ann@"},
          {"lists@example.com", "owner@bank.example", true, "exempt"},
          {"robot@bulk.example", "x@anything.example", true, "exempt key Robot@ is robot@"},
          {"bob", "x@bank.example", true, "login without @ and no default_domain: not judged"},
          {"bob@example.com", "alice", true, "sender without @ and no default_domain: not judged"},
          {"bob@example.com", "@example.com", true, "empty local part, same domain"},
          {"bob@example.com", "x@", true, "empty domain: cannot be judged"},
      });
}

TEST(SenderPolicyCheckTest, ADefaultDomainJudgesLoginsAndSendersWithoutAt) {
  const SenderPolicyCheck check(ExampleParams(), "Example.COM");
  Check(check, {
                   {"bob", "x@example.com", true, "bob is bob@example.com"},
                   {"bob", "x@EXAMPLE.com", true, "bob is bob@example.com, sender domain case"},
                   {"bob", "x@example.org", true, "bob is bob@example.com, alias"},
                   {"bob", "x@bank.example", false, "bob is bob@example.com, foreign"},
                   {"bob", "alice", true, "both take the default domain"},
                   {"bob@bank.example", "alice", false, "alice is alice@example.com"},
                   {"bob@example.com", "alice", true, "alice is alice@example.com"},
                   {"bob", "", true, "null sender never"},
               });
}

TEST(SenderPolicyCheckTest, SameAddressPolicyAllowsOnlyTheLoginItself) {
  SenderParams p = ExampleParams();
  p.policy = SenderPolicy::kSameAddress;
  const SenderPolicyCheck check(p, "example.com");
  Check(check,
        {
            {"bob@example.com", "bob@example.com", true, "itself"},
            {"bob@example.com", "bob@EXAMPLE.COM", true, "itself, domain case"},
            {"bob@example.com", "bob@example.org", true, "itself at an alias domain"},
            {"bob@example.com", "Bob@example.com", true, "local part case: one vpopmail mailbox"},
            {"bob@example.com", "#@[]", true, "double-bounce null sender never"},
            {"bob@example.com", "alice@example.com", false, "another address of the domain"},
            {"bob@example.com", "", true, "null sender never"},
            {"suzy@example.com", "sales@example.com", true, "allow list still applies"},
            {"suzy@example.com", "x@example.net", true, "allow glob still applies"},
            {"suzy@example.com", "x@example.com", false, "not in her allow list"},
            {"bob", "bob@example.com", true, "default domain"},
            {"bob", "bob", true, "both default"},
            {"lists@example.com", "x@example.com", true, "exempt"},
        });
}

TEST(SenderPolicyCheckTest, WithoutAllowOrAliasesOnlyTheSameDomainPasses) {
  const SenderPolicyCheck check(SenderParams{}, "");
  Check(check, {
                   {"bob@example.com", "x@example.com", true, "same"},
                   {"bob@example.com", "x@example.org", false, "no aliases"},
                   {"bob@example.com", "x@example.net", false, "no allow list"},
                   {"lists@example.com", "x@bank.example", false, "no exempt list"},
               });
}

}  // namespace
}  // namespace relaywatch::detect
