// Files for the delivery tests: a temporary directory removed at the end, whole-file read and
// write, executable scripts. Test code only.
#ifndef RELAYWATCH_TESTS_UNIT_DELIVER_TEST_FILES_H_
#define RELAYWATCH_TESTS_UNIT_DELIVER_TEST_FILES_H_

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace relaywatch::deliver::testing {

// A TempDir named rw-deliver-XXXXXX.
class TempDir : public relaywatch::testing::TempDir {
 public:
  TempDir() : relaywatch::testing::TempDir("rw-deliver") {}
};

inline void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0600) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << path;
  }
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// Writes an executable /bin/sh script.
inline std::string WriteScript(const TempDir& dir, const std::string& name,
                               const std::string& body) {
  const std::string path = dir / name;
  WriteFile(path, "#!/bin/sh\n" + body, 0755);
  return path;
}

}  // namespace relaywatch::deliver::testing

#endif  // RELAYWATCH_TESTS_UNIT_DELIVER_TEST_FILES_H_
