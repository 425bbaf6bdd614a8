#include "relaywatch/app/daemon_checkpoint.h"

#include "relaywatch/state/checkpoint.h"
#include "relaywatch/store/checkpoint_store.h"

namespace relaywatch::app {

core::Result<CheckpointLoad> LoadDaemonCheckpoint(const std::string& state_dir) {
  CheckpointLoad out;
  store::CheckpointStore cs(state_dir);
  auto loaded = cs.Load();
  if (!loaded) return loaded.error();
  if (!loaded->notice.empty()) out.warnings.push_back(loaded->notice);
  if (!loaded->checkpoint) return out;
  state::Checkpoint& c = *loaded->checkpoint;
  for (const state::SourceCheckpoint& src : c.sources) out.positions[src.dir] = src.position;
  out.state = std::move(c.pipeline);
  return out;
}

}  // namespace relaywatch::app
