// DaemonState: what the daemon holds between lines, shared by its parts (lifecycle, status,
// checkpoint glue). Internal to app/: one struct so that daemon.cpp, daemon_status.cpp and
// daemon_checkpoint.cpp each stay one job.
#ifndef RELAYWATCH_APP_DAEMON_STATE_H_
#define RELAYWATCH_APP_DAEMON_STATE_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/follow/follower.h"
#include "relaywatch/pipeline/pipeline.h"
#include "relaywatch/state/position.h"

namespace relaywatch::app {

struct FollowedSource {
  follow::Source source;
  std::size_t pipeline_id = 0;
  std::unique_ptr<follow::Follower> follower;
  std::optional<state::Position> position;  // after the last line the pipeline consumed
  std::uint64_t lines = 0;
  std::uint64_t long_lines_seen = 0;  // of follower->stats().long_lines, already in the pipeline's
  // lines/s over the last status interval
  std::uint64_t rate_lines = 0;
  std::chrono::steady_clock::time_point rate_since = std::chrono::steady_clock::now();
  double rate = 0;
};

struct DaemonState {
  std::string config_path;
  config::Config config;
  core::LocalZone zone;
  std::unique_ptr<detect::MemoryWindowStore> store;
  std::unique_ptr<pipeline::Pipeline> pipeline;
  std::map<std::string, std::unique_ptr<FollowedSource>> sources;  // by dir
  // Where a source a reload released had read to, by dir: a later reload that follows the dir
  // again (renamed service, a swap undone) resumes there instead of reading back and counting
  // again what was counted.
  std::map<std::string, state::Position> released;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // The AlertOutbox's counts (AlertOutbox::Counts), copied in at each status query.
  std::uint64_t checkpoints = 0;
  std::uint64_t alerts_spooled = 0;
  std::uint64_t alerts_unspooled = 0;  // admitted, not yet in the spool (held while it refuses)
  std::uint64_t spool_errors = 0;
  std::uint64_t alerts_not_paged = 0;  // older than max_age (warm start catch-up)
  std::uint64_t gaps = 0;
};

// The status document `relaywatch status` prints (JSON, or text for people).
std::string DaemonStatusJson(DaemonState& s, const std::string& dispatcher_json);
std::string DaemonStatusText(DaemonState& s, const std::string& dispatcher_text);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_DAEMON_STATE_H_
