// The daemon's side of the checkpoint: DaemonState <-> state::Checkpoint <-> state_dir/checkpoint.
//
// A checkpoint holds every source's Position, every rule's windows (by rule name, kind and window,
// so a changed rule starts empty), the ledger and the counters, written in one atomic write.
// Taking one copies them out of the state and encodes them (on the thread that reads the log); the
// AlertOutbox writes the text on its own thread once the alerts it records are spooled. Loading
// restores windows, ledger and counters into the state and hands back the positions for the
// followers.
#ifndef RELAYWATCH_APP_DAEMON_CHECKPOINT_H_
#define RELAYWATCH_APP_DAEMON_CHECKPOINT_H_

#include <map>
#include <string>
#include <vector>

#include "relaywatch/app/daemon_state.h"
#include "relaywatch/core/result.h"
#include "relaywatch/state/position.h"

namespace relaywatch::app {

struct CheckpointLoad {
  std::map<std::string, state::Position> positions;  // by dir
  std::vector<std::string> warnings;
  bool found = false;
};

// Reads state_dir/checkpoint into `s` (its store and pipeline must exist). A missing checkpoint is
// a first start and a corrupt one is set aside (both with a warning); an unreadable one is an
// error, because starting fresh would re-alert everything.
core::Result<CheckpointLoad> LoadDaemonCheckpoint(DaemonState& s);
// The checkpoint of `s`, encoded (state::EncodeCheckpoint), for AlertOutbox::Commit.
std::string TakeDaemonCheckpoint(const DaemonState& s);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_DAEMON_CHECKPOINT_H_
