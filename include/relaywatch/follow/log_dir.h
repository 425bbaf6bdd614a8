// LogDir: the log files of one multilog directory, in reading order.
//
// ListLogFiles is what `report` reads: every archive (@….s and @….u, oldest first by their
// TAI64N label), then `previous`, then `current`, as full paths. ScanLogDir is what the
// follower needs on top: each file's identity (device, inode) and its first bytes, taken as
// close together as the directory allows; a file that vanishes between listing and stat (multilog
// rotating or pruning meanwhile) is left out, never reported as an error. Names and order come
// from stamp/log_files.h.
#ifndef RELAYWATCH_FOLLOW_LOG_DIR_H_
#define RELAYWATCH_FOLLOW_LOG_DIR_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/follow/file_order.h"

namespace relaywatch::follow {

// `dir` as the kernel resolves it (symlinks, "." and "..", no trailing slash); `dir` itself when
// that fails. SameDir: one directory however it is spelled, so that it is read once, not twice
// (every line counted twice).
std::string ResolvedDir(const std::string& dir);
bool SameDir(const std::string& a, const std::string& b);

// Full paths ("DIR/@4000….s", …, "DIR/current") in reading order. Error: "unable to read DIR:
// REASON" when the directory cannot be listed.
core::Result<std::vector<std::string>> ListLogFiles(const std::string& dir);

// What a scan learned of a directory's archives, by name. multilog never changes an archive once
// it is named (it links a complete, fsynced `previous`, or renames `current` to `.u` at start),
// so a later scan given the cache opens only the files it has not seen: a rotation then costs
// the same with 5 archives or 5,000.
using ArchiveCache = std::unordered_map<std::string, LogFileInfo>;

// The log files of `dir` in reading order, each with its identity and up to kFingerprintBytes
// of its head. Same error as ListLogFiles. With `cache`, archives found in it are not opened
// again, and it is left holding exactly the archives of this listing.
core::Result<std::vector<LogFileInfo>> ScanLogDir(const std::string& dir,
                                                  ArchiveCache* cache = nullptr);

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_FOLLOW_LOG_DIR_H_
