// TempDir: a fresh directory under the system's temp dir for one test, removed with everything
// in it when the test ends. Test code only.
#ifndef RELAYWATCH_TESTS_SUPPORT_TEMP_DIR_H_
#define RELAYWATCH_TESTS_SUPPORT_TEMP_DIR_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace relaywatch::testing {

class TempDir {
 public:
  // `prefix` names the directory ("rw-store" -> /tmp/rw-store-XXXXXX), to tell leftovers apart.
  explicit TempDir(const std::string& prefix = "rw-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    const char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << pattern;
    path_ = made != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace relaywatch::testing

#endif  // RELAYWATCH_TESTS_SUPPORT_TEMP_DIR_H_
