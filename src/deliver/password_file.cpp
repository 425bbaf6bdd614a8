#include "relaywatch/deliver/password_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "relaywatch/deliver/detail_text.h"

namespace relaywatch::deliver {
namespace {

constexpr std::size_t kMaxPasswordFile = 4096;

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

core::Result<std::string> ReadPasswordFile(const std::string& path) {
  const std::string shown = EscapeDetail(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return core::Error{"unable to open password file " + shown + ": " + std::strerror(errno)};
  }
  FdCloser closer(fd);
  // fstat of the open file, not stat of the name: what we check is what we read.
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return core::Error{"unable to stat password file " + shown + ": " + std::strerror(errno)};
  }
  if (!S_ISREG(st.st_mode)) {
    return core::Error{"refusing password file " + shown + ": not a regular file"};
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return core::Error{"refusing password file " + shown + ": mode " + mode +
                       " lets group or others read or change it (chmod 600 " + shown + ")"};
  }
  std::string content(kMaxPasswordFile, '\0');
  std::size_t have = 0;
  while (have < content.size()) {
    const ssize_t n = ::read(fd, content.data() + have, content.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return core::Error{"unable to read password file " + shown + ": " + std::strerror(errno)};
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  content.resize(have);
  const std::size_t end = content.find_first_of("\r\n");
  if (end != std::string::npos) content.resize(end);
  if (content.empty()) {
    return core::Error{"refusing password file " + shown + ": the first line is empty"};
  }
  return content;
}

}  // namespace relaywatch::deliver
