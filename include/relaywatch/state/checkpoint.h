// Checkpoint: the whole daemon state that must survive a restart, as one versioned text.
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
//   relaywatch-checkpoint 1
//   source SERVICE DIR DEVICE INODE FINGERPRINT FINGERPRINT_LEN OFFSET LAST_STAMP|-
//   rule NAME KIND WINDOW              the windows of one rule; KIND as detect::RuleKindName
//   key KEY                              one key of the rule above
//   bucket INDEX COUNT FIRST             a counting slice of the key above, ascending INDEX
//   distinct VALUE LAST FIRST            a distinct value (client IP) of the key above
//   ledger RULE KEY LAST_ALERT LAST_COUNT PERIOD OPEN(0|1) KIND LIMIT WINDOW
//   stat NAME VALUE                      pipeline::Stats counters (an unknown NAME is skipped)
//   malformed REASON COUNT               Stats::malformed_by_reason
//   sample TEXT                          Stats::malformed_samples, in order
//   checksum HEX16                       FNV-1a 64 of every byte before this line
// Windows are kept by rule name with kind and window, so a reload can keep the windows of the
// rules that did not change and drop the others (the caller compares).
#ifndef RELAYWATCH_STATE_CHECKPOINT_H_
#define RELAYWATCH_STATE_CHECKPOINT_H_

#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/ledger.h"
#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/detect/rule_spec.h"
#include "relaywatch/pipeline/stats.h"
#include "relaywatch/state/position.h"

namespace relaywatch::state {

inline constexpr int kCheckpointVersion = 1;

// How far one Source (one multilog directory) has been read.
struct SourceCheckpoint {
  std::string service;
  std::string dir;
  Position position;
  friend bool operator==(const SourceCheckpoint&, const SourceCheckpoint&) = default;
};

// The windows of one rule, as MemoryWindowStore::Export gives them.
struct RuleWindows {
  std::string rule;  // the rule's name
  detect::RuleKind kind = detect::RuleKind::kVolume;
  core::Duration window{};  // positive
  std::vector<detect::KeyWindowState> keys;
  friend bool operator==(const RuleWindows&, const RuleWindows&) = default;
};

struct Checkpoint {
  std::vector<SourceCheckpoint> sources;
  std::vector<RuleWindows> windows;  // rule names are distinct
  std::vector<alerting::Ledger::Entry> ledger;
  pipeline::Stats stats;
};

// The checkpoint as text, checksum line included. Never fails.
std::string EncodeCheckpoint(const Checkpoint& checkpoint);

// The checkpoint `text` holds. Errors name the line: "line 1: unsupported checkpoint version 2
// (this relaywatch reads version 1)", "line 40: checksum mismatch: the file is corrupt",
// "line 7: bucket count: expected an unsigned integer, got \"x\"", "line 9: key before any rule".
// Besides the syntax it refuses what the window code could not take: a window that is not
// positive, buckets not in ascending index order, a fingerprint length over kFingerprintBytes,
// a rule name given twice.
core::Result<Checkpoint> DecodeCheckpoint(std::string_view text);

}  // namespace relaywatch::state

#endif  // RELAYWATCH_STATE_CHECKPOINT_H_
