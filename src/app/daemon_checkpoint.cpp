#include "relaywatch/app/daemon_checkpoint.h"

#include "relaywatch/state/checkpoint.h"
#include "relaywatch/store/checkpoint_store.h"

namespace relaywatch::app {

core::Result<CheckpointLoad> LoadDaemonCheckpoint(DaemonState& s) {
  CheckpointLoad out;
  store::CheckpointStore cs(s.config.state_dir);
  auto loaded = cs.Load();
  if (!loaded) return loaded.error();
  if (!loaded->notice.empty()) out.warnings.push_back(loaded->notice);
  if (!loaded->checkpoint) return out;
  out.found = true;
  state::Checkpoint& c = *loaded->checkpoint;
  for (const state::SourceCheckpoint& src : c.sources) out.positions[src.dir] = src.position;
  const auto& rules = s.config.rules;
  for (state::RuleWindows& rw : c.windows) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      // A rule whose kind or window changed while we were down starts empty.
      if (rules[i].name == rw.rule && rules[i].kind() == rw.kind && rules[i].window == rw.window) {
        s.store->Import(i, std::move(rw.keys));
      }
    }
  }
  s.pipeline->ledger().Restore(std::move(c.ledger));
  s.pipeline->stats() = std::move(c.stats);
  return out;
}

std::string TakeDaemonCheckpoint(const DaemonState& s) {
  state::Checkpoint c;
  for (const auto& [dir, src] : s.sources) {
    if (!src->position) continue;  // nothing read yet: a restart starts this source afresh
    c.sources.push_back({src->source.service, src->source.dir, *src->position});
  }
  const auto& rules = s.pipeline->detector().rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    c.windows.push_back({rules[i].name, rules[i].kind(), rules[i].window, s.store->Export(i)});
  }
  c.ledger = s.pipeline->ledger().Entries();
  c.stats = s.pipeline->stats();
  return state::EncodeCheckpoint(c);
}

}  // namespace relaywatch::app
