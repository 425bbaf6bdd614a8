// Log file names in a multilog directory, and the order a reader must take them in.
//
// multilog writes `current`; when it is full it renames it to `previous`, hard-links that as
// `@<tai64n>.s` ("safely written") and unlinks `previous`. After a crash it archives the
// leftover `previous` and `current` as `@<tai64n>.u` ("unfinished"). The label is the time of
// archiving, so archives sort by it, `previous` (never archived yet) comes after them all and
// `current` last. Everything else in the directory (lock, state, newstate, processed, a
// processor's files, editor backups) is not a log file and is ignored.
#ifndef RELAYWATCH_STAMP_LOG_FILES_H_
#define RELAYWATCH_STAMP_LOG_FILES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::stamp {

enum class LogFileKind {
  kCurrent,            // "current"
  kPrevious,           // "previous": a full current on its way to becoming an archive
  kArchiveDone,        // "@<24 hex>.s"
  kArchiveUnfinished,  // "@<24 hex>.u"
};

struct LogFileName {
  LogFileKind kind = LogFileKind::kCurrent;
  core::Timestamp time{};  // the archive's TAI64N label; archives only
  friend bool operator==(const LogFileName&, const LogFileName&) = default;
};

// What a directory entry named `name` is: "current", "previous", or '@' + a TAI64N label
// ParseTai64nLabel accepts + ".s" or ".u". Returns nullopt for any other name.
std::optional<LogFileName> ParseLogFileName(std::string_view name);

// "@<lowercase 24 hex>.s", or ".u" when `unfinished`: the name multilog gives an archive made
// at `t`.
std::string ArchiveName(core::Timestamp t, bool unfinished);

// The log files among `names` (directory entries, any order), in the order a reader must take
// them: archives oldest first, then `previous`, then `current`; other names are dropped.
// Archives with the same time (which multilog cannot make in one directory) put `.s` before
// `.u` — multilog's restart archives `processed`/`previous` before the unfinished `current` —
// and are otherwise ordered by name, so the order never depends on the input's.
std::vector<std::string> OrderLogFiles(std::vector<std::string> names);

}  // namespace relaywatch::stamp

#endif  // RELAYWATCH_STAMP_LOG_FILES_H_
