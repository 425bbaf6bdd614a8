#include "relaywatch/store/safe_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <ctime>

#include "relaywatch/core/text.h"
#include "relaywatch/store/atomic_file.h"
#include "relaywatch/store/dir_ops.h"

namespace relaywatch::store {
namespace {

constexpr std::string_view kExpected = ", expected a regular file";

// "a FIFO", "a directory", ... for the file type bits of `mode`.
std::string TypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

RegularFile Rejected(std::string problem) {
  RegularFile out;
  out.state = RegularFile::State::kRejected;
  out.problem = std::move(problem);
  return out;
}

// O_NOFOLLOW refused the last component: say what the link points to, without following it.
core::Result<RegularFile> RejectLink(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return FileError("read", path, errno);
  if (!S_ISLNK(st.st_mode)) return FileError("read", path, ELOOP);
  std::array<char, 512> target{};
  const ssize_t n = ::readlink(path.c_str(), target.data(), target.size() - 1);
  std::string problem = "it is a symbolic link";
  if (n > 0) {
    problem += " (to " + core::EscapeForLog(std::string_view(target.data(), n)) + ")";
  }
  return Rejected(problem + std::string(kExpected));
}

std::string TooLarge(std::size_t size, std::size_t max_bytes) {
  return "it is " + std::to_string(size) + " bytes, expected at most " + FormatByteCap(max_bytes);
}

}  // namespace

std::string FormatByteCap(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 30) && bytes % (std::size_t{1} << 30) == 0) {
    return std::to_string(bytes >> 30) + " GiB";
  }
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

core::Result<RegularFile> ReadRegularFile(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO with no writer (or a device) returns at once instead of waiting.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) return RegularFile{};
    if (errno == ELOOP) return RejectLink(path);
    return FileError("read", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return FileError("read", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Rejected("it is " + TypeName(st.st_mode) + std::string(kExpected));
  }
  if (st.st_size < 0 || static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Rejected(TooLarge(static_cast<std::size_t>(st.st_size), max_bytes));
  }
  RegularFile out;
  out.state = RegularFile::State::kRead;
  out.content.reserve(static_cast<std::size_t>(st.st_size));
  std::array<char, 65536> buf;
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return FileError("read", path, err);
    }
    if (n == 0) break;
    // The file may grow while it is read; the cap holds for what is read, not only for fstat.
    if (out.content.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return Rejected("it grew past " + FormatByteCap(max_bytes) +
                      " while being read, expected at most that");
    }
    out.content.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

core::Result<std::string> SetAsideBadFile(const std::string& path, const std::string& to_dir) {
  const std::size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string dir = to_dir.empty() ? DirName(path) : to_dir;
  const std::string base = dir + "/" + name + ".bad-" + std::to_string(std::time(nullptr));
  std::string to = base;
  for (int n = 2; PathExists(to) && n <= 1000; ++n) to = base + "-" + std::to_string(n);
  if (core::Status moved = RenameFile(path, to); !moved) return moved.error();
  return to;
}

}  // namespace relaywatch::store
