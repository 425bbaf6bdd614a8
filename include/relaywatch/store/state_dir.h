// state_dir: the daemon's private directory (lock, checkpoint, spool, status socket).
//
// What is in it decides what is counted and what is paged, so it must belong to the user the
// daemon runs as and be writable by nobody else. An existing state_dir is never chmod-ed or
// chown-ed here (state_dir: /tmp must not make /tmp private): one that is not right is refused
// with a line that says the fix. A root-run daemon would leave root-owned files that the
// supervised one (as relaywatch) cannot write, so a file in it owned by another user is refused
// too, with the chown to run. `relaywatch check` reports the same problems as warnings.
#ifndef RELAYWATCH_STORE_STATE_DIR_H_
#define RELAYWATCH_STORE_STATE_DIR_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "relaywatch/core/result.h"

namespace relaywatch::store {

// Why `dir` is not a private state_dir for the user `uid`, as one line ending in the fix, e.g.
// "/var/lib/relaywatch/checkpoint belongs to root, not to relaywatch, the user relaywatch runs
// as; run: chown -R relaywatch: /var/lib/relaywatch"; nullopt when it is, or does not exist.
// Checked: `dir` (symlinks followed) is a directory owned by `uid` and not writable by its group
// or others; every entry under it, down to spool/<channel>/{sent,failed}/<file>, is owned by
// `uid` (entries are lstat-ed, never opened or followed).
std::optional<std::string> StateDirProblem(const std::string& dir, uid_t uid);

// Makes `dir` ready for the daemon running as the effective user: creates it (and its missing
// parents) 0700 when missing, and refuses an existing one with a StateDirProblem. Errors read
// "unable to use state_dir DIR: PROBLEM" or "unable to create directory DIR: reason".
core::Status PrepareStateDir(const std::string& dir);

// Takes dir/lock (created 0600) with an exclusive flock held as long as the returned descriptor
// is open: one daemon per state_dir, since a second one would count every line twice.
core::Result<int> LockStateDir(const std::string& dir);

// The name of user `uid` ("relaywatch"), or "uid 998" when it has none.
std::string UserName(uid_t uid);

}  // namespace relaywatch::store

#endif  // RELAYWATCH_STORE_STATE_DIR_H_
