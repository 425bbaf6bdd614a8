// Safe files: reading a file under state_dir without trusting what is there.
//
// The daemon wrote the checkpoint, the spooled alerts and the send-times itself, but anything can
// sit under their names by the time it reads them again: a FIFO (an open() that never returns,
// a read that waits for ever), a symlink to /dev/zero (a read that never ends), a directory, a
// file of gigabytes. ReadRegularFile opens with O_NOFOLLOW | O_NONBLOCK, so neither a symlink nor
// a FIFO is followed or waited on, checks by fstat that it holds a regular file, and reads at most
// a cap given per kind of file; anything else is "rejected" with a reason, never read.
// SetAsideBadFile then moves the rejected entry out of the way (a rename: it is never opened) so
// the daemon carries on and a person can look at it. Nothing here throws.
#ifndef RELAYWATCH_STORE_SAFE_FILE_H_
#define RELAYWATCH_STORE_SAFE_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "relaywatch/core/result.h"

namespace relaywatch::store {

// The caps, per kind of file (README, "Local files"). A checkpoint of 100,000 logins in 24 h
// windows is 13 MB; an alert is a few KiB (each field at most one 64 KiB log line); send-times is
// one line per alert sent in the last hour; a sent/ marker is one line.
inline constexpr std::size_t kMaxCheckpointBytes = std::size_t{1} << 30;  // 1 GiB
inline constexpr std::size_t kMaxAlertFileBytes = std::size_t{16} << 20;  // 16 MiB
inline constexpr std::size_t kMaxSendTimesBytes = std::size_t{1} << 20;   // 1 MiB
inline constexpr std::size_t kMaxMarkerBytes = 4096;

struct RegularFile {
  enum class State {
    kRead,      // `content` holds the whole file
    kMissing,   // nothing has the name
    kRejected,  // something is there that must not be read; `problem` says what
  };
  State state = State::kMissing;
  std::string content;
  // kRejected: what is there against what was expected, e.g. "it is a FIFO, expected a regular
  // file of at most 1 MiB" or "it is 2147483648 bytes, more than the 1 GiB a checkpoint may be".
  std::string problem;
};

// Reads `path` as described above. Error only when the file cannot be opened or read for a reason
// other than what it is (permissions, I/O, a parent that is not a directory):
// "unable to read PATH: Permission denied".
core::Result<RegularFile> ReadRegularFile(const std::string& path, std::size_t max_bytes);

// "1 GiB", "16 MiB", "4096 bytes": a cap as the messages and the README write it.
std::string FormatByteCap(std::size_t bytes);

// Moves whatever `path` names (any type; it is not opened) to `to_dir`/<name>.bad-<unix seconds>
// (`to_dir` empty: the directory of `path`), adding -2, -3... when that exists, and fsyncs the
// directories. Returns the new path; errors read "unable to rename FROM to TO: reason".
core::Result<std::string> SetAsideBadFile(const std::string& path, const std::string& to_dir = {});

}  // namespace relaywatch::store

#endif  // RELAYWATCH_STORE_SAFE_FILE_H_
