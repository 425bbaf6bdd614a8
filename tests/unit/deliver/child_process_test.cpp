#include "relaywatch/deliver/child_process.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <sstream>
#include <string>
#include <thread>

#include "test_files.h"

namespace relaywatch::deliver {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteScript;

ChildRequest Request(std::vector<std::string> argv, std::string input = "") {
  ChildRequest request;
  request.argv = std::move(argv);
  request.input = std::move(input);
  request.timeout = std::chrono::seconds(10);
  return request;
}

TEST(RunChildTest, FeedsStdinAndReportsTheExitStatus) {
  TempDir dir;
  const std::string script = WriteScript(dir, "p", "cat > \"$1\"\nexit 7\n");
  const ChildOutcome outcome = RunChild(Request({script, dir / "in"}, "line one\nline two\n"));
  EXPECT_EQ(outcome.end, ChildEnd::kExited);
  EXPECT_EQ(outcome.code, 7);
  EXPECT_EQ(ReadFile(dir / "in"), "line one\nline two\n");
}

TEST(RunChildTest, PassesArgumentsVerbatimWithoutAShell) {
  TempDir dir;
  const std::string script =
      WriteScript(dir, "p", "for a in \"$@\"; do printf '[%s]' \"$a\"; done\n");
  const ChildOutcome outcome =
      RunChild(Request({script, "a b", "$(touch " + (dir / "pwned") + ")", "; exit 3", "*"}));
  EXPECT_EQ(outcome.end, ChildEnd::kExited);
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(outcome.output, "[a b][$(touch " + (dir / "pwned") + ")][; exit 3][*]");
  EXPECT_FALSE(testing::Exists(dir / "pwned"));
}

TEST(RunChildTest, CollectsStdoutAndStderrTogether) {
  TempDir dir;
  const std::string script = WriteScript(dir, "p", "echo out\necho err >&2\n");
  const ChildOutcome outcome = RunChild(Request({script}));
  EXPECT_EQ(outcome.output, "out\nerr\n");
  EXPECT_FALSE(outcome.output_truncated);
}

TEST(RunChildTest, KeepsOnlyTheFirstBytesOfALongOutputAndStillFinishes) {
  TempDir dir;
  // 1 MiB of output: more than a pipe holds, so the runner must keep reading past its limit.
  const std::string script = WriteScript(dir, "p", "head -c 1048576 /dev/zero | tr '\\0' x\n");
  ChildRequest request = Request({script});
  request.output_limit = 100;
  const ChildOutcome outcome = RunChild(request);
  EXPECT_EQ(outcome.end, ChildEnd::kExited);
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(outcome.output, std::string(100, 'x'));
  EXPECT_TRUE(outcome.output_truncated);
}

TEST(RunChildTest, WritesALargeInputCompletely) {
  TempDir dir;
  const std::string script = WriteScript(dir, "p", "cat > \"$1\"\n");
  std::string input;
  for (int i = 0; input.size() < 3 * 1024 * 1024; ++i) input += "line " + std::to_string(i) + "\n";
  const ChildOutcome outcome = RunChild(Request({script, dir / "in"}, input));
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(ReadFile(dir / "in"), input);
}

TEST(RunChildTest, AChildThatIgnoresItsInputIsNotAnErrorAndRaisesNoSigpipe) {
  TempDir dir;
  const std::string script = WriteScript(dir, "p", "exit 0\n");
  const ChildOutcome outcome = RunChild(Request({script}, std::string(4 * 1024 * 1024, 'y')));
  EXPECT_EQ(outcome.end, ChildEnd::kExited);
  EXPECT_EQ(outcome.code, 0);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(RunChildTest, KillsTheWholeProcessGroupAtTheDeadline) {
  TempDir dir;
  // The shell starts a grandchild that holds the output pipe open; both must go.
  const std::string script =
      WriteScript(dir, "p", "sleep 30 &\necho $! > \"$1\"\necho started\nwait\n");
  ChildRequest request = Request({script, dir / "pid"});
  // Long enough for a loaded machine to start the shell and let it say "started".
  request.timeout = milliseconds(1000);
  const auto start = std::chrono::steady_clock::now();
  const ChildOutcome outcome = RunChild(request);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(outcome.end, ChildEnd::kTimedOut);
  EXPECT_EQ(outcome.output, "started\n");
  EXPECT_LT(took, std::chrono::seconds(3));
  std::string pid = ReadFile(dir / "pid");
  ASSERT_FALSE(pid.empty());
  pid.pop_back();
  // SIGKILL went to the whole group before RunChild returned, but the grandchild (not ours to
  // reap) dies asynchronously: wait, with a deadline, until it is a zombie or gone.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string stat = ReadFile("/proc/" + pid + "/stat");
  while (!stat.empty() && stat.find(") Z ") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
    stat = ReadFile("/proc/" + pid + "/stat");
  }
  if (!stat.empty()) {
    EXPECT_THAT(stat, HasSubstr(") Z "));
  }
  EXPECT_EQ(DescribeOutcome(request, outcome),
            script + " did not finish within 1s; killed: started");
}

TEST(RunChildTest, DoesNotWaitForABackgroundJobThatKeepsTheOutputOpen) {
  TempDir dir;
  const std::string script = WriteScript(dir, "p", "sleep 30 &\nexit 0\n");
  ChildRequest request = Request({script});
  request.timeout = std::chrono::seconds(20);
  const auto start = std::chrono::steady_clock::now();
  const ChildOutcome outcome = RunChild(request);
  EXPECT_EQ(outcome.end, ChildEnd::kExited);
  EXPECT_EQ(outcome.code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RunChildTest, ReportsTheSignalThatKilledTheChild) {
  TempDir dir;
  const std::string script = WriteScript(dir, "p", "kill -TERM $$\n");
  const ChildRequest request = Request({script});
  const ChildOutcome outcome = RunChild(request);
  EXPECT_EQ(outcome.end, ChildEnd::kSignaled);
  EXPECT_EQ(outcome.code, SIGTERM);
  EXPECT_EQ(DescribeOutcome(request, outcome), script + " killed by signal 15 (SIGTERM)");
}

TEST(RunChildTest, ReportsAProgramThatCannotBeStarted) {
  const ChildRequest request = Request({"/nonexistent/sendmail"});
  const ChildOutcome outcome = RunChild(request);
  EXPECT_EQ(outcome.end, ChildEnd::kNotStarted);
  EXPECT_EQ(DescribeOutcome(request, outcome),
            "unable to run /nonexistent/sendmail: No such file or directory");
}

TEST(RunChildTest, RefusesARelativeProgramPath) {
  const ChildOutcome outcome = RunChild(Request({"sh", "-c", "exit 0"}));
  EXPECT_EQ(outcome.end, ChildEnd::kNotStarted);
}

TEST(RunChildTest, GivesExactlyTheEnvironmentAsked) {
  TempDir dir;
  const std::string script = WriteScript(dir, "p", "/usr/bin/env\n");
  ChildRequest request = Request({script});
  request.env = std::vector<std::string>{"ONLY=this"};
  const ChildOutcome outcome = RunChild(request);
  // The shell adds PWD itself; nothing of ours (HOME, PATH, ...) comes along.
  std::vector<std::string> lines;
  std::istringstream in(outcome.output);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("PWD=")) lines.push_back(line);
  }
  EXPECT_THAT(lines, ::testing::ElementsAre("ONLY=this"));
}

TEST(RunChildTest, LeaksNoOtherFileDescriptorsIntoTheChild) {
  TempDir dir;
  // Opened without O_CLOEXEC, as a careless library might.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  const std::string script = WriteScript(dir, "p", "ls /proc/self/fd\n");
  const ChildOutcome outcome = RunChild(Request({script}));
  ::close(leaked);
  // ls sees 0, 1, 2 and the one it opened to list the directory (3), nothing else.
  EXPECT_EQ(outcome.output, "0\n1\n2\n3\n");
}

TEST(DescribeOutcomeTest, EscapesWhatTheProgramSaidAndNamesTheExit) {
  ChildRequest request = Request({"/usr/sbin/sendmail"});
  ChildOutcome outcome;
  outcome.end = ChildEnd::kExited;
  outcome.code = 75;
  outcome.output = "sendmail: queue full\r\n\x1b[31mred\n";
  EXPECT_EQ(DescribeOutcome(request, outcome),
            "/usr/sbin/sendmail exited 75: sendmail: queue full\\r\\n\\x1b[31mred");
}

}  // namespace
}  // namespace relaywatch::deliver
