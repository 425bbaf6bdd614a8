// Test helpers for the store: a temporary state_dir removed at the end, raw file access that
// bypasses the code under test, and file modes. Test code only.
#ifndef RELAYWATCH_TESTS_UNIT_STORE_STORE_TEST_UTIL_H_
#define RELAYWATCH_TESTS_UNIT_STORE_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace relaywatch::store::testing {

// A TempDir named rw-store-XXXXXX.
class TempDir : public relaywatch::testing::TempDir {
 public:
  TempDir() : relaywatch::testing::TempDir("rw-store") {}
};

inline void WriteRaw(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

inline std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found;
}

// Permission bits of `path` (0 when it does not exist).
inline unsigned Mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// The names in `dir`, sorted; hidden ones included.
inline std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Sets the umask for the lifetime of the object.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

}  // namespace relaywatch::store::testing

#endif  // RELAYWATCH_TESTS_UNIT_STORE_STORE_TEST_UTIL_H_
