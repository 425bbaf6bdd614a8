// The status document `relaywatch status` prints (JSON, or text for people), from a const view of
// the daemon: it reads, never changes, what it shows.
#ifndef RELAYWATCH_APP_DAEMON_STATUS_H_
#define RELAYWATCH_APP_DAEMON_STATUS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/alerting/mute_list.h"
#include "relaywatch/app/alert_outbox.h"
#include "relaywatch/app/fleet_member.h"
#include "relaywatch/app/metrics.h"
#include "relaywatch/app/source_set.h"
#include "relaywatch/config/config.h"
#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::app {

struct StatusView {
  const std::string& config_path;
  const config::Config& config;
  std::chrono::steady_clock::duration uptime;
  const pipeline::Pipeline& pipeline;
  std::vector<SourceStatus> sources;
  AlertOutbox::Counts outbox;
  std::uint64_t alerts_not_paged = 0;  // older than max_age (warm start catch-up)
  std::uint64_t gaps = 0;
  std::string outbox_document;  // the outbox's own status (JSON or text, as asked)
  std::vector<AlertOutbox::ChannelCounts> channels = {};                  // for the metrics
  std::map<std::string, std::uint64_t, std::less<>> alerts_by_rule = {};  // since this start
  std::vector<alerting::Mute> mutes = {};  // in force now (relaywatch mute)
  std::optional<FleetStatus> fleet = {};   // with a fleet: section
};

std::string DaemonStatusJson(const StatusView& s);
std::string DaemonStatusText(const StatusView& s);
// What RenderMetrics shows of it, as of now.
MetricsData DaemonMetrics(const StatusView& s);
// The hourly "summary: lines ... pending ..." line of the daemon's log.
std::string DaemonSummaryLine(const pipeline::Pipeline& pipeline, const AlertOutbox::Counts& outbox,
                              std::size_t pending);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_DAEMON_STATUS_H_
