// The daemon's counters and gauges in the Prometheus text exposition format (version 0.0.4), for
// node_exporter's textfile collector (config: metrics.textfile, written every metrics.every).
//
// RenderMetrics is a plain function of MetricsData: no clock, no I/O. Label values are the
// config's names (service, dir, rule, channel), escaped per the format; no log text becomes a
// label.
#ifndef RELAYWATCH_APP_METRICS_H_
#define RELAYWATCH_APP_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::app {

struct MetricsData {
  struct Source {
    std::string service, dir;
    std::uint64_t lines = 0;
    std::optional<double> lag_seconds;  // wall clock minus the newest stamp read; none yet: absent
    std::uint64_t gaps = 0;
    bool waiting = false;  // its directory missing or unreadable, a listing or an open failing
  };
  struct Rule {
    std::string name;
    std::uint64_t alerts = 0;  // admitted by the ledger since this start
    std::uint64_t keys = 0;
    std::uint64_t keys_evicted = 0;
  };
  struct Channel {
    std::string name;
    std::uint64_t pending = 0, unspooled = 0, sent = 0, failed_attempts = 0, given_up = 0,
                  in_failed = 0;
  };
  double uptime_seconds = 0;
  std::uint64_t lines = 0, relaying = 0, malformed = 0, unstamped = 0, long_lines = 0;
  std::uint64_t findings = 0, alerts = 0, alerts_spooled = 0, alerts_unspooled = 0,
                alerts_not_paged = 0, spool_errors = 0;
  std::uint64_t gaps = 0, keys = 0, keys_evicted = 0, checkpoints = 0;
  std::optional<double> checkpoint_age_seconds;  // none written yet: absent
  // With a fleet: section (absent otherwise).
  struct Fleet {
    bool connected = false;
    std::uint64_t commands = 0, claims_won = 0, claims_lost = 0, claims_unanswered = 0,
                  batches_dropped = 0, live_nodes = 0;
  };
  std::optional<Fleet> fleet;
  std::vector<Source> sources;
  std::vector<Rule> rules;
  std::vector<Channel> channels;
};

// A label value as the format wants it between double quotes: \ " and newline escaped.
std::string EscapeLabelValue(std::string_view value);
std::string RenderMetrics(const MetricsData& m);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_METRICS_H_
