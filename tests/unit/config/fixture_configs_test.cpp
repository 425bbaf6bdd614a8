// The config files under tests/fixtures/configs: every bad/*.yaml fails with the message its
// first line states ("# error: LINE:COL: message", the file's path in front), every good/*.yaml
// loads. Adding a case is adding a file.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "relaywatch/config/loader.h"
#include "relaywatch/config/options.h"

namespace relaywatch::config {
namespace {

const std::string kConfigs = RELAYWATCH_FIXTURES_DIR "/configs/";

std::vector<std::string> YamlFilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kConfigs + dir)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 5);  // without ".yaml"
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class BadConfigTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BadConfigTest, FailsWithTheErrorItsFirstLineStates) {
  const std::string path = kConfigs + "bad/" + GetParam();
  const std::string first = FirstLine(path);
  ASSERT_TRUE(first.starts_with("# error: ")) << path << " must start with \"# error: \"";
  core::Result<Config> config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok()) << path << " loaded";
  EXPECT_EQ(config.error().message, path + ":" + first.substr(9));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BadConfigTest, ::testing::ValuesIn(YamlFilesIn("bad")),
                         TestName);

class GoodConfigTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodConfigTest, Loads) {
  core::Result<Config> config = LoadConfigFile(kConfigs + "good/" + GetParam());
  EXPECT_TRUE(config.ok()) << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoodConfigTest, ::testing::ValuesIn(YamlFilesIn("good")),
                         TestName);

// Every key path the document sets, in options.h's notation ("rules[].window"); the keys of
// free-form mappings (overrides, allow) are not options and are left out.
void CollectKeys(const YAML::Node& node, const std::string& path, std::set<std::string>& keys) {
  if (node.IsSequence()) {
    for (const YAML::Node& element : node) CollectKeys(element, path + "[]", keys);
  } else if (node.IsMap() && (path.empty() || FindOption(path + "[]") == nullptr)) {
    for (const auto& key_value : node) {
      std::string key = (path.empty() ? "" : path + ".") + key_value.first.Scalar();
      keys.insert(key);
      const Option* option = FindOption(key);
      if (option != nullptr && !option->type.starts_with("mapping")) {
        CollectKeys(key_value.second, key, keys);
      }
    }
  }
}

TEST(FixtureConfigsTest, EveryKeyFixtureSetsEveryOption) {
  YAML::Node document = YAML::LoadFile(kConfigs + "good/every-key.yaml");
  std::set<std::string> set_keys;
  CollectKeys(document, "", set_keys);
  for (const Option& option : Options()) {
    EXPECT_TRUE(set_keys.contains(std::string(option.key))) << option.key << " is not set";
  }
  for (const std::string& key : set_keys) {
    EXPECT_NE(FindOption(key), nullptr) << key << " is not an option";
  }
}

TEST(FixtureConfigsTest, EveryKeyFixtureLoadsWithNoDefaultLeft) {
  core::Result<Config> loaded = LoadConfigFile(kConfigs + "good/every-key.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Config& config = *loaded;
  const Config defaults;
  EXPECT_NE(config.hostname, defaults.hostname);
  EXPECT_NE(config.state_dir, defaults.state_dir);
  EXPECT_EQ(config.startup, Startup::kTail);
  EXPECT_EQ(config.sources.supervise_dir, "/service");
  EXPECT_EQ(config.default_domain, "example.org");
  ASSERT_EQ(config.rules.size(), 3u);
  EXPECT_EQ(config.rules[2].window, std::chrono::hours(2));
  EXPECT_EQ(config.rules[0].max_keys, 20000u);
  EXPECT_NE(config.rules[1].max_keys, 20000u);
  EXPECT_EQ(config.alerts.repeat, std::chrono::hours(12));
  EXPECT_EQ(config.alerts.escalate, 3.0);
  EXPECT_EQ(config.alerts.max_age, std::chrono::hours(24));
  ASSERT_EQ(config.alerts.channels.size(), 2u);
  EXPECT_EQ(config.alerts.channels[0].port, 587);
  EXPECT_TRUE(config.alerts.channels[0].allow_plaintext_auth);
  EXPECT_EQ(config.alerts.channels[0].timeout, std::chrono::minutes(1));
  EXPECT_EQ(config.alerts.channels[1].command,
            (std::vector<std::string>{"/usr/local/sbin/lock-login", "--notify"}));
  EXPECT_TRUE(config.fleet.enabled);
  EXPECT_EQ(config.fleet.host, "redis.example.org");
  EXPECT_EQ(config.fleet.port, 6380);
  EXPECT_EQ(config.fleet.username, "relaywatch-mx2");
  EXPECT_EQ(config.fleet.password_file, "/etc/relaywatch/redis.password");
  EXPECT_EQ(config.fleet.prefix, "rw:example:");
  EXPECT_EQ(config.fleet.node, "mx2-east");
  EXPECT_EQ(config.fleet.timeout, std::chrono::seconds(2));
  EXPECT_EQ(config.fleet.sync_every, std::chrono::milliseconds(250));
  EXPECT_EQ(config.fleet.node_timeout, std::chrono::minutes(2));
}

}  // namespace
}  // namespace relaywatch::config
