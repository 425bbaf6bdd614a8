// The option table: consistent with itself, with the loader's defaults, with the documented
// example, and rendered as the reference text relaywatch.yaml(5) is built from.
#include "relaywatch/config/options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::config {
namespace {

std::string_view ParentOf(std::string_view key) {
  std::size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

std::string DefaultOf(std::string_view key) {
  const Option* option = FindOption(key);
  EXPECT_NE(option, nullptr) << key;
  return option == nullptr ? "" : std::string(option->default_value);
}

TEST(OptionsTest, HasEachKeyOnceAndEveryParentAsASectionOrList) {
  std::set<std::string_view> keys;
  for (const Option& option : Options()) {
    EXPECT_TRUE(keys.insert(option.key).second) << option.key << " twice";
    std::string_view parent = ParentOf(option.key);
    if (parent.empty()) continue;
    if (parent.ends_with("[]")) {
      const Option* list = FindOption(parent.substr(0, parent.size() - 2));
      ASSERT_NE(list, nullptr) << option.key;
      EXPECT_TRUE(list->type.starts_with("list of")) << option.key;
    } else {
      const Option* section = FindOption(parent);
      ASSERT_NE(section, nullptr) << option.key;
      EXPECT_EQ(section->type, "section") << option.key;
    }
    EXPECT_FALSE(option.help.empty()) << option.key;
  }
}

TEST(OptionsTest, ScopesNameRuleKindsOrChannelVias) {
  for (const Option& option : Options()) {
    if (option.scope.empty()) continue;
    std::istringstream words{std::string(option.scope)};
    for (std::string word; words >> word;) {
      if (option.key.starts_with("rules[].")) {
        EXPECT_TRUE(detect::RuleKindFromName(word).has_value()) << option.key << ": " << word;
      } else {
        EXPECT_TRUE(option.key.starts_with("alerts.channels[].")) << option.key;
        EXPECT_TRUE(word == "sendmail" || word == "smtp" || word == "exec") << option.key;
      }
    }
  }
}

TEST(OptionsTest, ListsTheKeysDirectlyUnderAParent) {
  EXPECT_EQ(ChildKeys(""), (std::vector<std::string_view>{"hostname", "state_dir", "startup",
                                                          "sources", "default_domain", "rules",
                                                          "alerts", "metrics", "fleet"}));
  EXPECT_EQ(ChildKeys("sources"),
            (std::vector<std::string_view>{"supervise_dir", "services", "logs"}));
  EXPECT_EQ(ChildKeys("sources.logs[]"), (std::vector<std::string_view>{"service", "dir"}));
  EXPECT_EQ(ChildKeys("fleet"),
            (std::vector<std::string_view>{"redis", "username", "password_file", "prefix", "node",
                                           "timeout", "sync_every", "node_timeout"}));
  EXPECT_EQ(ChildKeys("rules[]").size(), 12u);
  EXPECT_EQ(ChildKeys("alerts.channels[]").size(), 16u);
  EXPECT_TRUE(ChildKeys("hostname").empty());
}

TEST(OptionsTest, TellsWhichKindsAndViasAKeyAppliesTo) {
  EXPECT_TRUE(AppliesTo(*FindOption("rules[].overrides"), "volume"));
  EXPECT_FALSE(AppliesTo(*FindOption("rules[].overrides"), "sender"));
  EXPECT_FALSE(AppliesTo(*FindOption("rules[].limit"), "service-policy"));
  EXPECT_TRUE(AppliesTo(*FindOption("rules[].limit"), "rcpt-limit"));
  EXPECT_TRUE(AppliesTo(*FindOption("rules[].window"), "service-policy"));
  EXPECT_TRUE(AppliesTo(*FindOption("alerts.channels[].command"), "exec"));
  EXPECT_FALSE(AppliesTo(*FindOption("alerts.channels[].command"), "smtp"));
  EXPECT_FALSE(AppliesTo(*FindOption("alerts.channels[].command"), "exe"));
  EXPECT_EQ(FindOption("rules[].nonsense"), nullptr);
}

// The table's defaults are what the docs promise; Config's are what the daemon does.
TEST(OptionsTest, StatesTheDefaultsConfigHas) {
  const Config config;
  const ChannelConfig channel;
  EXPECT_EQ(DefaultOf("state_dir"), config.state_dir);
  EXPECT_EQ(DefaultOf("startup"), "warm");
  EXPECT_EQ(config.startup, Startup::kWarm);
  EXPECT_EQ(DefaultOf("sources.supervise_dir"), config.sources.supervise_dir);
  EXPECT_EQ(DefaultOf("alerts.max_per_hour"), std::to_string(config.alerts.max_per_hour));
  EXPECT_EQ(DefaultOf("alerts.max_age"), core::FormatDuration(config.alerts.max_age));
  EXPECT_EQ(DefaultOf("alerts.resolved"), config.alerts.resolved ? "true" : "false");
  EXPECT_EQ(DefaultOf("alerts.repeat"), "window");
  EXPECT_FALSE(config.alerts.repeat.has_value());
  EXPECT_EQ(DefaultOf("alerts.escalate"), "off");
  EXPECT_FALSE(config.alerts.escalate.has_value());
  EXPECT_EQ(DefaultOf("alerts.channels[].format"), "email");
  EXPECT_EQ(channel.format, ChannelFormat::kEmail);
  EXPECT_EQ(DefaultOf("alerts.channels[].host"), channel.host);
  EXPECT_EQ(DefaultOf("alerts.channels[].port"), std::to_string(channel.port));
  EXPECT_EQ(DefaultOf("alerts.channels[].starttls"), channel.starttls ? "true" : "false");
  EXPECT_EQ(DefaultOf("alerts.channels[].tls_verify"), channel.tls_verify ? "true" : "false");
  EXPECT_EQ(DefaultOf("alerts.channels[].timeout"), core::FormatDuration(channel.timeout));
  EXPECT_EQ(DefaultOf("metrics.every"), core::FormatDuration(config.metrics.every));
  EXPECT_EQ(DefaultOf("rules[].count"), "recipients");
  EXPECT_EQ(detect::VolumeParams{}.count, detect::CountUnit::kRecipients);
  EXPECT_EQ(DefaultOf("rules[].policy"), "same-domain");
  EXPECT_EQ(DefaultOf("rules[].max_keys"), std::to_string(detect::RuleSpec{}.max_keys));
  EXPECT_EQ(DefaultOf("alerts.channels[].allow_plaintext_auth"),
            channel.allow_plaintext_auth ? "true" : "false");
  EXPECT_EQ(detect::SenderParams{}.policy, detect::SenderPolicy::kSameDomain);
  EXPECT_EQ(DefaultOf("fleet"), "off");
  EXPECT_FALSE(config.fleet.enabled);
  EXPECT_EQ(DefaultOf("fleet.redis"), config.fleet.host + ":" + std::to_string(config.fleet.port));
  EXPECT_TRUE(config.fleet.socket.empty());
  EXPECT_EQ(DefaultOf("fleet.prefix"), config.fleet.prefix);
  EXPECT_EQ(DefaultOf("fleet.node"), "hostname");
  // FormatDuration writes 500ms as 0.5s; the table gives it as the admin would.
  EXPECT_EQ(DefaultOf("fleet.timeout"), "500ms");
  EXPECT_EQ(config.fleet.timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(DefaultOf("fleet.sync_every"), "100ms");
  EXPECT_EQ(config.fleet.sync_every, std::chrono::milliseconds(100));
  EXPECT_EQ(DefaultOf("fleet.node_timeout"), "60s");
  EXPECT_EQ(config.fleet.node_timeout, std::chrono::seconds(60));
}

TEST(OptionsTest, EveryOptionAppearsInTheDocumentedExample) {
  std::ifstream in(RELAYWATCH_SOURCE_DIR "/config/relaywatch.yaml");
  std::stringstream text;
  text << in.rdbuf();
  const std::string example = text.str();
  for (const Option& option : Options()) {
    std::string_view key = option.key.substr(option.key.rfind('.') + 1);
    EXPECT_NE(example.find(std::string(key) + ":"), std::string::npos)
        << option.key << " is not in config/relaywatch.yaml";
  }
}

TEST(OptionsTest, RendersTheReferenceWithTypeDefaultScopeAndWrappedHelp) {
  const std::string reference = OptionsReference();
  EXPECT_TRUE(reference.starts_with(
      "hostname (string; default: the machine's name)\n"
      "    Name of this server, shown in every alert so you know which relay it is\n"
      "    about.\n"
      "state_dir (path; default: /var/lib/relaywatch)\n"))
      << reference;
  EXPECT_NE(reference.find("rules[].window (duration; required (sender: 24h, service-policy: "
                           "1h))\n"
                           "    Length of the sliding window counts are kept over (30s, 15m, 1h, "
                           "7d). For\n"
                           "    service-policy: how long one alert covers a login.\n"),
            std::string::npos);
  EXPECT_NE(reference.find("rules[].limit (integer; required (sender: 1); kinds: volume, sender, "
                           "remote-ips, rcpt-limit)\n"),
            std::string::npos);
  EXPECT_NE(reference.find("alerts.channels[].port (integer; default: 25; via: smtp)\n"
                           "    Its port (1-65535).\n"),
            std::string::npos);
  std::istringstream lines(reference);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("    ")) {
      EXPECT_LE(line.size(), 80u) << line;
    }
  }
}

}  // namespace
}  // namespace relaywatch::config
