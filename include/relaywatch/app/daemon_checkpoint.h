// The daemon's checkpoint: the sources' Positions and the Pipeline's state, in state_dir.
//
// A checkpoint holds every source's Position and the PipelineState (windows, per-login records,
// what each service's log is known to contain, ledger, stats), written in one atomic write: a line
// is counted once because the Position that says it was read and the state that counted it are
// saved together. Taking one encodes it on the thread that reads the log; the AlertOutbox writes
// the text on its own thread once the alerts it records are spooled.
#ifndef RELAYWATCH_APP_DAEMON_CHECKPOINT_H_
#define RELAYWATCH_APP_DAEMON_CHECKPOINT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/pipeline/pipeline_state.h"
#include "relaywatch/state/position.h"

namespace relaywatch::app {

struct CheckpointLoad {
  std::map<std::string, state::Position> positions;  // by dir
  std::optional<pipeline::PipelineState> state;      // for Pipeline::Restore
  std::vector<std::string> warnings;
};

// Reads state_dir/checkpoint. A missing checkpoint is a first start and a corrupt one is set
// aside (both with a warning); an unreadable one is an error, because starting fresh would
// re-alert everything.
core::Result<CheckpointLoad> LoadDaemonCheckpoint(const std::string& state_dir);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_DAEMON_CHECKPOINT_H_
