// `relaywatch check` on SMTP AUTH without STARTTLS: refused with the place in the file (exit 1),
// or, with allow_plaintext_auth, accepted with a warning that the password goes in clear.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "relaywatch/app/cli.h"
#include "relaywatch/app/commands.h"
#include "temp_dir.h"

namespace relaywatch::app {
namespace {

struct CheckRun {
  int exit_code;
  std::string out, err;
};

CheckRun Check(const std::string& path) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int rc = CheckCommand({"-c", path});
  std::fflush(stdout);
  std::fflush(stderr);
  CheckRun r{rc, ::testing::internal::GetCapturedStdout(),
             ::testing::internal::GetCapturedStderr()};
  return r;
}

std::string Write(const relaywatch::testing::TempDir& dir, const std::string& channel_extra) {
  const std::string path = dir / "relaywatch.yaml";
  std::ofstream(path)
      << "state_dir: " << (dir / "state") << "\n"
      << "sources: {supervise_dir: \"\"}\n"
      << "rules: [{name: v, kind: volume, window: 1h, limit: 5}]\n"
      << "alerts:\n"
      << "  channels:\n"
      << "    - {name: mail, via: smtp, from: rw@example.com, to: [a@example.com],\n"
      << "       username: rw@example.com, password_file: " << (dir / "pw") << channel_extra
      << "}\n";
  std::ofstream(dir / "pw") << "secret\n";
  return path;
}

TEST(CheckCommandTest, RefusesSmtpAuthWithoutStarttls) {
  relaywatch::testing::TempDir dir("rw-check");
  const std::string path = Write(dir, "");
  const CheckRun r = Check(path);
  EXPECT_EQ(r.exit_code, kExitBadInput);
  EXPECT_EQ(r.err, path +
                       ":7:18: alerts.channels[0].username: needs starttls: true (without it the "
                       "password is sent in clear); set allow_plaintext_auth: true to send it in "
                       "clear anyway\n");
}

TEST(CheckCommandTest, WarnsWhenPlaintextAuthIsAllowed) {
  relaywatch::testing::TempDir dir("rw-check");
  const CheckRun r = Check(Write(dir, ", allow_plaintext_auth: true"));
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("warning: channel mail: logs in as rw@example.com without starttls: the "
                       "password is sent in clear to 127.0.0.1:25 (allow_plaintext_auth: true)\n"),
            std::string::npos)
      << r.out;
}

TEST(CheckCommandTest, DoesNotWarnWithStarttls) {
  relaywatch::testing::TempDir dir("rw-check");
  const CheckRun r = Check(Write(dir, ", starttls: true"));
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out.find("in clear"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace relaywatch::app
