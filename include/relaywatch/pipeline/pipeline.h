// Pipeline: DecodedLine -> Event -> Findings -> Alerts, the same for `run` and `report`.
//
// Both feed it decode::DecodedLines (decode/line_decoder.h, the one front end): the daemon from
// its Followers, `report` from the stored files on its decoding thread. Both get the same alerts
// for the same lines, which is what makes a report a faithful replay. Pure: no I/O, no clock.
// Lines stamped before `quiet_until` feed the windows and the ledger (so a report for a day starts
// with the counts the daemon had at midnight) but produce no alerts and no stats.
//
// The Pipeline owns everything it knows (the window store, the Detector, the ledger, the stats)
// and gives it out as one value, PipelineState: Snapshot for the checkpoint and a reload, Restore
// to take it back (pipeline_state.h).
#ifndef RELAYWATCH_PIPELINE_PIPELINE_H_
#define RELAYWATCH_PIPELINE_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/alerting/ledger.h"
#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/decode/line_decoder.h"
#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/window_store.h"
#include "relaywatch/pipeline/pipeline_state.h"
#include "relaywatch/pipeline/stats.h"

namespace relaywatch::pipeline {

// What an observer sees of each line in range (report's per-login table).
struct LineView {
  const decode::DecodedLine& line;
  std::string_view service;
};

class Pipeline {
 public:
  using AlertSink = std::function<void(alerting::Alert&&)>;
  using LineObserver = std::function<void(const LineView&)>;

  // `store` holds the windows; nullptr: a detect::MemoryWindowStore.
  explicit Pipeline(const config::Config& config,
                    std::unique_ptr<detect::WindowStore> store = nullptr);
  ~Pipeline();

  // Registers a source (one multilog dir); returns its id for OnLine.
  std::size_t AddSource(std::string service);
  // One decoded line of a source.
  void OnLine(std::size_t source, const decode::DecodedLine& line);
  // Routing, for `report`'s shards (follow::DecodeThread::Routing): each shard's Pipeline is
  // given whole only the lines it needs, and the others as their stamp and StatsBits.
  // The shard (detect::Detector::set_shard) whose Pipeline needs `line` whole, or
  // detect::Detector::kAllShards or kNoShard. It reads only what is set before the first line,
  // so another thread may ask while this Pipeline counts.
  std::size_t ShardNeeding(const decode::DecodedLine& line) const;
  // What the stats count of a line, in a byte.
  static std::uint8_t StatsBits(const decode::DecodedLine& line);
  // A line another shard's Pipeline counts: what OnLine does with a line that is not this
  // shard's, which is only to count it in the stats and move the clock (the windows' sweeps, the
  // ledger's 5-minute maintenance) to its stamp.
  void OnOthersLine(core::Timestamp time, std::uint8_t stats_bits);
  // The line detect::Detector::kLookAhead lines after the one OnLine gets next, or nullptr:
  // Detector::LookAhead, for report, which has its lines in batches before it counts them.
  void LookAhead(const decode::DecodedLine* line) {
    detector_.LookAhead(line != nullptr ? &line->event : nullptr);
  }
  // The count of (rule, key) changed without a line of this node's (a fleet's other nodes
  // counted it, fleet/fleet_window_store.h): at its limit, the finding goes through the ledger
  // like any other, stamped `now`.
  void Recheck(std::size_t rule, std::string_view key, core::Timestamp now);
  // Another node of the fleet paged (rule, key) at `count`: escalations follow the fleet's page
  // (alerting::Ledger::Adopt).
  void FleetPaged(const std::string& rule, const std::string& key, std::uint64_t count) {
    ledger_.Adopt(rule, key, count);
  }
  // A finding from outside the rules (a `gap`: log lost before it was read), through the ledger.
  void InjectFinding(detect::Finding finding);

  PipelineState Snapshot() const;
  // Takes a snapshot of this or another Pipeline (a reload's new rules: detect::Detector::Restore
  // says how rules are matched).
  void Restore(PipelineState state);

  void set_alert_sink(AlertSink sink) { alert_sink_ = std::move(sink); }
  void set_line_observer(LineObserver observer) { line_observer_ = std::move(observer); }
  void set_hit_observer(detect::HitObserver* observer) { detector_.set_observer(observer); }
  void set_quiet_until(core::Timestamp t) { quiet_until_ = t; }

  const Stats& stats() const { return stats_; }
  detect::Detector& detector() { return detector_; }
  const detect::Detector& detector() const { return detector_; }
  const detect::WindowStore& store() const { return *store_; }
  const std::string& service(std::size_t source) const { return services_[source]; }
  std::size_t source_count() const { return services_.size(); }

 private:
  std::unique_ptr<detect::WindowStore> store_;
  // The store's eviction count already in stats_ (before detector_: a Detector that lowers a
  // rule's cap evicts at once, and those count too).
  std::uint64_t evictions_seen_;
  detect::Detector detector_;
  alerting::Ledger ledger_;
  std::vector<std::string> services_;  // by source id
  Stats stats_;
  AlertSink alert_sink_;
  LineObserver line_observer_;
  std::optional<core::Timestamp> quiet_until_;
  std::vector<detect::Finding> findings_;  // reused per line
  std::int64_t maintenance_slot_ = 0;

  // Once per 5 minutes of event time: resolution notices and the ledger's memory bound.
  void Maintain(core::Timestamp now, bool quiet);
  void Emit(alerting::Alert&& alert, bool quiet);
  // Counts a line in stats_ from its StatsBits (a malformed one's reason and text aside).
  void CountLine(std::uint8_t stats_bits);
};

// The ledger options a config asks for.
alerting::LedgerOptions LedgerOptionsFrom(const config::Config& config);

// How far back reading must start for the counts at a moment to be what a reader that read all
// along would have: a bucket window counts up to one slice more than its length, and the ledger
// decides "new" or "ongoing" from alerts up to two periods back. A warm start reads back this far
// before now; `report` this far before --since.
core::Duration WarmUp(const config::Config& config);

}  // namespace relaywatch::pipeline

#endif  // RELAYWATCH_PIPELINE_PIPELINE_H_
