// ChildProcess: runs one program from an argv vector, feeds it stdin, collects its output, and
// never waits longer than a deadline. The only place relaywatch starts other programs.
//
// Guarantees: no shell is involved (posix_spawn of argv[0], an absolute path, with argv as given);
// the child gets only fds 0-2 (stdin a pipe, stdout and stderr one shared pipe; every other fd is
// closed), default signal dispositions and an empty signal mask, its own process group, and
// exactly the environment asked for. At the deadline the whole process group is killed with
// SIGKILL and reaped. Output beyond `output_limit` bytes is read and discarded, so a chatty child
// never blocks. A child that closes stdin early (or exits without reading it) is not an error;
// SIGPIPE is blocked in the calling thread while writing and a pending one is consumed, so the
// daemon never dies of it. Safe to call from several threads at once.
#ifndef RELAYWATCH_DELIVER_CHILD_PROCESS_H_
#define RELAYWATCH_DELIVER_CHILD_PROCESS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::deliver {

struct ChildRequest {
  std::vector<std::string> argv;                // argv[0]: absolute path of the program
  std::optional<std::vector<std::string>> env;  // "NAME=value" each; nullopt = inherit ours
  std::string input;                            // written to stdin, which is then closed
  core::Duration timeout = std::chrono::seconds(30);
  std::size_t output_limit = 4096;  // of stdout and stderr together
};

enum class ChildEnd {
  kExited,      // `code` is the exit status
  kSignaled,    // `code` is the signal that killed it
  kTimedOut,    // killed (SIGKILL to its process group) at the deadline
  kNotStarted,  // `code` is the errno of posix_spawn (or of pipe)
};

struct ChildOutcome {
  ChildEnd end = ChildEnd::kNotStarted;
  int code = 0;
  std::string output;  // the first output_limit bytes of stdout and stderr, interleaved
  bool output_truncated = false;
};

// Runs `request` to completion or to its deadline. Never throws.
ChildOutcome RunChild(const ChildRequest& request);

// One line for a person, naming the program: "/usr/sbin/sendmail exited 75", "... killed by
// signal 9 (SIGKILL)", "... did not finish within 2s; killed", "unable to run /x: No such file or
// directory"; then ": <output>" when the program said something (escaped and bounded, see
// detail_text.h).
std::string DescribeOutcome(const ChildRequest& request, const ChildOutcome& outcome);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_CHILD_PROCESS_H_
