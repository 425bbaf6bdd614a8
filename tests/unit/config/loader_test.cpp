// Loading good configs: the DESIGN.md example verbatim, the documented example, defaults, and
// what the loader fills in or normalizes.
#include "relaywatch/config/loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

namespace relaywatch::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const std::string kFixtures = RELAYWATCH_FIXTURES_DIR "/configs/";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MachineName() {
  std::array<char, 256> name{};
  gethostname(name.data(), name.size() - 1);
  return name.data();
}

Config MustLoad(std::string_view yaml) {
  core::Result<Config> config = LoadConfigString(yaml, "relaywatch.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message;
  return config.ok() ? *config : Config{};
}

TEST(LoaderTest, LoadsTheDesignExampleVerbatim) {
  core::Result<Config> loaded = LoadConfigFile(kFixtures + "design-example.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Config& config = *loaded;
  EXPECT_EQ(config.path, kFixtures + "design-example.yaml");
  EXPECT_EQ(config.hostname, "mx1.example.com");
  EXPECT_EQ(config.state_dir, "/var/lib/relaywatch");
  EXPECT_EQ(config.startup, Startup::kWarm);
  EXPECT_EQ(config.sources.supervise_dir, "/var/qmail/supervise");
  EXPECT_EQ(config.sources.services, (std::vector<std::string>{"submission", "smtps", "smtp"}));
  ASSERT_EQ(config.sources.logs.size(), 1u);
  EXPECT_EQ(config.sources.logs[0].service, "submission");
  EXPECT_EQ(config.sources.logs[0].dir, "/var/log/qmail/submission");
  EXPECT_EQ(config.default_domain, "example.com");

  ASSERT_EQ(config.rules.size(), 5u);
  const detect::RuleSpec& volume = config.rules[0];
  EXPECT_EQ(volume.name, "hourly-volume");
  EXPECT_EQ(volume.kind(), detect::RuleKind::kVolume);
  EXPECT_EQ(volume.window, hours(1));
  EXPECT_EQ(volume.limit, 500u);
  const auto& overrides = std::get<detect::VolumeParams>(volume.params).overrides;
  EXPECT_EQ(overrides, (std::map<std::string, std::uint64_t>{{"newsletter@example.com", 5000},
                                                             {"@bulk.example.com", 0}}));

  const detect::RuleSpec& sender = config.rules[1];
  EXPECT_EQ(sender.name, "foreign-sender");
  EXPECT_EQ(sender.window, hours(24));
  EXPECT_EQ(sender.limit, 1u);
  const auto& sender_params = std::get<detect::SenderParams>(sender.params);
  EXPECT_EQ(sender_params.policy, detect::SenderPolicy::kSameDomain);
  EXPECT_EQ(sender_params.allow.at("suzy@example.com"),
            (std::vector<std::string>{"sales@example.com", "*@example.net"}));
  ASSERT_EQ(sender_params.domain_aliases.size(), 1u);
  EXPECT_EQ(sender_params.domain_aliases[0],
            (std::vector<std::string>{"example.com", "example.net"}));
  EXPECT_EQ(sender_params.exempt, std::vector<std::string>{"lists@example.com"});

  EXPECT_EQ(config.rules[2].kind(), detect::RuleKind::kRemoteIps);
  EXPECT_EQ(config.rules[2].limit, 10u);
  EXPECT_EQ(config.rules[3].kind(), detect::RuleKind::kServicePolicy);
  EXPECT_EQ(std::get<detect::ServicePolicyParams>(config.rules[3].params).allowed_services,
            (std::vector<std::string>{"submission", "smtps"}));
  EXPECT_EQ(config.rules[4].kind(), detect::RuleKind::kRcptLimit);
  EXPECT_EQ(config.rules[4].window, hours(1));
  EXPECT_EQ(config.rules[4].limit, 3u);

  const AlertsConfig& alerts = config.alerts;
  EXPECT_EQ(alerts.repeat, std::nullopt);
  EXPECT_EQ(alerts.max_per_hour, 20u);
  EXPECT_EQ(alerts.max_age, hours(48));
  ASSERT_EQ(alerts.channels.size(), 3u);
  const ChannelConfig& phone = alerts.channels[0];
  EXPECT_EQ(phone.name, "phone");
  EXPECT_EQ(phone.format, ChannelFormat::kSms);
  EXPECT_EQ(phone.via, ChannelVia::kSendmail);
  EXPECT_EQ(phone.command, std::vector<std::string>{"/var/qmail/bin/qmail-inject"});
  EXPECT_EQ(phone.from, "relaywatch@example.com");
  EXPECT_EQ(phone.to, std::vector<std::string>{"5551234567@vtext.com"});
  const ChannelConfig& admins = alerts.channels[1];
  EXPECT_EQ(admins.via, ChannelVia::kSmtp);
  EXPECT_EQ(admins.host, "127.0.0.1");
  EXPECT_EQ(admins.port, 25);
  EXPECT_EQ(admins.to, std::vector<std::string>{"postmaster@example.com"});
  const ChannelConfig& hook = alerts.channels[2];
  EXPECT_EQ(hook.format, ChannelFormat::kJson);
  EXPECT_EQ(hook.via, ChannelVia::kExec);
  EXPECT_EQ(hook.command, std::vector<std::string>{"/usr/local/bin/on-abuse"});
}

TEST(LoaderTest, LoadsTheDocumentedExample) {
  core::Result<Config> loaded = LoadConfigFile(RELAYWATCH_SOURCE_DIR "/config/relaywatch.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Config& config = *loaded;
  EXPECT_EQ(config.hostname, MachineName());  // commented out there
  ASSERT_EQ(config.rules.size(), 6u);
  EXPECT_EQ(config.rules[1].name, "daily-volume");
  EXPECT_EQ(config.rules[1].window, hours(24));
  EXPECT_EQ(config.rules[4].kind(), detect::RuleKind::kServicePolicy);
  EXPECT_EQ(config.alerts.escalate, 2.0);
  ASSERT_EQ(config.alerts.channels.size(), 1u);
  const ChannelConfig& phone = config.alerts.channels[0];
  EXPECT_EQ(phone.command, std::vector<std::string>{"/var/qmail/bin/qmail-inject"});
  EXPECT_EQ(phone.max_per_hour, 5u);
}

// The example's commented-out channels are alternatives an admin enables by removing the '#' in
// front of each of their lines; they must load as they stand.
TEST(LoaderTest, LoadsTheDocumentedExampleWithItsAlternativeChannelsUncommented) {
  std::istringstream in(ReadText(RELAYWATCH_SOURCE_DIR "/config/relaywatch.yaml"));
  std::string uncommented;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("    #- ") || line.starts_with("    #  ")) line.erase(4, 1);
    uncommented += line + "\n";
  }
  core::Result<Config> loaded = LoadConfigString(uncommented, "relaywatch.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& channels = loaded->alerts.channels;
  ASSERT_EQ(channels.size(), 3u);
  EXPECT_EQ(channels[1].name, "admins");
  EXPECT_EQ(channels[1].via, ChannelVia::kSmtp);
  EXPECT_EQ(channels[1].host, "127.0.0.1");
  EXPECT_EQ(channels[1].port, 25);
  EXPECT_EQ(channels[2].name, "hook");
  EXPECT_EQ(channels[2].format, ChannelFormat::kJson);
}

TEST(LoaderTest, FillsDefaultsForEverythingButOneRule) {
  Config config = MustLoad("rules: [{name: ips, kind: remote-ips, window: 15m, limit: 4}]\n");
  EXPECT_EQ(config.path, "relaywatch.yaml");
  EXPECT_EQ(config.hostname, MachineName());
  EXPECT_EQ(config.state_dir, "/var/lib/relaywatch");
  EXPECT_EQ(config.startup, Startup::kWarm);
  EXPECT_EQ(config.sources.supervise_dir, "/var/qmail/supervise");
  EXPECT_TRUE(config.sources.services.empty());
  EXPECT_TRUE(config.sources.logs.empty());
  EXPECT_EQ(config.default_domain, "");
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(config.rules[0].window, minutes(15));
  EXPECT_EQ(config.rules[0].limit, 4u);
  EXPECT_EQ(config.rules[0].max_keys, 100000u);
  EXPECT_EQ(config.alerts.repeat, std::nullopt);
  EXPECT_EQ(config.alerts.escalate, std::nullopt);
  EXPECT_FALSE(config.alerts.resolved);
  EXPECT_EQ(config.alerts.max_per_hour, 20u);
  EXPECT_EQ(config.alerts.max_age, hours(48));
  EXPECT_TRUE(config.alerts.channels.empty());
}

TEST(LoaderTest, GivesSenderRulesADayAndOneForeignSenderByDefault) {
  Config config = MustLoad("rules: [{name: fs, kind: sender}]\n");
  EXPECT_EQ(config.rules[0].window, hours(24));
  EXPECT_EQ(config.rules[0].limit, 1u);
  const auto& params = std::get<detect::SenderParams>(config.rules[0].params);
  EXPECT_EQ(params.policy, detect::SenderPolicy::kSameDomain);
  EXPECT_TRUE(params.allow.empty());
}

TEST(LoaderTest, GivesServicePolicyRulesAnHourWindowAndNoLimit) {
  Config config = MustLoad("rules: [{name: p, kind: service-policy, allowed_services: [smtps]}]\n");
  EXPECT_EQ(config.rules[0].window, hours(1));
  EXPECT_EQ(config.rules[0].limit, 1u);
}

TEST(LoaderTest, AcceptsSeveralRulesOfOneKind) {
  Config config = MustLoad(
      "rules:\n"
      "  - {name: hourly, kind: volume, window: 1h, limit: 300}\n"
      "  - {name: daily, kind: volume, window: 1d, limit: 1500, count: messages}\n");
  ASSERT_EQ(config.rules.size(), 2u);
  EXPECT_EQ(config.rules[1].window, hours(24));
  EXPECT_EQ(std::get<detect::VolumeParams>(config.rules[1].params).count,
            detect::CountUnit::kMessages);
}

TEST(LoaderTest, LowercasesDomainsButNotLocalParts) {
  Config config = MustLoad(
      "default_domain: Example.COM\n"
      "rules:\n"
      "  - {name: v, kind: volume, window: 1h, limit: 5, overrides: {Bob@Example.COM: 9, "
      "\"@Bulk.Example.com\": 0}}\n"
      "  - name: s\n"
      "    kind: sender\n"
      "    allow: {Suzy@EXAMPLE.com: [\"Sales@Example.com\"]}\n"
      "    domain_aliases: [[Example.com, EXAMPLE.net]]\n"
      "    exempt: [Lists@Example.Com]\n");
  EXPECT_EQ(config.default_domain, "example.com");
  EXPECT_EQ(
      std::get<detect::VolumeParams>(config.rules[0].params).overrides,
      (std::map<std::string, std::uint64_t>{{"Bob@example.com", 9}, {"@bulk.example.com", 0}}));
  const auto& sender = std::get<detect::SenderParams>(config.rules[1].params);
  // Patterns are matched case-insensitively (detect/glob.h), so they stay as written.
  EXPECT_EQ(sender.allow.at("Suzy@example.com"), std::vector<std::string>{"Sales@Example.com"});
  EXPECT_EQ(sender.domain_aliases[0], (std::vector<std::string>{"example.com", "example.net"}));
  EXPECT_EQ(sender.exempt, std::vector<std::string>{"Lists@example.com"});
}

TEST(LoaderTest, ReadsEveryAlertAndChannelSetting) {
  Config config = MustLoad(
      "rules: [{name: ips, kind: remote-ips, window: 1h, limit: 4}]\n"
      "alerts:\n"
      "  repeat: 6h\n"
      "  escalate: 1.5x\n"
      "  resolved: yes\n"
      "  max_per_hour: 7\n"
      "  max_age: 12h\n"
      "  channels:\n"
      "    - name: relay\n"
      "      format: sms\n"
      "      via: smtp\n"
      "      host: \"::1\"\n"
      "      port: 587\n"
      "      from: rw@example.com\n"
      "      to: [a@example.com, b@example.org]\n"
      "      starttls: true\n"
      "      tls_verify: false\n"
      "      ca_file: /etc/ssl/ca.pem\n"
      "      username: rw@example.com\n"
      "      password_file: /etc/relaywatch/pw\n"
      "      timeout: 90s\n"
      "      max_per_hour: 3\n"
      "    - {name: run, via: exec, command: [/usr/local/bin/lock-login, --reason, abuse]}\n");
  const AlertsConfig& alerts = config.alerts;
  EXPECT_EQ(alerts.repeat, hours(6));
  EXPECT_EQ(alerts.escalate, 1.5);
  EXPECT_TRUE(alerts.resolved);
  EXPECT_EQ(alerts.max_per_hour, 7u);
  EXPECT_EQ(alerts.max_age, hours(12));
  ASSERT_EQ(alerts.channels.size(), 2u);
  const ChannelConfig& smtp = alerts.channels[0];
  EXPECT_EQ(smtp.format, ChannelFormat::kSms);
  EXPECT_EQ(smtp.host, "::1");
  EXPECT_EQ(smtp.port, 587);
  EXPECT_EQ(smtp.to, (std::vector<std::string>{"a@example.com", "b@example.org"}));
  EXPECT_TRUE(smtp.starttls);
  EXPECT_FALSE(smtp.tls_verify);
  EXPECT_EQ(smtp.ca_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(smtp.username, "rw@example.com");
  EXPECT_EQ(smtp.password_file, "/etc/relaywatch/pw");
  EXPECT_EQ(smtp.timeout, seconds(90));
  EXPECT_EQ(smtp.max_per_hour, 3u);
  const ChannelConfig& exec = alerts.channels[1];
  EXPECT_EQ(exec.format, ChannelFormat::kEmail);  // the default
  EXPECT_EQ(exec.command,
            (std::vector<std::string>{"/usr/local/bin/lock-login", "--reason", "abuse"}));
  EXPECT_EQ(exec.timeout, seconds(30));
  EXPECT_EQ(exec.max_per_hour, std::nullopt);
}

TEST(LoaderTest, TurnsDiscoveryOffWithAnEmptySuperviseDir) {
  Config config = MustLoad(
      "sources:\n"
      "  supervise_dir: \"\"\n"
      "  logs: [{service: submission, dir: /var/log/qmail/submission}]\n"
      "rules: [{name: ips, kind: remote-ips, window: 1h, limit: 4}]\n");
  EXPECT_EQ(config.sources.supervise_dir, "");
  ASSERT_EQ(config.sources.logs.size(), 1u);
  EXPECT_EQ(config.sources.logs[0].dir, "/var/log/qmail/submission");
}

TEST(LoaderTest, TakesEmptyListsAndSectionsAsAbsent) {
  Config config = MustLoad(
      "sources:\n"
      "  services:\n"
      "  logs:\n"
      "rules: [{name: ips, kind: remote-ips, window: 1h, limit: 4}]\n"
      "alerts:\n");
  EXPECT_TRUE(config.sources.services.empty());
  EXPECT_TRUE(config.sources.logs.empty());
  EXPECT_EQ(config.alerts.max_per_hour, 20u);
}

TEST(LoaderTest, SaysWhyAFileCannotBeRead) {
  core::Result<Config> missing = LoadConfigFile(kFixtures + "no-such-file.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "unable to read " + kFixtures + "no-such-file.yaml: No such file or directory");
  core::Result<Config> directory = LoadConfigFile(kFixtures);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message, "unable to read " + kFixtures + ": Is a directory");
}

}  // namespace
}  // namespace relaywatch::config
