// Checkpoint: the whole daemon state that must survive a restart, as one versioned text: the read
// positions and the pipeline's one state value (pipeline/pipeline_state.h).
//
// Positions, windows and the dedup ledger are committed together (DESIGN "Exactly once"): a line
// is counted once because the Position that says it was read and the windows that counted it are
// saved in one file, replaced by one rename (store/checkpoint_store.h). This unit is the pure half:
// Checkpoint <-> text. Decode(Encode(c)) == c for every Checkpoint, whatever bytes the keys,
// senders and reasons hold, and a file that was cut short, has a changed byte, or is of another
// version is refused with an error naming the line, never half-read.
//
// The format (state/record_text: one record per line, fields escaped to printable ASCII, "\-" for
// the empty string, times and durations in nanoseconds since the Unix epoch):
//   relaywatch-checkpoint 2
//   source SERVICE DIR DEVICE INODE FINGERPRINT FINGERPRINT_LEN OFFSET LAST_STAMP|-
//   rule NAME KIND WINDOW              the windows of one rule; KIND as detect::RuleKindName
//   evicted COUNT                        keys the rule above evicted (version 2)
//   key KEY                              one key of the rule above
//   bucket INDEX COUNT FIRST             a counting slice of the key above, ascending INDEX
//   distinct VALUE LAST FIRST            a distinct value (client IP) of the key above
//   service NAME QLOG(0|1) LAST_RCPT     what a service's log is known to contain (version 2)
//   session-pid SERVICE\0PID ADDRESS     SessionTracker (version 2)
//   session-login SERVICE\0ADDRESS LOGIN
//   page KEY LAST                        a SampleBook page (version 2), then its:
//   page-sender SENDER COUNT / page-ip ADDRESS COUNT / page-rcpt RECIPIENT
//   ledger RULE KEY LAST_ALERT LAST_COUNT PERIOD OPEN(0|1) KIND LIMIT WINDOW
//   stat NAME VALUE                      pipeline::Stats counters (an unknown NAME is skipped)
//   malformed REASON COUNT               Stats::malformed_by_reason
//   sample TEXT                          Stats::malformed_samples, in order
//   maintained SLOT                      PipelineState::maintenance_slot (version 2)
//   checksum HEX16                       FNV-1a 64 of every byte before this line
// Version 1 files (written before the version 2 records existed) are read too. Windows are kept
// by rule name with kind and window; detect::Detector::Restore matches them to the rules.
#ifndef RELAYWATCH_STATE_CHECKPOINT_H_
#define RELAYWATCH_STATE_CHECKPOINT_H_

#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"
#include "relaywatch/pipeline/pipeline_state.h"
#include "relaywatch/state/position.h"

namespace relaywatch::state {

inline constexpr int kCheckpointVersion = 2;
inline constexpr int kOldestCheckpointVersion = 1;  // still read

// How far one Source (one multilog directory) has been read.
struct SourceCheckpoint {
  std::string service;
  std::string dir;
  Position position;
  friend bool operator==(const SourceCheckpoint&, const SourceCheckpoint&) = default;
};

using detect::RuleWindows;

struct Checkpoint {
  std::vector<SourceCheckpoint> sources;
  pipeline::PipelineState pipeline;  // its windows' rule names are distinct
};

// The checkpoint as text, checksum line included. Never fails.
std::string EncodeCheckpoint(const Checkpoint& checkpoint);

// The checkpoint `text` holds. Errors name the line: "line 1: unsupported checkpoint version 3
// (this relaywatch reads versions 1 to 2)", "line 40: checksum mismatch: the file is corrupt",
// "line 7: bucket count: expected an unsigned integer, got \"x\"", "line 9: key before any rule".
// Besides the syntax it refuses what the window code could not take: a window that is not
// positive, buckets not in ascending index order, a fingerprint length over kFingerprintBytes,
// a rule name given twice.
core::Result<Checkpoint> DecodeCheckpoint(std::string_view text);

}  // namespace relaywatch::state

#endif  // RELAYWATCH_STATE_CHECKPOINT_H_
