// OrderLogFiles and ParseLogFileName against a directory the real daemontools multilog wrote
// (Debian's /usr/bin/multilog, from packaging/install-deps.sh --test): every name it makes is
// understood, and reading in OrderLogFiles's order gives the lines back in the order written.
// Not tested here: `.u` archives and `previous` (they need multilog killed mid-rotation;
// log_files_test.cpp pins their order).
#include <dirent.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "relaywatch/stamp/log_files.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::stamp {
namespace {

constexpr const char* kMultilog = "/usr/bin/multilog";

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

TEST(MultilogOrderTest, ReadingInOrderGivesBackEveryLineMultilogWroteInSequence) {
  ASSERT_EQ(access(kMultilog, X_OK), 0) << kMultilog << " missing: install daemontools";
  char tmpl[] = "/tmp/relaywatch-multilogXXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/log";

  // s4096 is multilog's smallest file size: 2000 lines of ~45 bytes make about 20 archives.
  const int kLines = 2000;
  std::string command = std::string(kMultilog) + " t s4096 n100 " + dir;
  FILE* p = popen(command.c_str(), "w");
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < kLines; ++i) fprintf(p, "CHKUSER relaying rcpt: line %05d\n", i);
  ASSERT_EQ(pclose(p), 0);

  std::vector<std::string> names = ListDir(dir);
  for (const std::string& name : names) {
    if (name != "lock" && name != "state") {
      EXPECT_TRUE(ParseLogFileName(name)) << name;
    }
  }
  std::vector<std::string> ordered = OrderLogFiles(names);
  ASSERT_GE(ordered.size(), 10u);
  EXPECT_EQ(ordered.back(), "current");

  Stamper stamper(core::LocalZone::Fixed(0));
  int next = 0;
  core::Timestamp last{};
  for (const std::string& name : ordered) {
    std::ifstream in(dir + "/" + name);
    for (std::string raw; std::getline(in, raw);) {
      Line line = stamper.Stamp(raw);
      ASSERT_EQ(line.stamp, StampKind::kTai64n) << name << ": " << raw;
      char want[64];
      snprintf(want, sizeof want, "CHKUSER relaying rcpt: line %05d", next++);
      ASSERT_EQ(line.text, want) << name;
      EXPECT_GE(line.time, last) << name;
      last = line.time;
    }
  }
  EXPECT_EQ(next, kLines);

  for (const std::string& name : ListDir(dir)) unlink((dir + "/" + name).c_str());
  rmdir(dir.c_str());
  rmdir(tmpl);
}

}  // namespace
}  // namespace relaywatch::stamp
