// SourceSet: the daemon's followed log directories, one Follower each, feeding one Pipeline.
//
// Starts a Follower per discovered source (from its checkpointed Position, else from a warm start
// or the end), hands every decoded line to the Pipeline under the source's id, and keeps the
// Position after the last line the Pipeline consumed (the checkpoint saves those). On a reload it
// re-registers the kept sources with the new Pipeline, releases the ones no longer configured
// (remembering where they were, so that following one again later resumes there), and starts the
// new ones. Lines over 64 KiB are counted by the Pipeline (DecodedLine::cut); this says so in the
// log, once per burst.
#ifndef RELAYWATCH_APP_SOURCE_SET_H_
#define RELAYWATCH_APP_SOURCE_SET_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/follow/asio.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/follower.h"
#include "relaywatch/pipeline/pipeline.h"
#include "relaywatch/state/checkpoint.h"

namespace relaywatch::app {

// What `status` shows of one source.
struct SourceStatus {
  std::string service;
  std::string dir;
  std::uint64_t lines = 0;
  double lines_per_second = 0;  // since the previous status query or metrics write
  std::optional<state::Position> position;
  follow::FollowerStats follower;
  std::string waiting_reason;  // Follower::waiting_reason(): "" while it follows
  std::optional<std::chrono::steady_clock::time_point> last_gap;  // since this start
};

// A gap this recent makes a source's state "gap" (status, and WARNING for status --nagios).
inline constexpr auto kRecentGap = std::chrono::hours(1);

// "waiting" (waiting_reason says why), "gap" (a gap within kRecentGap of `now`), or "following".
std::string_view SourceState(const SourceStatus& s, std::chrono::steady_clock::time_point now);

class SourceSet {
 public:
  struct Hooks {
    std::function<void()> on_batch_end;  // after each read burst of any source
    std::function<void(const follow::Source&, const follow::Gap&)> on_gap;
    std::function<void(const std::string&)> on_info, on_warning;
  };

  SourceSet(net::io_context& io, core::LocalZone zone, Hooks hooks);
  ~SourceSet();

  // The sources `config` names or discovers; each problem, and finding none (`hint` says where
  // to look), is a warning.
  std::vector<follow::Source> Discover(const config::SourcesConfig& config, std::string_view hint);
  // Follows `sources`, each from positions[dir] when there is one, else from `warm_since` when
  // set, else from the end; lines go to `pipe`.
  void Start(const std::vector<follow::Source>& sources, pipeline::Pipeline& pipe,
             const std::map<std::string, state::Position>& positions,
             std::optional<core::Timestamp> warm_since);
  // After a reload: `pipe` is the new Pipeline, `sources` what the new config discovers.
  void Reconcile(const std::vector<follow::Source>& sources, pipeline::Pipeline& pipe,
                 std::optional<core::Timestamp> warm_since);
  void Stop();

  // Each source read from (for the checkpoint); a source with nothing read is left out, so a
  // restart starts it afresh.
  std::vector<state::SourceCheckpoint> Positions() const;
  // Also measures the rates (lines per second since the last call).
  std::vector<SourceStatus> Status();
  std::size_t size() const { return followed_.size(); }

 private:
  struct Followed;
  void Follow(const follow::Source& src, std::optional<state::Position> from,
              std::optional<core::Timestamp> warm_since, std::string_view resumed);
  void NoteCutLines(Followed& f);

  net::io_context& io_;
  core::LocalZone zone_;
  Hooks hooks_;
  pipeline::Pipeline* pipe_ = nullptr;
  std::map<std::string, std::unique_ptr<Followed>> followed_;  // by dir
  // Where a source a reload released had read to, by dir: a later reload that follows the dir
  // again (renamed service, a swap undone) resumes there instead of reading back and counting
  // again what was counted.
  std::map<std::string, state::Position> released_;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_SOURCE_SET_H_
