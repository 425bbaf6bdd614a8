#include "relaywatch/store/atomic_batch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "relaywatch/store/atomic_file.h"

namespace relaywatch::store {

std::vector<core::Status> WriteFilesAtomic(const std::string& dir,
                                           const std::vector<NamedData>& files, mode_t mode) {
  std::vector<core::Status> out(files.size(), core::OkStatus());
  std::vector<std::pair<std::size_t, std::string>> written;  // index, temporary
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string tmp;
    // Not fsynced one by one: one syncfs below covers them all.
    if (const int err = WriteTemporary(dir + "/" + files[i].first, files[i].second, mode,
                                       /*sync=*/false, tmp);
        err != 0) {
      out[i] = FileError("write", dir + "/" + files[i].first, err);
    } else {
      written.emplace_back(i, std::move(tmp));
    }
  }
  if (written.empty()) return out;
  auto fail_all = [&](int err) {
    for (const auto& [i, tmp] : written)
      out[i] = FileError("write", dir + "/" + files[i].first, err);
  };
  auto remove_temporaries = [&] {
    for (const auto& [i, tmp] : written) ::unlink(tmp.c_str());
  };
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    const int err = errno;
    remove_temporaries();
    fail_all(err);
    return out;
  }
  // One sync of the filesystem for every temporary's data, where one fsync each would cost a
  // journal commit each.
  if (::syncfs(dir_fd) != 0) {
    const int err = errno;
    remove_temporaries();
    ::close(dir_fd);
    fail_all(err);
    return out;
  }
  std::vector<std::size_t> renamed;
  for (const auto& [i, tmp] : written) {
    const std::string path = dir + "/" + files[i].first;
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
