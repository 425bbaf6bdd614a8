#include "relaywatch/store/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "relaywatch/core/text.h"
#include "relaywatch/store/dir_ops.h"
#include "relaywatch/store/safe_file.h"

namespace relaywatch::store {
namespace {

// write(2) until done; false with errno set on failure.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string TempPathFor(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  return dir + "." + base + ".tmp";
}

}  // namespace

core::Error FileError(std::string_view verb, std::string_view path, int err) {
  return core::Error{"unable to " + std::string(verb) + " " + core::EscapeForLog(path) + ": " +
                     std::strerror(err)};
}

int WriteTemporary(const std::string& path, std::string_view data, mode_t mode, bool sync,
                   std::string& tmp) {
  tmp = TempPathFor(path);
  // A stale temporary is removed rather than opened: a FIFO under its name would block the open,
  // a symlink would redirect the write.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) return errno;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return errno;
  // The umask may have taken bits away.
  bool ok = ::fchmod(fd, mode) == 0 && WriteAll(fd, data) && (!sync || ::fsync(fd) == 0);
  int err = ok ? 0 : errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) ::unlink(tmp.c_str());
  return err;
}

core::Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp;
  if (const int err = WriteTemporary(path, data, mode, /*sync=*/true, tmp); err != 0) {
    return FileError("write", path, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return FileError("write", path, err);
  }
  // The rename is the commit; it is durable once the directory is.
  const int dir_fd = ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return FileError("write", path, errno);
  const bool ok = ::fsync(dir_fd) == 0;
  const int err = errno;
  ::close(dir_fd);
  if (!ok) return FileError("write", path, err);
  return core::OkStatus();
}

core::Result<std::optional<std::string>> ReadFileIfExists(const std::string& path) {
  core::Result<RegularFile> read = ReadRegularFile(path, kMaxCheckpointBytes);
  if (!read) return read.error();
  switch (read->state) {
    case RegularFile::State::kMissing:
      return std::optional<std::string>();
    case RegularFile::State::kRejected:
      return core::Error{"unable to read " + core::EscapeForLog(path) + ": " + read->problem};
    case RegularFile::State::kRead:
      break;
  }
  return std::optional<std::string>(std::move(read->content));
}

}  // namespace relaywatch::store
