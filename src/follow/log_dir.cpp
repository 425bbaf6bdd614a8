#include "relaywatch/follow/log_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "relaywatch/state/position.h"

namespace relaywatch::follow {
namespace {

core::Error Failure(const std::string& what, int err) {
  return core::Error{"unable to " + what + ": " + std::strerror(err)};
}

// The log file names in `dir` (reading order), or the errno of the failure.
core::Result<std::vector<std::string>> Names(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Failure("read " + dir, errno);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) break;
    if (e->d_name[0] == '@' || e->d_name[0] == 'c' || e->d_name[0] == 'p') {
      names.emplace_back(e->d_name);
    }
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return Failure("read " + dir, err);
  return stamp::OrderLogFiles(std::move(names));
}

}  // namespace

std::string ResolvedDir(const std::string& dir) {
  std::error_code ec;
  std::string s = std::filesystem::weakly_canonical(dir, ec).string();
  if (ec) return dir;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool SameDir(const std::string& a, const std::string& b) {
  return a == b || ResolvedDir(a) == ResolvedDir(b);
}

core::Result<std::vector<std::string>> ListLogFiles(const std::string& dir) {
  auto names = Names(dir);
  if (!names.ok()) return names.error();
  std::vector<std::string> paths;
  paths.reserve(names->size());
  for (const std::string& name : *names) paths.push_back(dir + "/" + name);
  return paths;
}

namespace {

// One pass of ScanLogDir over `names`; nullopt when a file vanished since the listing.
core::Result<std::optional<std::vector<LogFileInfo>>> Examine(const std::string& dir,
                                                              std::vector<std::string> names,
                                                              const ArchiveCache* cache) {
  std::vector<LogFileInfo> files;
  files.reserve(names.size());
  for (std::string& name : names) {
    if (cache != nullptr) {
      if (auto it = cache->find(name); it != cache->end()) {
        files.push_back(it->second);
        continue;
      }
    }
    const std::string path = dir + "/" + name;
    // Identity and head come from one open file, so they describe the same inode.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      if (errno == ENOENT) return std::optional<std::vector<LogFileInfo>>();
      return Failure("open " + path, errno);
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return Failure("stat " + path, err);
    }
    char head[state::kFingerprintBytes];
    ssize_t n;
    do {
      n = ::pread(fd, head, sizeof head, 0);
    } while (n < 0 && errno == EINTR);
    int err = errno;
    ::close(fd);
    if (n < 0) return Failure("read " + path, err);
    LogFileInfo info;
    info.kind = *stamp::ParseLogFileName(name);
    info.name = std::move(name);
    info.id.key =
        FileKey{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    info.id.head.assign(head, static_cast<std::size_t>(n));
    info.size = static_cast<std::uint64_t>(st.st_size);
    files.push_back(std::move(info));
  }
  return std::optional<std::vector<LogFileInfo>>(std::move(files));
}

}  // namespace

core::Result<std::vector<LogFileInfo>> ScanLogDir(const std::string& dir, ArchiveCache* cache) {
  // multilog may rotate while we look: `previous` gone before we open it (its archive not in
  // our listing), or `current` already a new file. Every rotation adds an archive name, so a
  // listing taken again unchanged after the files were opened means none happened meanwhile.
  constexpr int kAttempts = 20;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto before = Names(dir);
    if (!before.ok()) return before.error();
    auto files = Examine(dir, *before, cache);
    if (!files.ok()) return files.error();
    if (!*files) continue;
    auto after = Names(dir);
    if (!after.ok()) return after.error();
    if (*after != *before) continue;
    if (cache != nullptr) {
      cache->clear();
      for (const LogFileInfo& f : **files) {
        if (IsArchive(f)) cache->emplace(f.name, f);
      }
    }
    return std::move(**files);
  }
  return core::Error{"unable to read " + dir + ": it kept changing while being listed"};
}

}  // namespace relaywatch::follow
