#include "relaywatch/store/atomic_batch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "relaywatch/store/atomic_file.h"

namespace relaywatch::store {
namespace {

// write(2) until done; false with errno set on failure.
bool WriteAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The temporary of `path`: 0 when written and closed, else the errno (the temporary removed).
int WriteTemp(const std::string& tmp, const std::string& data, mode_t mode) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return errno;
  // The umask may have taken bits away, and a stale temporary keeps its old mode.
  bool ok = ::fchmod(fd, mode) == 0 && WriteAll(fd, data);
  int err = ok ? 0 : errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) ::unlink(tmp.c_str());
  return ok ? 0 : err;
}

}  // namespace

std::vector<core::Status> WriteFilesAtomic(const std::string& dir,
                                           const std::vector<NamedData>& files, mode_t mode) {
  std::vector<core::Status> out(files.size(), core::OkStatus());
  std::vector<std::size_t> written;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string tmp = dir + "/." + files[i].first + ".tmp";
    if (const int err = WriteTemp(tmp, files[i].second, mode); err != 0) {
      out[i] = FileError("write", dir + "/" + files[i].first, err);
    } else {
      written.push_back(i);
    }
  }
  if (written.empty()) return out;
  auto fail_all = [&](int err) {
    for (std::size_t i : written) out[i] = FileError("write", dir + "/" + files[i].first, err);
  };
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    const int err = errno;
    for (std::size_t i : written) ::unlink((dir + "/." + files[i].first + ".tmp").c_str());
    fail_all(err);
    return out;
  }
  // One sync of the filesystem for every temporary's data, where one fsync each would cost a
  // journal commit each.
  if (::syncfs(dir_fd) != 0) {
    const int err = errno;
    for (std::size_t i : written) ::unlink((dir + "/." + files[i].first + ".tmp").c_str());
    ::close(dir_fd);
    fail_all(err);
    return out;
  }
  std::vector<std::size_t> renamed;
  for (std::size_t i : written) {
    const std::string path = dir + "/" + files[i].first;
    const std::string tmp = dir + "/." + files[i].first + ".tmp";
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      out[i] = FileError("write", path, errno);
      ::unlink(tmp.c_str());
    } else {
      renamed.push_back(i);
    }
  }
  // The renames are the commits; they are durable once the directory is.
  if (!renamed.empty() && ::fsync(dir_fd) != 0) {
    const int err = errno;
    for (std::size_t i : renamed) out[i] = FileError("write", dir + "/" + files[i].first, err);
  }
  ::close(dir_fd);
  return out;
}

}  // namespace relaywatch::store
