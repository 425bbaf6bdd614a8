#include "relaywatch/store/dir_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "relaywatch/core/text.h"
#include "relaywatch/store/atomic_file.h"

namespace relaywatch::store {

std::string DirName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

core::Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError("sync directory", dir, errno);
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return FileError("sync directory", dir, err);
  }
  ::close(fd);
  return core::OkStatus();
}

core::Status EnsureDir(const std::string& path, mode_t mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return core::OkStatus();
    return FileError("create directory", path, ENOTDIR);
  }
  // ENOTDIR: a parent is a file; the recursion below names it.
  if (errno != ENOENT && errno != ENOTDIR) return FileError("create directory", path, errno);
  const std::string parent = DirName(path);
  if (parent != path) {
    if (core::Status made = EnsureDir(parent, mode); !made) return made;
  }
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return core::OkStatus();  // made meanwhile by someone else
    }
    return FileError("create directory", path, errno);
  }
  // mkdir honours the umask; the spool and the checkpoint want exactly `mode`.
  if (::chmod(path.c_str(), mode) != 0) return FileError("create directory", path, errno);
  // The new entry lives in the parent: without this a power cut could lose the directory
  // together with the files later committed in it.
  return SyncDir(parent);
}

core::Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return FileError("read directory", dir, errno);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return FileError("read directory", dir, err);
  std::sort(names.begin(), names.end());
  return names;
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

core::Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return core::OkStatus();
    return FileError("remove", path, errno);
  }
  return SyncDir(DirName(path));
}

core::Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return core::Error{"unable to rename " + core::EscapeForLog(from) + " to " +
                       core::EscapeForLog(to) + ": " + std::strerror(errno)};
  }
  if (core::Status s = SyncDir(DirName(to)); !s) return s;
  if (DirName(from) != DirName(to)) return SyncDir(DirName(from));
  return core::OkStatus();
}

}  // namespace relaywatch::store
