#include "relaywatch/deliver/exec_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "test_files.h"

namespace relaywatch::deliver {
namespace {

using ::testing::ElementsAre;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteScript;

// A hook that keeps its stdin and its environment (one variable per line, sorted) in files.
std::string Recorder(const TempDir& dir, int exit_code) {
  return WriteScript(dir, "hook",
                     "cat > " + (dir / "stdin") + "\n/usr/bin/env | LC_ALL=C sort > " +
                         (dir / "env") + "\nexit " + std::to_string(exit_code) + "\n");
}

// The environment the hook saw, without the PWD its shell adds itself.
std::vector<std::string> EnvLines(const TempDir& dir) {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(dir / "env"));
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("PWD=")) out.push_back(line);
  }
  return out;
}

ExecTransport Transport(std::vector<std::string> command,
                        core::Duration timeout = std::chrono::seconds(10)) {
  return ExecTransport(ExecOptions{std::move(command), timeout});
}

TEST(ExecTransportTest, GivesTheJsonOnStdinAndOnlyPathAndTheGivenVariables) {
  TempDir dir;
  const std::string hook = Recorder(dir, 0);
  const std::string json = R"({"id":"a1","rule":"hourly-volume","user":"suzy@example.com"})";
  const DeliveryResult result = Transport({hook, "--flag"})
                                    .Send(json, {{"RELAYWATCH_ID", "a1"},
                                                 {"RELAYWATCH_RULE", "hourly-volume"},
                                                 {"RELAYWATCH_USER", "suzy@example.com"}});
  EXPECT_EQ(result.status, DeliveryStatus::kOk);
  EXPECT_EQ(result.detail, hook + " exited 0");
  EXPECT_EQ(ReadFile(dir / "stdin"), json);
  EXPECT_THAT(EnvLines(dir),
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "RELAYWATCH_ID=a1", "RELAYWATCH_RULE=hourly-volume",
                          "RELAYWATCH_USER=suzy@example.com"));
}

TEST(ExecTransportTest, HostileValuesStayInsideTheirVariable) {
  TempDir dir;
  const std::string hook = Recorder(dir, 0);
  const std::string long_value(10 * 1024, 'a');
  const DeliveryResult result =
      Transport({hook}).Send("{}", {{"RELAYWATCH_USER", "x@y\r\nRELAYWATCH_EVIL=1\n"},
                                    {"RELAYWATCH_HOST", long_value},
                                    {"RELAYWATCH_RULE", "r\xc3\xbcle\x1b[2J\x7f"},
                                    {"BAD=NAME", "v"},
                                    {"lower", "v"},
                                    {"PATH", "/tmp/evil"}});
  EXPECT_EQ(result.status, DeliveryStatus::kOk);
  EXPECT_THAT(EnvLines(dir),
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "RELAYWATCH_HOST=" + std::string(kMaxEnvValue, 'a'),
                          "RELAYWATCH_RULE=r??le?[2J?", "RELAYWATCH_USER=x@y??RELAYWATCH_EVIL=1?"));
}

TEST(ExecTransportTest, MapsExitStatusesTheQmailWay) {
  const std::pair<int, DeliveryStatus> cases[] = {{0, DeliveryStatus::kOk},
                                                  {111, DeliveryStatus::kTemporary},
                                                  {75, DeliveryStatus::kTemporary},
                                                  {100, DeliveryStatus::kPermanent},
                                                  {2, DeliveryStatus::kPermanent}};
  for (const auto& [code, status] : cases) {
    TempDir dir;
    const std::string hook = Recorder(dir, code);
    EXPECT_EQ(Transport({hook}).Send("{}", {}).status, status) << code;
  }
}

TEST(ExecTransportTest, KillsAHookThatHangsAndCallsItTemporary) {
  TempDir dir;
  const std::string hook = WriteScript(dir, "hook", "echo waiting\nsleep 30\n");
  const auto start = std::chrono::steady_clock::now();
  const DeliveryResult result = Transport({hook}, std::chrono::seconds(1)).Send("{}", {});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(result.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(result.detail, hook + " did not finish within 1s; killed: waiting");
}

TEST(ExecTransportTest, ReportsAMissingCommandAsPermanent) {
  const DeliveryResult result = Transport({}).Send("{}", {});
  EXPECT_EQ(result.status, DeliveryStatus::kPermanent);
  EXPECT_EQ(result.detail, "no exec command configured");
}

TEST(SanitizeEnvValueTest, ReplacesControlAndNonAsciiBytesAndCutsTheLength) {
  EXPECT_EQ(SanitizeEnvValue("plain value, with = and $(x)"), "plain value, with = and $(x)");
  EXPECT_EQ(SanitizeEnvValue(std::string("a\0b\tc\x80", 6)), "a?b?c?");
  EXPECT_EQ(SanitizeEnvValue(std::string(300, 'z')).size(), kMaxEnvValue);
}

}  // namespace
}  // namespace relaywatch::deliver
