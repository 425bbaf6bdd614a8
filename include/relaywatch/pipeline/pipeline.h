// Pipeline: raw log line -> Line -> Event -> Findings -> Alerts, the same for `run` and `report`.
//
// The daemon feeds it lines from the followers, `report` from stored files; both get the same
// alerts for the same lines, which is what makes a report a faithful replay. Pure: no I/O, no
// clock. Each source has its own Stamper and its own "last stamp", given to unstamped lines.
// Lines stamped before `quiet_until` feed the windows and the ledger (so a report for a day starts
// with the counts the daemon had at midnight) but produce no alerts and no stats.
#ifndef RELAYWATCH_PIPELINE_PIPELINE_H_
#define RELAYWATCH_PIPELINE_PIPELINE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/alerting/ledger.h"
#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/window_store.h"
#include "relaywatch/parse/event.h"
#include "relaywatch/pipeline/stats.h"
#include "relaywatch/stamp/line.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::pipeline {

// What an observer sees of each line in range (report's per-login table).
struct LineView {
  const stamp::Line& line;
  const parse::Event& event;
  std::string_view service;
};

class Pipeline {
 public:
  using AlertSink = std::function<void(alerting::Alert&&)>;
  using LineObserver = std::function<void(const LineView&)>;

  Pipeline(const config::Config& config, core::LocalZone zone, detect::WindowStore& store);

  // Registers a source (one multilog dir); returns its id for OnLine.
  std::size_t AddSource(std::string service);
  // One raw line of a source, without its '\n'.
  void OnLine(std::size_t source, std::string_view raw);
  // The same line already stamped and parsed elsewhere (report decodes on a second thread): `line`
  // is stamp::Stamper's result with an unstamped line's time set to the source's previous stamp,
  // `event` is parse::ParseEvent(line.tag, line.text).
  void OnStampedLine(std::size_t source, std::string_view raw, const stamp::Line& line,
                     const parse::Event& event);
  // A finding from outside the rules (a `gap`: log lost before it was read), through the ledger.
  void InjectFinding(detect::Finding finding);
  // The source's last stamp (for positions and lag).
  std::optional<core::Timestamp> LastStamp(std::size_t source) const;

  void set_alert_sink(AlertSink sink) { alert_sink_ = std::move(sink); }
  void set_line_observer(LineObserver observer) { line_observer_ = std::move(observer); }
  void set_hit_observer(detect::HitObserver* observer) { detector_.set_observer(observer); }
  void set_quiet_until(core::Timestamp t) { quiet_until_ = t; }

  Stats& stats() { return stats_; }
  const Stats& stats() const { return stats_; }
  detect::Detector& detector() { return detector_; }
  alerting::Ledger& ledger() { return ledger_; }
  const std::string& service(std::size_t source) const { return sources_[source].service; }
  std::size_t source_count() const { return sources_.size(); }

 private:
  struct Source {
    std::string service;
    stamp::Stamper stamper;
    std::optional<core::Timestamp> last;
  };

  core::LocalZone zone_;
  // The store's eviction count already in stats_ (before detector_: a Detector that lowers a
  // rule's cap evicts at once, and those count too).
  std::uint64_t evictions_seen_;
  detect::Detector detector_;
  alerting::Ledger ledger_;
  std::string host_;
  std::vector<Source> sources_;
  Stats stats_;
  AlertSink alert_sink_;
  LineObserver line_observer_;
  std::optional<core::Timestamp> quiet_until_;
  std::vector<detect::Finding> findings_;  // reused per line
  std::int64_t last_maintenance_minute_ = 0;

  // Once per 5 minutes of event time: resolution notices and the ledger's memory bound.
  void Maintain(core::Timestamp now, bool quiet);
  void Emit(alerting::Alert&& alert, bool quiet);
};

// The ledger options a config asks for.
alerting::LedgerOptions LedgerOptionsFrom(const config::Config& config);

}  // namespace relaywatch::pipeline

#endif  // RELAYWATCH_PIPELINE_PIPELINE_H_
