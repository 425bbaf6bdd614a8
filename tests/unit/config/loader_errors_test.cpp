// Bad configs: each mistake an admin can make, with the exact message `relaywatch check` prints.
// Like ninja's ParserTest.Errors, the input and the text are side by side; lines and columns are
// 1-based and point at the offending key or value.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "error_of.h"

namespace relaywatch::config {
namespace {

using test_support::ErrorOf;
using test_support::WithRule;

TEST(LoaderErrorsTest, NamesFileLineColumnAndPathOfABadDuration) {
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: hourly\n"
                    "    kind: volume\n"
                    "    window: ten\n"
                    "    limit: 5\n"),
            "relaywatch.yaml:4:13: rules[0].window: expected a duration like 10m, got \"ten\"");
  EXPECT_EQ(ErrorOf("rules: [{name: v, kind: volume, window: 0m, limit: 5}]\n"),
            "relaywatch.yaml:1:41: rules[0].window: expected a duration like 10m, got \"0m\"");
  EXPECT_EQ(ErrorOf("rules: [{name: v, kind: volume, window: 90, limit: 5}]\n"),
            "relaywatch.yaml:1:41: rules[0].window: expected a duration like 10m, got \"90\"");
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: v\n"
                    "    kind: volume\n"
                    "    window:\n"
                    "    limit: 5\n"),
            "relaywatch.yaml:4:5: rules[0].window: expected a duration like 10m, got nothing");
}

TEST(LoaderErrorsTest, UsesTheFileNameAsGiven) {
  core::Result<Config> config = LoadConfigString("startup: hot\n", "/etc/relaywatch/x.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "/etc/relaywatch/x.yaml:1:10: startup: expected warm or tail, got \"hot\"");
}

TEST(LoaderErrorsTest, SuggestsTheKeyMeantWhenAnUnknownOneIsClose) {
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: v\n"
                    "    kind: volume\n"
                    "    windw: 1h\n"
                    "    limit: 5\n"),
            "relaywatch.yaml:4:5: rules[0].windw: unknown key; did you mean window?");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  max_per_hr: 5\n")),
            "relaywatch.yaml:3:3: alerts.max_per_hr: unknown key; did you mean max_per_hour?");
  EXPECT_EQ(ErrorOf(WithRule("Startup: warm\n")),
            "relaywatch.yaml:2:1: Startup: unknown key; did you mean startup?");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  channels:\n    - {name: m, via: smtp, startls: true}\n")),
            "relaywatch.yaml:4:28: alerts.channels[0].startls: unknown key; did you mean "
            "starttls?");
}

TEST(LoaderErrorsTest, ListsTheValidKeysWhenNoneIsClose) {
  EXPECT_EQ(ErrorOf(WithRule("colour: blue\n")),
            "relaywatch.yaml:2:1: colour: unknown key; expected hostname, state_dir, startup, "
            "sources, default_domain, rules, alerts, metrics or fleet");
  EXPECT_EQ(ErrorOf(WithRule("sources: {path: /var/log/qmail}\n")),
            "relaywatch.yaml:2:11: sources.path: unknown key; expected supervise_dir, services "
            "or logs");
  // There is no state section: the memory backend is the only one, so nothing to choose yet.
  EXPECT_EQ(ErrorOf(WithRule("state: {backend: redis}\n")),
            "relaywatch.yaml:2:1: state: unknown key; expected hostname, state_dir, startup, "
            "sources, default_domain, rules, alerts, metrics or fleet");
}

TEST(LoaderErrorsTest, RejectsKeysThatDoNotApplyToTheRuleKind) {
  EXPECT_EQ(
      ErrorOf("rules: [{name: v, kind: volume, window: 1h, limit: 5, policy: same-domain}]\n"),
      "relaywatch.yaml:1:55: rules[0].policy: not used by kind volume (only by sender)");
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: p\n"
                    "    kind: service-policy\n"
                    "    allowed_services: [submission]\n"
                    "    limit: 1\n"),
            "relaywatch.yaml:5:5: rules[0].limit: not used by kind service-policy (only by "
            "volume, sender, remote-ips and rcpt-limit)");
  EXPECT_EQ(ErrorOf("rules: [{name: i, kind: remote-ips, window: 1h, limit: 5, exempt: [a]}]\n"),
            "relaywatch.yaml:1:59: rules[0].exempt: not used by kind remote-ips (only by sender)");
}

TEST(LoaderErrorsTest, RejectsLimitsThatAreNotPositiveWholeNumbers) {
  const std::string prefix = "rules: [{name: v, kind: volume, window: 1h, limit: ";
  const std::string at = "relaywatch.yaml:1:52: rules[0].limit: ";
  EXPECT_EQ(ErrorOf(prefix + "-5}]\n"), at + "expected a whole number of at least 1, got \"-5\"");
  EXPECT_EQ(ErrorOf(prefix + "2.5}]\n"), at + "expected a whole number of at least 1, got \"2.5\"");
  EXPECT_EQ(ErrorOf(prefix + "0}]\n"), at + "expected a whole number of at least 1, got \"0\"");
  EXPECT_EQ(ErrorOf(prefix + "0x10}]\n"),
            at + "expected a whole number of at least 1, got \"0x10\"");
  EXPECT_EQ(ErrorOf(prefix + "[5]}]\n"), at + "expected a whole number of at least 1, got a list");
  EXPECT_EQ(ErrorOf(prefix + "99999999999999999999999}]\n"),
            at + "expected a whole number of at least 1, got \"99999999999999999999999\"");
}

TEST(LoaderErrorsTest, RejectsMaxKeysThatAreNotPositiveWholeNumbers) {
  const std::string prefix = "rules: [{name: v, kind: volume, window: 1h, limit: 5, max_keys: ";
  const std::string at = "relaywatch.yaml:1:65: rules[0].max_keys: ";
  EXPECT_EQ(ErrorOf(prefix + "0}]\n"), at + "expected a whole number of at least 1, got \"0\"");
  EXPECT_EQ(ErrorOf(prefix + "lots}]\n"),
            at + "expected a whole number of at least 1, got \"lots\"");
  EXPECT_EQ(ErrorOf(prefix + "1}]\n"), "(loaded)");
}

TEST(LoaderErrorsTest, RejectsBadOverrides) {
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: v\n"
                    "    kind: volume\n"
                    "    window: 1h\n"
                    "    limit: 5\n"
                    "    overrides:\n"
                    "      bob@example.com: -1\n"),
            "relaywatch.yaml:7:24: rules[0].overrides.bob@example.com: expected a whole number "
            "(0 = unlimited), got \"-1\"");
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: v\n"
                    "    kind: volume\n"
                    "    window: 1h\n"
                    "    limit: 5\n"
                    "    overrides:\n"
                    "      bob smith: 10\n"),
            "relaywatch.yaml:7:7: rules[0].overrides: expected a login like bob@example.com or "
            "@domain as key, got \"bob smith\"");
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: v\n"
                    "    kind: volume\n"
                    "    window: 1h\n"
                    "    limit: 5\n"
                    "    overrides:\n"
                    "      bob@example.com: 10\n"
                    "      bob@Example.COM: 20\n"),
            "relaywatch.yaml:8:7: rules[0].overrides.bob@Example.COM: same login as on line 7 "
            "(domains compare case-insensitively)");
  EXPECT_EQ(ErrorOf("rules: [{name: v, kind: volume, window: 1h, limit: 5, overrides: [a]}]\n"),
            "relaywatch.yaml:1:66: rules[0].overrides: expected a mapping, got a list");
}

TEST(LoaderErrorsTest, RejectsBadSenderSettings) {
  const std::string head = "rules:\n  - name: s\n    kind: sender\n";
  EXPECT_EQ(ErrorOf(head + "    allow: {suzy@example.com: [\"sales@example.com\", \"[abc\"]}\n"),
            "relaywatch.yaml:4:53: rules[0].allow.suzy@example.com[1]: bad pattern \"[abc\": "
            "unclosed '['");
  EXPECT_EQ(ErrorOf(head + "    allow: {\"@\": [\"*@example.net\"]}\n"),
            "relaywatch.yaml:4:13: rules[0].allow: expected a login like bob@example.com or "
            "@domain as key, got \"@\"");
  EXPECT_EQ(ErrorOf(head + "    policy: same-user\n"),
            "relaywatch.yaml:4:13: rules[0].policy: expected same-domain or same-address, got "
            "\"same-user\"");
  EXPECT_EQ(ErrorOf(head + "    domain_aliases: [[example.com]]\n"),
            "relaywatch.yaml:4:22: rules[0].domain_aliases[0]: expected a list of at least two "
            "domains like [example.com, example.net], got a list");
  EXPECT_EQ(ErrorOf(head + "    domain_aliases: [example.com, example.net]\n"),
            "relaywatch.yaml:4:22: rules[0].domain_aliases[0]: expected a list, got "
            "\"example.com\"");
  EXPECT_EQ(ErrorOf(head + "    domain_aliases: [[example.com, \"example net\"]]\n"),
            "relaywatch.yaml:4:36: rules[0].domain_aliases[0][1]: expected a domain like "
            "example.com, got \"example net\"");
  EXPECT_EQ(ErrorOf(head + "    exempt: [\"lists@\"]\n"),
            "relaywatch.yaml:4:14: rules[0].exempt[0]: expected a login like bob@example.com, "
            "got \"lists@\"");
}

TEST(LoaderErrorsTest, RequiresNameKindAndWhatEachKindNeeds) {
  EXPECT_EQ(ErrorOf("rules:\n  - kind: volume\n"),
            "relaywatch.yaml:2:5: rules[0]: missing key name");
  EXPECT_EQ(ErrorOf("rules:\n  - name: v\n"),
            "relaywatch.yaml:2:5: rules[0]: missing key kind (volume, sender, remote-ips, "
            "service-policy or rcpt-limit)");
  EXPECT_EQ(ErrorOf("rules:\n  - {name: v, kind: volume, limit: 5}\n"),
            "relaywatch.yaml:2:5: rules[0]: missing key window (kind volume needs window and "
            "limit)");
  EXPECT_EQ(ErrorOf("rules:\n  - {name: v, kind: rcpt-limit, window: 1h}\n"),
            "relaywatch.yaml:2:5: rules[0]: missing key limit (kind rcpt-limit needs window and "
            "limit)");
  EXPECT_EQ(ErrorOf("rules:\n  - {name: p, kind: service-policy}\n"),
            "relaywatch.yaml:2:5: rules[0]: missing key allowed_services (kind service-policy "
            "needs it)");
  EXPECT_EQ(ErrorOf("rules:\n  - {name: p, kind: service-policy, allowed_services: []}\n"),
            "relaywatch.yaml:2:55: rules[0].allowed_services: expected at least one service "
            "name, got an empty list");
  EXPECT_EQ(ErrorOf("rules:\n  -\n"), "relaywatch.yaml:2:3: rules[0]: missing key name");
  EXPECT_EQ(ErrorOf("rules: [volume]\n"),
            "relaywatch.yaml:1:9: rules[0]: expected a mapping, got \"volume\"");
}

TEST(LoaderErrorsTest, ListsTheValidKindsForAnUnknownOne) {
  EXPECT_EQ(ErrorOf("rules: [{name: g, kind: gap}]\n"),
            "relaywatch.yaml:1:25: rules[0].kind: expected volume, sender, remote-ips, "
            "service-policy or rcpt-limit, got \"gap\"");
  EXPECT_EQ(ErrorOf("rules: [{name: v, kind: Volume}]\n"),
            "relaywatch.yaml:1:25: rules[0].kind: expected volume, sender, remote-ips, "
            "service-policy or rcpt-limit, got \"Volume\"");
}

TEST(LoaderErrorsTest, RejectsDuplicateAndMalformedRuleNames) {
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - {name: hourly, kind: volume, window: 1h, limit: 5}\n"
                    "  - {name: ips, kind: remote-ips, window: 1h, limit: 5}\n"
                    "  - {name: hourly, kind: volume, window: 1d, limit: 50}\n"),
            "relaywatch.yaml:4:12: rules[2].name: duplicate rule name \"hourly\" (rules[0] has "
            "it)");
  EXPECT_EQ(ErrorOf("rules: [{name: hourly volume, kind: volume, window: 1h, limit: 5}]\n"),
            "relaywatch.yaml:1:16: rules[0].name: expected a name of letters, digits, '.', '_' "
            "and '-', got \"hourly volume\"");
}

TEST(LoaderErrorsTest, RequiresAtLeastOneRule) {
  EXPECT_EQ(ErrorOf("state_dir: /var/lib/relaywatch\n"),
            "relaywatch.yaml:1:1: missing key rules (at least one rule is needed)");
  EXPECT_EQ(ErrorOf("rules: []\n"),
            "relaywatch.yaml:1:8: rules: expected at least one rule, got an empty list");
  EXPECT_EQ(ErrorOf("rules:\n"),
            "relaywatch.yaml:1:1: rules: expected at least one rule, got nothing");
  EXPECT_EQ(ErrorOf("rules: {name: v}\n"),
            "relaywatch.yaml:1:8: rules: expected a list, got a mapping");
}

TEST(LoaderErrorsTest, RejectsBadTopLevelValues) {
  EXPECT_EQ(ErrorOf(WithRule("state_dir: var/lib/relaywatch\n")),
            "relaywatch.yaml:2:12: state_dir: expected an absolute path, got "
            "\"var/lib/relaywatch\"");
  EXPECT_EQ(ErrorOf(WithRule("hostname: mx1 example\n")),
            "relaywatch.yaml:2:11: hostname: expected a host name like mx1.example.com, got "
            "\"mx1 example\"");
  EXPECT_EQ(ErrorOf(WithRule("default_domain: \"@example.com\"\n")),
            "relaywatch.yaml:2:17: default_domain: expected a domain like example.com, got "
            "\"@example.com\"");
  EXPECT_EQ(ErrorOf(WithRule("startup: [warm]\n")),
            "relaywatch.yaml:2:10: startup: expected warm or tail, got a list");
}

TEST(LoaderErrorsTest, RejectsBadSources) {
  EXPECT_EQ(ErrorOf(WithRule("sources:\n  supervise_dir: qmail/supervise\n")),
            "relaywatch.yaml:3:18: sources.supervise_dir: expected an absolute path, or \"\" for "
            "none, got \"qmail/supervise\"");
  EXPECT_EQ(ErrorOf(WithRule("sources:\n  services: [submission, ../smtp]\n")),
            "relaywatch.yaml:3:26: sources.services[1]: expected a service name like "
            "submission, got \"../smtp\"");
  EXPECT_EQ(ErrorOf(WithRule("sources:\n  logs:\n    - {service: submission}\n")),
            "relaywatch.yaml:4:7: sources.logs[0]: missing key dir");
  EXPECT_EQ(ErrorOf(WithRule("sources:\n  logs:\n    - {service: submission, dir: log/main}\n")),
            "relaywatch.yaml:4:34: sources.logs[0].dir: expected an absolute path, got "
            "\"log/main\"");
  EXPECT_EQ(
      ErrorOf(WithRule("sources:\n  logs:\n    - {dir: /var/log/qmail/smtp, servce: smtp}\n")),
      "relaywatch.yaml:4:34: sources.logs[0].servce: unknown key; did you mean service?");
}

TEST(LoaderErrorsTest, RejectsBadAlertSettings) {
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  repeat: daily\n")),
            "relaywatch.yaml:3:11: alerts.repeat: expected window or a duration like 6h, got "
            "\"daily\"");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  escalate: 2\n")),
            "relaywatch.yaml:3:13: alerts.escalate: expected a growth factor above 1 like 2x, got "
            "\"2\"");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  escalate: 1x\n")),
            "relaywatch.yaml:3:13: alerts.escalate: expected a growth factor above 1 like 2x, got "
            "\"1x\"");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  resolved: maybe\n")),
            "relaywatch.yaml:3:13: alerts.resolved: expected true or false, got \"maybe\"");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  max_per_hour: 0\n")),
            "relaywatch.yaml:3:17: alerts.max_per_hour: expected a whole number of at least 1, "
            "got \"0\"");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  max_age: forever\n")),
            "relaywatch.yaml:3:12: alerts.max_age: expected a duration like 10m, got "
            "\"forever\"");
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n  channels: {name: phone}\n")),
            "relaywatch.yaml:3:13: alerts.channels: expected a list, got a mapping");
}

}  // namespace
}  // namespace relaywatch::config
