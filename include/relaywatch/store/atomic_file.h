// Atomic files: a file under state_dir is either its old content or its new content, never a mix.
//
// WriteFileAtomic is the one commit primitive of the checkpoint and the spool, the way notqmail
// commits a queue step with one rename: the data goes to a temporary file in the same directory
// (".<name>.tmp", so a reader that lists the directory and skips dot files never sees it), is
// fsynced, renamed over the target, and the directory is fsynced so the rename itself survives a
// power cut. A crash before the rename leaves the old file and a stale temporary (removed by the
// next write, which creates its own: whatever had the name, a FIFO or a symlink, is never opened);
// after it, the new file. Errors read like djb's: "unable to write PATH: No space
// left on device". Nothing here throws.
#ifndef RELAYWATCH_STORE_ATOMIC_FILE_H_
#define RELAYWATCH_STORE_ATOMIC_FILE_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "relaywatch/core/result.h"

namespace relaywatch::store {

// Replaces `path` with `data` (mode `mode`, whatever the umask) as described above. The directory
// must exist. One writer per path at a time (the temporary's name is fixed).
core::Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0600);

// The first half of that commit, shared with WriteFilesAtomic (store/atomic_batch.h): writes
// `data` to the temporary of `path` (its name returned in `tmp`), mode `mode`, fsynced when
// `sync`. A stale temporary is removed first and the new one created O_EXCL|O_NOFOLLOW. Returns 0,
// or the errno with the temporary removed.
int WriteTemporary(const std::string& path, std::string_view data, mode_t mode, bool sync,
                   std::string& tmp);

// The whole content of `path`; nullopt when it does not exist. Read as ReadRegularFile
// (store/safe_file.h) reads, capped at kMaxCheckpointBytes; any other failure (permission, I/O, a
// directory, FIFO or symlink in its place, a file past the cap) is "unable to read PATH: reason".
core::Result<std::optional<std::string>> ReadFileIfExists(const std::string& path);

// "unable to <verb> <path, escaped>: <strerror(err)>".
core::Error FileError(std::string_view verb, std::string_view path, int err);

}  // namespace relaywatch::store

#endif  // RELAYWATCH_STORE_ATOMIC_FILE_H_
