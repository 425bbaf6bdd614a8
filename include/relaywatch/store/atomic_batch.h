// WriteFilesAtomic: several files of one directory committed as WriteFileAtomic commits one
// (store/atomic_file.h), for two disk commits per batch instead of two per file.
//
// Each file's data goes to ".<name>.tmp" in `dir`; then one syncfs(2) makes all of it durable, each
// temporary is renamed over its name, and one fsync of `dir` makes the renames durable. A crash
// leaves each file either as it was or with its new content, and at most stale temporaries (the
// spool removes those when it next reads the directory). A file whose temporary cannot be written
// (ENOSPC, EROFS, EACCES, EMFILE...) fails alone, with "unable to write PATH: reason", and is left
// as it was; a failed sync or directory fsync fails every file of the batch that got that far
// (whose rename may or may not have happened: writing them again is how to retry).
#ifndef RELAYWATCH_STORE_ATOMIC_BATCH_H_
#define RELAYWATCH_STORE_ATOMIC_BATCH_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "relaywatch/core/result.h"

namespace relaywatch::store {

// (name in `dir`, content).
using NamedData = std::pair<std::string, std::string>;

// One Status per file of `files`, in order. `dir` must exist; the names must be plain file names.
std::vector<core::Status> WriteFilesAtomic(const std::string& dir,
                                           const std::vector<NamedData>& files, mode_t mode = 0600);

}  // namespace relaywatch::store

#endif  // RELAYWATCH_STORE_ATOMIC_BATCH_H_
