// Directory operations for state_dir, each made durable before it returns.
//
// A rename or unlink is only a commit once the directory that holds it is on disk, so every
// function here fsyncs the directories it changed. Used by the checkpoint store and the spool;
// errors read "unable to <verb> PATH: reason". Nothing here throws.
#ifndef RELAYWATCH_STORE_DIR_OPS_H_
#define RELAYWATCH_STORE_DIR_OPS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "relaywatch/core/result.h"

namespace relaywatch::store {

// Creates `path` and its missing parents with `mode` (exactly, whatever the umask); existing
// directories are left as they are. Fails when a component exists and is not a directory.
core::Status EnsureDir(const std::string& path, mode_t mode = 0700);

// The names in `dir` (not "." and ".."), sorted bytewise.
core::Result<std::vector<std::string>> ListDir(const std::string& dir);

// True when something (file, directory, dangling symlink) has the name `path`.
bool PathExists(const std::string& path);

// Unlinks `path` and fsyncs its directory; a missing `path` is not an error.
core::Status RemoveFile(const std::string& path);

// Renames `from` to `to` (replacing `to`) and fsyncs both directories.
core::Status RenameFile(const std::string& from, const std::string& to);

// fsyncs the directory `dir`.
core::Status SyncDir(const std::string& dir);

// The directory part of `path` ("." when it has none).
std::string DirName(const std::string& path);

}  // namespace relaywatch::store

#endif  // RELAYWATCH_STORE_DIR_OPS_H_
