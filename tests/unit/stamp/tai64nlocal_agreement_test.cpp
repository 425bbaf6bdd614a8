// ParseTai64nLabel against the real daemontools tai64nlocal (Debian's /usr/bin/tai64nlocal, from
// the daemontools package in packaging/install-deps.sh --test), run with TZ=UTC on every stamp
// in the fixtures, the edges of the range and a few thousand pseudo-random labels.
// Not tested: labels tai64nlocal misreads (uppercase, 23/25 digits): it has no answer to agree
// with there (tai64n_test.cpp pins ours).
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "relaywatch/stamp/tai64n.h"

namespace relaywatch::stamp {
namespace {

constexpr const char* kTai64nlocal = "/usr/bin/tai64nlocal";

std::vector<std::string> FixtureLabels() {
  std::vector<std::string> labels;
  for (const char* name : {"/real.txt", "/constructed.txt"}) {
    std::ifstream in(std::string(RELAYWATCH_FIXTURES_DIR) + name);
    for (std::string line; std::getline(in, line);) {
      if (line.size() > kTai64nLabelSize && line[0] == '@') {
        labels.push_back(line.substr(0, kTai64nLabelSize));
      }
    }
  }
  return labels;
}

// Labels spread over 1970..2262 by a fixed linear congruential generator, so every run checks
// the same ones.
std::vector<std::string> PseudoRandomLabels(int n) {
  std::vector<std::string> labels;
  std::uint64_t x = 0x2545F4914F6CDD1DULL;
  for (int i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::int64_t secs = static_cast<std::int64_t>((x >> 20) % 9223372036ULL);
    std::int64_t nanos = static_cast<std::int64_t>((x >> 3) % 1000000000ULL);
    labels.push_back(FormatTai64nLabel(*core::FromUnix(secs, nanos)));
  }
  return labels;
}

// What tai64nlocal prints in place of each label (the date, without the rest of the line).
std::vector<std::string> RunTai64nlocal(const std::vector<std::string>& labels) {
  char path[] = "/tmp/relaywatch-tai64nXXXXXX";
  int fd = mkstemp(path);
  EXPECT_NE(fd, -1);
  std::string input;
  for (const auto& label : labels) input += label + " x\n";
  EXPECT_EQ(write(fd, input.data(), input.size()), static_cast<ssize_t>(input.size()));
  close(fd);

  std::string command = std::string("TZ=UTC ") + kTai64nlocal + " < " + path;
  std::vector<std::string> out;
  FILE* p = popen(command.c_str(), "r");
  EXPECT_NE(p, nullptr);
  if (p != nullptr) {
    char* line = nullptr;
    size_t cap = 0;
    for (ssize_t n; (n = getline(&line, &cap, p)) > 0;) {
      std::string s(line, static_cast<std::size_t>(n));
      out.push_back(s.substr(0, s.rfind(" x\n")));
    }
    free(line);
    EXPECT_EQ(pclose(p), 0) << command;
  }
  unlink(path);
  return out;
}

// Our reading of `label` in tai64nlocal's format, "YYYY-MM-DD HH:MM:SS.NNNNNNNNN".
std::string OursAsTai64nlocal(const std::string& label) {
  auto t = ParseTai64nLabel(label);
  if (!t) return "(rejected)";
  std::string iso = core::FormatIso8601Utc(*t);
  iso[10] = ' ';
  iso.pop_back();  // 'Z'
  return iso;
}

TEST(Tai64nlocalAgreementTest, EveryFixtureStampReadsAsTai64nlocalReadsIt) {
  ASSERT_EQ(access(kTai64nlocal, X_OK), 0) << kTai64nlocal << " missing: install daemontools";
  auto labels = FixtureLabels();
  ASSERT_GE(labels.size(), 40u);
  auto theirs = RunTai64nlocal(labels);
  ASSERT_EQ(theirs.size(), labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    EXPECT_EQ(OursAsTai64nlocal(labels[i]), theirs[i]) << labels[i];
  }
}

TEST(Tai64nlocalAgreementTest, EdgeAndPseudoRandomLabelsReadAsTai64nlocalReadsThem) {
  ASSERT_EQ(access(kTai64nlocal, X_OK), 0) << kTai64nlocal << " missing: install daemontools";
  std::vector<std::string> labels = {
      "@400000000000000a00000000",  // the Unix epoch
      "@400000000000000a3b9ac9ff",  // the largest nanoseconds
      "@400000000000000000000000",  // 2^62: ten seconds before the epoch
      "@400000007fffffff00000000",  // past 2038 (32-bit time_t)
      "@40000001000000003b9ac9ff",  // past 2106 (32-bit unsigned)
      "@4000000225c17d0e32f2d7ff",  // the last Timestamp
      "@3ffffffdda3e830508a7f200",  // the first Timestamp
  };
  auto more = PseudoRandomLabels(3000);
  labels.insert(labels.end(), more.begin(), more.end());
  auto theirs = RunTai64nlocal(labels);
  ASSERT_EQ(theirs.size(), labels.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (OursAsTai64nlocal(labels[i]) != theirs[i] && ++mismatches <= 10) {
      ADD_FAILURE() << labels[i] << ": ours " << OursAsTai64nlocal(labels[i]) << ", tai64nlocal "
                    << theirs[i];
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace relaywatch::stamp
