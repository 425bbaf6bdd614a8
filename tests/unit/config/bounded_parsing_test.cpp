// No config makes the loader loop or grow without bound (issue 17, "config parsing bounded").
// yaml-cpp 0.7's LoadAll never returned on a lone ',' (5 GB in 5 s), nor on a valid config
// followed by "---\n,\n". Each input here is loaded in a child process with a deadline and a
// memory limit, so a regression fails the test in seconds instead of taking the machine down.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "error_of.h"
#include "relaywatch/config/loader.h"

#if defined(__SANITIZE_ADDRESS__)
#define RELAYWATCH_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RELAYWATCH_UNDER_ASAN 1
#endif
#endif

namespace relaywatch::config {
namespace {

using test_support::ErrorOf;
using test_support::kRule;

struct Bounded {
  bool finished = false;  // exited on its own within the deadline
  std::string output;     // what `body` returned
  long max_rss_kib = 0;
};

// Runs `body` in a child with `seconds` of wall time and an address-space limit of 1 GiB; its
// result comes back through a pipe.
template <typename Body>
Bounded RunBounded(unsigned seconds, Body body) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
#ifndef RELAYWATCH_UNDER_ASAN  // AddressSanitizer maps terabytes of shadow: no RLIMIT_AS there
    struct rlimit limit {};
    limit.rlim_cur = limit.rlim_max = rlim_t{1} << 30;
    ::setrlimit(RLIMIT_AS, &limit);
#endif
    ::alarm(seconds);
    const std::string out = body();
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  Bounded result;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  struct rusage usage {};
  EXPECT_EQ(::wait4(pid, &status, 0, &usage), pid);
  result.finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  result.max_rss_kib = usage.ru_maxrss;
  return result;
}

void ExpectBoundedError(const std::string& yaml, const std::string& error) {
  Bounded run = RunBounded(5, [&] { return ErrorOf(yaml); });
  EXPECT_TRUE(run.finished) << "loading did not finish within 5 s and 1 GiB: " << yaml;
  EXPECT_EQ(run.output, error);
  EXPECT_LT(run.max_rss_kib, 256 * 1024) << yaml;
}

TEST(BoundedParsingTest, ALoneCommaIsAnErrorNotALoop) {
  ExpectBoundedError(",",
                     "relaywatch.yaml:1:1: expected a setting (key: value) or the end of "
                     "the file, got \",\"");
  ExpectBoundedError(",\n",
                     "relaywatch.yaml:1:1: expected a setting (key: value) or the end of "
                     "the file, got \",\"");
}

TEST(BoundedParsingTest, AValidConfigFollowedByADocumentOfACommaIsASecondDocument) {
  ExpectBoundedError(std::string(kRule) + "---\n,\n",
                     "relaywatch.yaml:3:1: more than one YAML document ('---'); the config is "
                     "one document");
  ExpectBoundedError(std::string(kRule) + "---\nstate_dir: /srv\n---\nstate_dir: /srv2\n",
                     "relaywatch.yaml:3:1: more than one YAML document ('---'); the config is "
                     "one document");
}

TEST(BoundedParsingTest, AStrayCommaAfterTheSettingsIsAnError) {
  ExpectBoundedError(std::string(kRule) + ",\n", "relaywatch.yaml:2:1: end of map not found");
  ExpectBoundedError("{rules: []}\n,\n",
                     "relaywatch.yaml:2:1: expected a setting (key: value) "
                     "or the end of the file, got \",\"");
}

// Every input of one or two bytes from YAML's indicators (and every single byte) ends, with a
// config or an error: together within a few seconds, not one of them for ever.
TEST(BoundedParsingTest, EveryShortInputEnds) {
  Bounded run = RunBounded(30, [] {
    const std::string indicators = ",[]{}:-?#&*!|>'\"%@`~. \t\nax0";
    std::vector<std::string> inputs;
    for (int c = 0; c < 256; ++c) inputs.emplace_back(1, static_cast<char>(c));
    for (char a : indicators) {
      for (char b : indicators) inputs.push_back(std::string{a, b});
      inputs.push_back(std::string(kRule) + a);
      inputs.push_back(std::string(kRule) + "---\n" + a);
    }
    std::size_t ended = 0;
    for (const std::string& input : inputs) {
      // "unable to load: std::bad_alloc" would be the memory limit speaking, not the loader.
      if (ErrorOf(input).find("unable to load") == std::string::npos) ++ended;
    }
    return std::to_string(ended) + "/" + std::to_string(inputs.size());
  });
  EXPECT_TRUE(run.finished) << "some input did not finish within 30 s and 1 GiB";
  EXPECT_LT(run.max_rss_kib, 256 * 1024);
  const std::size_t slash = run.output.find('/');
  ASSERT_NE(slash, std::string::npos) << run.output;
  EXPECT_EQ(run.output.substr(0, slash), run.output.substr(slash + 1));
}

TEST(BoundedParsingTest, AConfigLargerThanOneMebibyteIsRefused) {
  std::string big = std::string(kRule) + "# " + std::string(std::size_t{1} << 20, 'x') + "\n";
  EXPECT_EQ(ErrorOf(big), "relaywatch.yaml: larger than 1 MiB, the most a config may be");
  EXPECT_EQ(ErrorOf(std::string(kRule) + "# padding\n"), "(loaded)");
}

TEST(BoundedParsingTest, AFileWithoutEndIsReadOnlyUpToTheCap) {
  Bounded run = RunBounded(5, [] {
    core::Result<Config> config = LoadConfigFile("/dev/zero");
    return config ? std::string("(loaded)") : config.error().message;
  });
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.output, "/dev/zero: larger than 1 MiB, the most a config may be");
  EXPECT_LT(run.max_rss_kib, 256 * 1024);
}

}  // namespace
}  // namespace relaywatch::config
