// Discovery: which multilog directories to follow, read from daemontools `log/run` scripts.
//
// A qmail service under daemontools logs through `<supervise>/<service>/log/run`, a shell script
// that ends in `exec … multilog ACTIONS DIR…`. multilog takes every argument that starts with `/`
// or `.` as a directory (a relative one is relative to the log dir, where supervise starts it);
// everything else is an action (t, d, s…, n…, !…, +pattern, -pattern, =file, e). This unit finds
// those directories without running the script: it follows the script's own variable assignments
// (LOGDIR=/var/log/qmail/smtpd then $LOGDIR/qlog), `${X:-default}`, `cd`, quotes, continuations,
// redirections, and the chain-loaders that may precede multilog (exec, setuidgid, envuidgid,
// envdir, softlimit, setlock, env, nice, chpst, fghack, pgrphack, nohup, their s6- forms, any of
// them by absolute path). A directory it cannot know for sure (a command substitution, a variable
// the script never sets) is reported as a problem, never guessed.
//
// DiscoverFromRunScript is pure; DiscoverSources is the edge that reads the supervise tree.
#ifndef RELAYWATCH_FOLLOW_DISCOVERY_H_
#define RELAYWATCH_FOLLOW_DISCOVERY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "relaywatch/config/config.h"

namespace relaywatch::follow {

// A multilog directory as the script names it: absolute, or relative to the log dir (after any
// `cd` in the script, joined lexically).
struct DiscoveredDir {
  std::string dir;
  int line = 1;  // where the multilog command starts
  // A '+' or '-' pattern came before it in the command: it gets only some of the lines (sagredo's
  // `'-*' '+*qlog*' $LOGDIR/qlog` next to $LOGDIR, which gets them all).
  bool filtered = false;
  // multilog's `s` and `n` in effect for it, as multilog reads them (the last before it; 99999
  // and 10 when none; s kept within 4096..16777215, n at least 2); nullopt when the script sets
  // it from what only the shell knows (`s$LOGSIZE` with LOGSIZE from a command substitution).
  std::optional<std::uint64_t> size = 99999;
  std::optional<std::uint64_t> num = 10;
  friend bool operator==(const DiscoveredDir&, const DiscoveredDir&) = default;
};

// The archives multilog keeps besides `current`, s × (n − 1) bytes: how much it can write while
// relaywatch is stopped or behind before it prunes a file relaywatch has not read. nullopt when
// s or n is not known.
std::optional<std::uint64_t> ArchiveBytes(const DiscoveredDir& dir);

// What relaywatch asks of ArchiveBytes: kArchiveSeconds of log at kPeakLinesPerSecond lines of
// kLineBytes (a busy server's peak; a chkuser line with its stamp), enough for a restart or a stop
// of relaywatch during a burst. The README says what was measured.
inline constexpr std::uint64_t kPeakLinesPerSecond = 1000;
inline constexpr std::uint64_t kLineBytes = 180;
inline constexpr std::uint64_t kArchiveSeconds = 60;
inline constexpr std::uint64_t kMinArchiveBytes =
    kArchiveSeconds * kPeakLinesPerSecond * kLineBytes;

// Something in the script that keeps discovery from knowing a directory.
struct RunScriptProblem {
  int line = 1;
  std::string message;  // e.g. "multilog directory $LOGDIR depends on the unset variable LOGDIR"
  friend bool operator==(const RunScriptProblem&, const RunScriptProblem&) = default;
};

using RunScriptFinding = std::variant<DiscoveredDir, RunScriptProblem>;

// Every multilog directory of `script_text`, in argument order, and a problem for each argument
// that could be a directory but depends on what only the shell knows. A script with no multilog
// command gives one problem ("no multilog command found").
std::vector<RunScriptFinding> DiscoverFromRunScript(std::string_view script_text);

// A multilog directory to follow, and the service it belongs to (the supervise directory name,
// or the `service` of an explicit `sources.logs` entry).
struct Source {
  std::string service;
  std::string dir;  // absolute and lexically normal
  friend bool operator==(const Source&, const Source&) = default;
};

struct DiscoveryResult {
  std::vector<Source> sources;        // discovered (by service name, then script order), then logs
  std::vector<std::string> problems;  // "PATH:LINE: message" or "PATH: reason"
  // Each directory found in a log/run script (by Source::dir): the script ("PATH:LINE") and the
  // multilog command's view of it.
  std::map<std::string, std::pair<std::string, DiscoveredDir>> scripts;
};

// Reads every `<supervise_dir>/<service>/log/run` (entries starting with '.' are skipped, and
// relaywatch's own service unless `config.services` names it; symlinks are followed, and a
// relative directory going up with ".." is taken from the log dir's real path, as multilog's
// working directory is), keeps the services listed in `config.services` (all when empty), and
// adds `config.logs`. A directory found twice is listed once (an explicit log entry wins; two
// services in one directory is a problem). A
// filtered directory of a multilog command that also writes an unfiltered one holds copies of
// lines read there: it is left out (reading it would count those lines twice) and said so in
// `problems`. A listed service that has no log/run, an unreadable file or a script problem is a
// problem; the rest is still returned. An empty supervise_dir turns discovery off.
DiscoveryResult DiscoverSources(const config::SourcesConfig& config);

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_FOLLOW_DISCOVERY_H_
