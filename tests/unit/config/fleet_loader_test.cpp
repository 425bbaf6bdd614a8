// The fleet: section: what each key reads as, the defaults (a present section turns the fleet on,
// an absent one leaves it off), and every mistake with the exact message `relaywatch check`
// prints. Not tested here: the password file's mode (checked when connecting, by fleet/).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "error_of.h"
#include "relaywatch/config/config.h"
#include "relaywatch/config/loader.h"

namespace relaywatch::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using test_support::ErrorOf;
using test_support::WithRule;

// `yaml` after a valid rule and "hostname: mx1.example.com" (lines 1 and 2).
std::string WithHost(std::string_view yaml) {
  return WithRule("hostname: mx1.example.com\n" + std::string(yaml));
}

FleetConfig FleetOf(std::string_view yaml) {
  core::Result<Config> config = LoadConfigString(yaml, "relaywatch.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message;
  return config.ok() ? config->fleet : FleetConfig{};
}

TEST(FleetLoaderTest, LeavesTheFleetOffWithItsDefaultsWhenTheSectionIsAbsent) {
  const FleetConfig fleet = FleetOf(WithHost(""));
  EXPECT_EQ(fleet, FleetConfig{});
  EXPECT_FALSE(fleet.enabled);
  EXPECT_EQ(fleet.node, "");
}

TEST(FleetLoaderTest, TurnsTheFleetOnWithEveryDefaultForAnEmptySection) {
  FleetConfig expected;
  expected.enabled = true;
  expected.node = "mx1.example.com";
  for (std::string_view yaml : {"fleet: {}\n", "fleet:\n"}) {
    const FleetConfig fleet = FleetOf(WithHost(yaml));
    EXPECT_EQ(fleet, expected) << yaml;
    EXPECT_TRUE(fleet.socket.empty()) << yaml;
    EXPECT_EQ(fleet.host, "127.0.0.1") << yaml;
    EXPECT_EQ(fleet.port, 6379) << yaml;
    EXPECT_EQ(fleet.username, "") << yaml;
    EXPECT_EQ(fleet.password_file, "") << yaml;
    EXPECT_EQ(fleet.prefix, "relaywatch:") << yaml;
    EXPECT_EQ(fleet.timeout, milliseconds(500)) << yaml;
    EXPECT_EQ(fleet.sync_every, milliseconds(100)) << yaml;
    EXPECT_EQ(fleet.node_timeout, seconds(60)) << yaml;
  }
}

TEST(FleetLoaderTest, ReadsEveryKey) {
  const FleetConfig fleet =
      FleetOf(WithHost("fleet:\n"
                       "  redis: redis.example.com:6380\n"
                       "  username: relaywatch\n"
                       "  password_file: /etc/relaywatch/redis.password\n"
                       "  prefix: \"rw:eu-1.mail_\"\n"
                       "  node: mx1-east\n"
                       "  timeout: 2s\n"
                       "  sync_every: 250ms\n"
                       "  node_timeout: 5m\n"));
  EXPECT_TRUE(fleet.enabled);
  EXPECT_EQ(fleet.socket, "");
  EXPECT_EQ(fleet.host, "redis.example.com");
  EXPECT_EQ(fleet.port, 6380);
  EXPECT_EQ(fleet.username, "relaywatch");
  EXPECT_EQ(fleet.password_file, "/etc/relaywatch/redis.password");
  EXPECT_EQ(fleet.prefix, "rw:eu-1.mail_");
  EXPECT_EQ(fleet.node, "mx1-east");
  EXPECT_EQ(fleet.timeout, seconds(2));
  EXPECT_EQ(fleet.sync_every, milliseconds(250));
  EXPECT_EQ(fleet.node_timeout, minutes(5));
}

TEST(FleetLoaderTest, TakesAPasswordFileWithoutAUsername) {
  const FleetConfig fleet = FleetOf(WithHost("fleet: {password_file: /etc/relaywatch/redis.pw}\n"));
  EXPECT_EQ(fleet.username, "");
  EXPECT_EQ(fleet.password_file, "/etc/relaywatch/redis.pw");
}

TEST(FleetLoaderTest, NamesTheNodeAfterTheHostname) {
  EXPECT_EQ(FleetOf(WithRule("hostname: mx7.example.net\nfleet: {redis: 10.0.0.5:6379}\n")).node,
            "mx7.example.net");
  // Without a hostname setting, the machine's name (when it is a node name, as it usually is).
  core::Result<Config> config = LoadConfigString(WithRule("fleet: {}\n"), "relaywatch.yaml");
  if (config.ok()) {
    EXPECT_EQ(config->fleet.node, config->hostname);
  }
}

TEST(FleetLoaderTest, ReadsAUnixSocket) {
  const FleetConfig fleet =
      FleetOf(WithHost("fleet: {redis: unix:/run/redis/redis-server.sock}\n"));
  EXPECT_EQ(fleet.socket, "/run/redis/redis-server.sock");
  // Unused with a socket; left as they were.
  EXPECT_EQ(fleet.host, "127.0.0.1");
  EXPECT_EQ(fleet.port, 6379);
}

TEST(FleetLoaderTest, ReadsAnIpv6AddressInBracketsAndItsPort) {
  const FleetConfig fleet = FleetOf(WithHost("fleet:\n  redis: \"[::1]:6380\"\n"));
  EXPECT_EQ(fleet.socket, "");
  EXPECT_EQ(fleet.host, "::1");
  EXPECT_EQ(fleet.port, 6380);
  const FleetConfig mapped = FleetOf(WithHost("fleet: {redis: '[::ffff:10.0.0.5]:65535'}\n"));
  EXPECT_EQ(mapped.host, "::ffff:10.0.0.5");
  EXPECT_EQ(mapped.port, 65535);
}

TEST(FleetLoaderTest, ReadsAnIpv4AddressAndItsPort) {
  const FleetConfig fleet = FleetOf(WithHost("fleet: {redis: 192.0.2.7:1}\n"));
  EXPECT_EQ(fleet.host, "192.0.2.7");
  EXPECT_EQ(fleet.port, 1);
}

TEST(FleetLoaderTest, ReadsDurationsInMillisecondsOrAsOtherDurations) {
  const FleetConfig fleet =
      FleetOf(WithHost("fleet: {timeout: 1ms, sync_every: 10ms, node_timeout: 1000ms}\n"));
  EXPECT_EQ(fleet.timeout, milliseconds(1));
  EXPECT_EQ(fleet.sync_every, milliseconds(10));
  EXPECT_EQ(fleet.node_timeout, seconds(1));
  const FleetConfig upper =
      FleetOf(WithHost("fleet: {timeout: 10s, sync_every: 10000ms, node_timeout: 7d}\n"));
  EXPECT_EQ(upper.timeout, seconds(10));
  EXPECT_EQ(upper.sync_every, seconds(10));
  EXPECT_EQ(upper.node_timeout, std::chrono::hours(24 * 7));
}

// The example's fleet block is commented out; an admin enables it by removing the first '#' of
// each of its lines, and it must load as it stands.
TEST(FleetLoaderTest, LoadsTheDocumentedExampleWithItsFleetBlockUncommented) {
  std::ifstream in(RELAYWATCH_SOURCE_DIR "/config/relaywatch.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::istringstream lines(text.str());
  std::string uncommented;
  bool in_block = false;
  for (std::string line; std::getline(lines, line);) {
    in_block = in_block || line == "#fleet:";
    if (in_block && line.starts_with("#")) line.erase(0, 1);
    uncommented += line + "\n";
  }
  ASSERT_TRUE(in_block) << "config/relaywatch.yaml has no #fleet: block";
  const FleetConfig fleet = FleetOf(uncommented);
  EXPECT_TRUE(fleet.enabled);
  EXPECT_EQ(fleet.host, "127.0.0.1");
  EXPECT_EQ(fleet.port, 6379);
  EXPECT_EQ(fleet.prefix, "relaywatch:");
  EXPECT_EQ(fleet.timeout, milliseconds(500));
  EXPECT_EQ(fleet.sync_every, milliseconds(100));
  EXPECT_EQ(fleet.node_timeout, seconds(60));
}

TEST(FleetLoaderErrorsTest, RejectsUnknownKeysAndAnythingButAMapping) {
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  sync_evry: 1s\n")),
            "relaywatch.yaml:4:3: fleet.sync_evry: unknown key; did you mean sync_every?");
  EXPECT_EQ(ErrorOf(WithHost("fleet: {password: secret}\n")),
            "relaywatch.yaml:3:9: fleet.password: unknown key; expected redis, username, "
            "password_file, prefix, node, timeout, sync_every or node_timeout");
  EXPECT_EQ(ErrorOf(WithHost("fleet: on\n")),
            "relaywatch.yaml:3:8: fleet: expected a mapping, got \"on\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  node: a\n  node: b\n")),
            "relaywatch.yaml:5:3: fleet.node: duplicate key (first given on line 4)");
}

TEST(FleetLoaderErrorsTest, RejectsARedisAddressOfNoKnownForm) {
  constexpr std::string_view kExpected =
      "expected HOST:PORT, [IPv6]:PORT or unix:/absolute/path like 127.0.0.1:6379, got ";
  auto error_of_redis = [](std::string_view value) {
    return ErrorOf(WithHost("fleet:\n  redis: " + std::string(value) + "\n"));
  };
  const std::string where = "relaywatch.yaml:4:10: fleet.redis: ";
  EXPECT_EQ(error_of_redis("10.0.0.5"), where + std::string(kExpected) + "\"10.0.0.5\"");
  EXPECT_EQ(error_of_redis("10.0.0.5:0"), where + std::string(kExpected) + "\"10.0.0.5:0\"");
  EXPECT_EQ(error_of_redis("10.0.0.5:65536"),
            where + std::string(kExpected) + "\"10.0.0.5:65536\"");
  EXPECT_EQ(error_of_redis("redis:+6379"), where + std::string(kExpected) + "\"redis:+6379\"");
  EXPECT_EQ(error_of_redis("\"::1:6379\""), where + std::string(kExpected) + "\"::1:6379\"");
  EXPECT_EQ(error_of_redis("\"[redis.local]:6379\""),
            where + std::string(kExpected) + "\"[redis.local]:6379\"");
  EXPECT_EQ(error_of_redis("unix:run/redis.sock"),
            where + std::string(kExpected) + "\"unix:run/redis.sock\"");
  EXPECT_EQ(error_of_redis("redis://10.0.0.5:6379"),
            where + std::string(kExpected) + "\"redis://10.0.0.5:6379\"");
  EXPECT_EQ(error_of_redis("[10.0.0.5:6379, 10.0.0.6:6379]"),
            where + std::string(kExpected) + "a list");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  redis:\n")),
            "relaywatch.yaml:4:3: fleet.redis: " + std::string(kExpected) + "nothing");
}

TEST(FleetLoaderErrorsTest, RejectsASocketPathTooLongForAUnixSocketAddress) {
  const std::string path = "/run/" + std::string(103, 'r');  // 108 bytes
  EXPECT_EQ(ErrorOf(WithHost("fleet: {redis: unix:" + path + "}\n")),
            "relaywatch.yaml:3:16: fleet.redis: the socket path is 108 bytes long; a unix socket "
            "path holds at most 107");
  EXPECT_EQ(FleetOf(WithHost("fleet: {redis: unix:" + path.substr(0, 107) + "}\n")).socket,
            path.substr(0, 107));
}

TEST(FleetLoaderErrorsTest, WantsAPasswordFileWithAUsername) {
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  redis: 10.0.0.5:6379\n  username: relaywatch\n")),
            "relaywatch.yaml:5:13: fleet.username: needs password_file (the file holding the "
            "password)");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  username: relay watch\n  password_file: /etc/pw\n")),
            "relaywatch.yaml:4:13: fleet.username: expected a user name without spaces, got "
            "\"relay watch\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  username: relaywatch\n  password_file: redis.pw\n")),
            "relaywatch.yaml:5:18: fleet.password_file: expected an absolute path, got "
            "\"redis.pw\"");
}

TEST(FleetLoaderErrorsTest, RejectsAPrefixOrNodeNameOfOtherCharactersOrLength) {
  constexpr std::string_view kPrefix =
      "expected a key prefix of 1 to 64 letters, digits, ':', '.', '_' and '-', like relaywatch:, "
      "got ";
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  prefix: \"relay watch:\"\n")),
            "relaywatch.yaml:4:11: fleet.prefix: " + std::string(kPrefix) + "\"relay watch:\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  prefix: \"\"\n")),
            "relaywatch.yaml:4:11: fleet.prefix: " + std::string(kPrefix) + "\"\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  prefix: " + std::string(65, 'p') + "\n")),
            "relaywatch.yaml:4:11: fleet.prefix: " + std::string(kPrefix) + "\"" +
                std::string(60, 'p') + "...\"");
  EXPECT_EQ(FleetOf(WithHost("fleet:\n  prefix: " + std::string(64, 'p') + "\n")).prefix,
            std::string(64, 'p'));
  constexpr std::string_view kNode =
      "a node name of 1 to 64 letters, digits, '.', '_' and '-', like mx1";
  EXPECT_EQ(
      ErrorOf(WithHost("fleet:\n  node: mx1:east\n")),
      "relaywatch.yaml:4:9: fleet.node: expected " + std::string(kNode) + ", got \"mx1:east\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  node: [mx1]\n")),
            "relaywatch.yaml:4:9: fleet.node: expected " + std::string(kNode) + ", got a list");
  // The default, the hostname, may be longer than a node name.
  const std::string host = std::string(40, 'h') + "." + std::string(30, 'e') + ".com";
  EXPECT_EQ(ErrorOf(WithRule("hostname: " + host + "\nfleet:\n  redis: 10.0.0.5:6379\n")),
            "relaywatch.yaml:4:3: fleet: missing key node (the hostname \"" + host.substr(0, 60) +
                "...\" is not " + std::string(kNode) + ")");
}

TEST(FleetLoaderErrorsTest, KeepsEachDurationWithinItsBounds) {
  EXPECT_EQ(ErrorOf(WithHost("fleet: {timeout: 11s}\n")),
            "relaywatch.yaml:3:18: fleet.timeout: expected a duration above 0 and at most 10s, "
            "like 500ms, got \"11s\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet: {timeout: 0ms}\n")),
            "relaywatch.yaml:3:18: fleet.timeout: expected a duration above 0 and at most 10s, "
            "like 500ms, got \"0ms\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet: {timeout: 0.5s}\n")),
            "relaywatch.yaml:3:18: fleet.timeout: expected a duration above 0 and at most 10s, "
            "like 500ms, got \"0.5s\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  sync_every: 5ms\n")),
            "relaywatch.yaml:4:15: fleet.sync_every: expected a duration from 10ms to 10s, like "
            "100ms, got \"5ms\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  sync_every: 1m\n")),
            "relaywatch.yaml:4:15: fleet.sync_every: expected a duration from 10ms to 10s, like "
            "100ms, got \"1m\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  node_timeout: 999ms\n")),
            "relaywatch.yaml:4:17: fleet.node_timeout: expected a duration of at least 1s, like "
            "60s, got \"999ms\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  node_timeout: 60\n")),
            "relaywatch.yaml:4:17: fleet.node_timeout: expected a duration of at least 1s, like "
            "60s, got \"60\"");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  node_timeout: 99999999999999ms\n")),
            "relaywatch.yaml:4:17: fleet.node_timeout: expected a duration of at least 1s, like "
            "60s, got \"99999999999999ms\"");
}

TEST(FleetLoaderErrorsTest, WantsNodeTimeoutLongerThanSyncEvery) {
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  sync_every: 10s\n  node_timeout: 10000ms\n")),
            "relaywatch.yaml:5:17: fleet.node_timeout: must be longer than sync_every (10s)");
  EXPECT_EQ(FleetOf(WithHost("fleet:\n  sync_every: 10s\n  node_timeout: 11s\n")).node_timeout,
            seconds(11));
}

// Values YAML itself reads as something else: the parser's message, and what to do about it.
TEST(FleetLoaderErrorsTest, SaysToQuoteValuesYamlWouldReadAsSomethingElse) {
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  redis: [::1]:6380\n")),
            "relaywatch.yaml:4:15: end of map not found (quote an IPv6 address and port: "
            "\"[::1]:6379\")");
  EXPECT_EQ(ErrorOf(WithHost("fleet:\n  prefix: relaywatch:\n")),
            "relaywatch.yaml:4:21: illegal map value (quote a value that ends in ':', like "
            "\"relaywatch:\")");
}

}  // namespace
}  // namespace relaywatch::config
