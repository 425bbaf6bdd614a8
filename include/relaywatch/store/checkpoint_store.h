// CheckpointStore: the daemon's Checkpoint on disk, committed by one rename.
//
// On-disk states, in state_dir (0700, created on the first Save), the way notqmail's INTERNALS
// describes its queue:
//   checkpoint              the last committed Checkpoint (state/checkpoint.h text, 0600)
//   .checkpoint.tmp         a Save in progress, or one a crash interrupted; never read, and
//                           overwritten by the next Save
//   checkpoint.corrupt-N    a checkpoint that did not decode (cut, changed, another version),
//                           set aside by Load for a person to look at; N = the first free number
//   checkpoint.bad-T        something under the name checkpoint that was never read: not a
//                           regular file (a FIFO, a symlink, a directory, a device) or larger
//                           than kMaxCheckpointBytes (1 GiB); set aside by Load at unix time T
// Save: write .checkpoint.tmp, fsync it; rename it to checkpoint (THE commit: positions, windows
// and ledger change together or not at all); fsync state_dir. A crash before the rename restarts
// from the previous checkpoint, and the lines read since are read again and counted once, because
// their counts were never committed either.
// Load: no checkpoint -> start fresh; a checkpoint that decodes -> it; one that does not, or
// that is not a regular file of at most 1 GiB (read as store/safe_file.h reads) -> moved aside,
// start fresh, and say so. Load never fails on the content of the file, only when the file
// cannot be read at all (permissions, I/O error): then starting fresh would silently re-alert
// everything, so the daemon is told and decides.
//
// Not thread-safe; one daemon per state_dir.
#ifndef RELAYWATCH_STORE_CHECKPOINT_STORE_H_
#define RELAYWATCH_STORE_CHECKPOINT_STORE_H_

#include <optional>
#include <string>

#include "relaywatch/core/result.h"
#include "relaywatch/state/checkpoint.h"

namespace relaywatch::store {

// Set-aside names checkpoint.corrupt-1 .. -kMaxCorruptCopies; past that the last one is replaced.
inline constexpr int kMaxCorruptCopies = 100;

class CheckpointStore {
 public:
  struct Loaded {
    std::optional<state::Checkpoint> checkpoint;  // nullopt: start fresh
    // What the daemon should log: empty after a good load; otherwise why it starts fresh, e.g.
    // "no checkpoint at /var/lib/relaywatch/checkpoint: starting fresh" or "unable to use
    // checkpoint /var/lib/relaywatch/checkpoint: line 29: checksum mismatch: the file is corrupt;
    // moved it to /var/lib/relaywatch/checkpoint.corrupt-1; starting fresh".
    std::string notice;
  };

  explicit CheckpointStore(std::string state_dir);

  // See the top of the file. Error only when the file exists but cannot be read:
  // "unable to read /var/lib/relaywatch/checkpoint: Permission denied".
  core::Result<Loaded> Load();

  // Commits `checkpoint`; on error ("unable to write PATH: reason") the previous one stays whole.
  core::Status Save(const state::Checkpoint& checkpoint);
  // The same for a checkpoint already encoded (state::EncodeCheckpoint's text), so that the
  // thread that writes it need not hold the Checkpoint itself.
  core::Status SaveEncoded(std::string_view text);

  const std::string& path() const { return path_; }

 private:
  std::string state_dir_;
  std::string path_;
};

}  // namespace relaywatch::store

#endif  // RELAYWATCH_STORE_CHECKPOINT_STORE_H_
