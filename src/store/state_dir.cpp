#include "relaywatch/store/state_dir.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "relaywatch/core/text.h"
#include "relaywatch/store/dir_ops.h"

namespace relaywatch::store {
namespace {

// spool/<channel>/sent/<file> is four levels below state_dir; nothing the daemon writes is deeper.
constexpr int kMaxDepth = 4;
// Enough for every sent/ marker of a busy year; the walk stays bounded whatever is there.
constexpr std::size_t kMaxEntries = 200000;

std::string Esc(std::string_view s) { return core::EscapeForLog(s); }

struct Foreign {
  std::string first;  // the first entry (in sorted order) not owned by the user
  uid_t owner = 0;
  std::size_t count = 0;
  std::size_t visited = 0;
};

// Counts the entries under `dir` (depth `depth` and below) that `uid` does not own.
void FindForeign(const std::string& dir, uid_t uid, int depth, Foreign& found) {
  core::Result<std::vector<std::string>> names = ListDir(dir);
  if (!names) return;  // an unreadable subdirectory is foreign itself, or the daemon says so later
  for (const std::string& name : *names) {
    if (++found.visited > kMaxEntries) return;
    const std::string path = dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (st.st_uid != uid) {
      if (found.count++ == 0) {
        found.first = path;
        found.owner = st.st_uid;
      }
    }
    if (S_ISDIR(st.st_mode) && depth < kMaxDepth) FindForeign(path, uid, depth + 1, found);
  }
}

std::string Mode(mode_t mode) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return text.data();
}

}  // namespace

std::string UserName(uid_t uid) {
  std::array<char, 4096> buf{};
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return "uid " + std::to_string(uid);
}

std::optional<std::string> StateDirProblem(const std::string& dir, uid_t uid) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return std::nullopt;  // created 0700 when it is needed
  const std::string user = UserName(uid);
  const std::string runs_as = ", the user relaywatch runs as";
  if (!S_ISDIR(st.st_mode)) {
    return Esc(dir) + " is not a directory; set state_dir to a directory of its own";
  }
  // Mode first: for a shared directory like /tmp the fix is another state_dir, not a chown.
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    const std::string by = (st.st_mode & S_IWOTH) != 0 ? "other users" : "its group";
    if ((st.st_mode & S_ISVTX) != 0) {
      return Esc(dir) + " is writable by " + by + " (mode " + Mode(st.st_mode) +
             ", a shared directory); set state_dir to a directory of its own, such as "
             "/var/lib/relaywatch";
    }
    return Esc(dir) + " is writable by " + by + " (mode " + Mode(st.st_mode) +
           "); run: chmod 700 " + Esc(dir);
  }
  if (st.st_uid != uid) {
    const std::string owner = UserName(st.st_uid);
    if (uid == 0) {
      // Root could use it, but would leave files its owner cannot write: the supervised daemon
      // would then fail on them once a second.
      return Esc(dir) + " belongs to " + owner + ", not to root" + runs_as +
             "; run relaywatch as " + owner + " (as its service does: setuidgid " + owner + ")";
    }
    return Esc(dir) + " belongs to " + owner + ", not to " + user + runs_as + "; run: chown -R " +
           user + ": " + Esc(dir);
  }
  Foreign found;
  FindForeign(dir, uid, 1, found);
  if (found.count == 0) return std::nullopt;
  std::string problem =
      Esc(found.first) + " belongs to " + UserName(found.owner) + ", not to " + user + runs_as;
  if (found.count > 1) {
    problem += " (and " + std::to_string(found.count - 1) + " more in " + Esc(dir) + ")";
  }
  return problem + "; run: chown -R " + user + ": " + Esc(dir);
}

core::Status PrepareStateDir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return core::Error{"unable to use state_dir " + Esc(dir) + ": " + std::strerror(errno)};
    }
    if (core::Status made = EnsureDir(dir, 0700); !made) return made;
  }
  if (std::optional<std::string> problem = StateDirProblem(dir, ::geteuid())) {
    return core::Error{"unable to use state_dir " + Esc(dir) + ": " + *problem};
  }
  return core::OkStatus();
}

core::Result<int> LockStateDir(const std::string& dir) {
  const std::string lock = dir + "/lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (fd < 0) return core::Error{"unable to open " + lock + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return core::Error{"unable to lock " + lock + ": another relaywatch runs with this state_dir"};
  }
  return fd;
}

}  // namespace relaywatch::store
