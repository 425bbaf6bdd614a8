#include "relaywatch/app/metrics.h"

#include <cmath>
#include <cstdio>

namespace relaywatch::app {
namespace {

class Writer {
 public:
  // Starts a family: its HELP and TYPE lines.
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  Writer& Label(std::string_view key, std::string_view value) {
    labels_ += labels_.empty() ? "{" : ",";
    labels_ += key;
    labels_ += "=\"";
    labels_ += EscapeLabelValue(value);
    labels_ += '"';
    return *this;
  }
  void Value(std::uint64_t v) { Sample(std::to_string(v)); }
  void Value(double v) {
    char buf[64];
    if (std::isnan(v)) {
      Sample("NaN");
      return;
    }
    std::snprintf(buf, sizeof buf, "%.17g", v);
    Sample(buf);
  }
  // A family with one sample and no labels.
  void One(std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
    Family(name, type, help);
    Value(v);
  }
  std::string Take() { return std::move(out_); }

 private:
  void Sample(std::string_view value) {
    out_ += name_;
    if (!labels_.empty()) out_ += labels_ + "}";
    out_ += ' ';
    out_ += value;
    out_ += '\n';
    labels_.clear();
  }

  std::string out_;
  std::string name_;
  std::string labels_;
};

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderMetrics(const MetricsData& m) {
  Writer w;
  w.Family("relaywatch_uptime_seconds", "gauge", "Seconds since the daemon started.");
  w.Value(m.uptime_seconds);
  w.One("relaywatch_lines_total", "counter", "Log lines read.", m.lines);
  w.One("relaywatch_lines_relaying_total", "counter", "chkuser relaying rcpt lines read.",
        m.relaying);
  w.One("relaywatch_lines_malformed_total", "counter", "Lines of a known kind that did not parse.",
        m.malformed);
  w.One("relaywatch_lines_unstamped_total", "counter", "Lines without a multilog stamp.",
        m.unstamped);
  w.One("relaywatch_lines_long_total", "counter", "Lines over 64 KiB, cut.", m.long_lines);
  w.One("relaywatch_findings_total", "counter", "Findings of all rules, before the ledger.",
        m.findings);
  w.One("relaywatch_alerts_total", "counter", "Alerts admitted by the ledger.", m.alerts);
  w.One("relaywatch_alerts_spooled_total", "counter", "Alerts written to the spool.",
        m.alerts_spooled);
  w.One("relaywatch_alerts_unspooled", "gauge",
        "Alerts queued or refused by the disk, not yet in the spool.", m.alerts_unspooled);
  w.One("relaywatch_alerts_not_paged_total", "counter",
        "Alerts about lines older than alerts.max_age, recorded but not sent.", m.alerts_not_paged);
  w.One("relaywatch_spool_errors_total", "counter", "Failed spool writes.", m.spool_errors);
  w.One("relaywatch_gaps_total", "counter", "Log lost before it was read, all sources.", m.gaps);
  w.One("relaywatch_keys", "gauge", "Keys (logins, ip:ADDRESS) held by all rules.", m.keys);
  w.One("relaywatch_keys_evicted_total", "counter",
        "Keys a full rule gave up for new ones (rules[].max_keys).", m.keys_evicted);
  w.One("relaywatch_checkpoints_total", "counter", "Checkpoints written.", m.checkpoints);
  if (m.checkpoint_age_seconds) {
    w.Family("relaywatch_checkpoint_age_seconds", "gauge",
             "Seconds since the last checkpoint was written.");
    w.Value(*m.checkpoint_age_seconds);
  }
  std::uint64_t depth = m.alerts_unspooled;
  for (const auto& c : m.channels) depth += c.pending;
  if (m.fleet) {
    w.One("relaywatch_fleet_connected", "gauge", "1 while this node's link to Redis is up.",
          m.fleet->connected ? 1 : 0);
    w.One("relaywatch_fleet_nodes_live", "gauge", "Fleet nodes heard from within node_timeout.",
          m.fleet->live_nodes);
    w.One("relaywatch_fleet_commands_total", "counter", "Commands sent to Redis.",
          m.fleet->commands);
    w.One("relaywatch_fleet_claims_won_total", "counter", "Alerts this node claimed and paged.",
          m.fleet->claims_won);
    w.One("relaywatch_fleet_claims_lost_total", "counter",
          "Alerts another node had claimed: not paged here.", m.fleet->claims_lost);
    w.One("relaywatch_fleet_claims_unanswered_total", "counter",
          "Claims Redis did not answer in time: paged from this node.", m.fleet->claims_unanswered);
    w.One("relaywatch_fleet_batches_dropped_total", "counter",
          "Batches of counts not sent while Redis was unavailable (all resent on reconnect).",
          m.fleet->batches_dropped);
  }
  w.One("relaywatch_outbox_depth", "gauge",
        "Alerts waiting: in the spools of all channels, or not yet spooled.", depth);

  if (!m.sources.empty()) {
    w.Family("relaywatch_source_lines_total", "counter", "Lines read per source.");
    for (const auto& s : m.sources)
      w.Label("service", s.service).Label("dir", s.dir).Value(s.lines);
    w.Family("relaywatch_source_gaps_total", "counter", "Gaps per source.");
    for (const auto& s : m.sources) w.Label("service", s.service).Label("dir", s.dir).Value(s.gaps);
    w.Family("relaywatch_source_waiting", "gauge",
             "1 while the source's directory is missing or unreadable (see relaywatch status).");
    for (const auto& s : m.sources) {
      w.Label("service", s.service).Label("dir", s.dir).Value(std::uint64_t{s.waiting ? 1u : 0u});
    }
    w.Family("relaywatch_source_lag_seconds", "gauge",
             "Seconds between now and the newest stamp read, per source (absent before any).");
    for (const auto& s : m.sources) {
      if (s.lag_seconds) w.Label("service", s.service).Label("dir", s.dir).Value(*s.lag_seconds);
    }
  }
  if (!m.rules.empty()) {
    w.Family("relaywatch_rule_alerts_total", "counter", "Alerts admitted per rule.");
    for (const auto& r : m.rules) w.Label("rule", r.name).Value(r.alerts);
    w.Family("relaywatch_rule_keys", "gauge", "Keys held per rule.");
    for (const auto& r : m.rules) w.Label("rule", r.name).Value(r.keys);
    w.Family("relaywatch_rule_keys_evicted_total", "counter", "Keys evicted per rule.");
    for (const auto& r : m.rules) w.Label("rule", r.name).Value(r.keys_evicted);
  }
  if (!m.channels.empty()) {
    w.Family("relaywatch_channel_pending", "gauge", "Alerts in the channel's spool.");
    for (const auto& c : m.channels) w.Label("channel", c.name).Value(c.pending);
    w.Family("relaywatch_channel_unspooled", "gauge", "Alerts for the channel not yet spooled.");
    for (const auto& c : m.channels) w.Label("channel", c.name).Value(c.unspooled);
    w.Family("relaywatch_channel_sent_total", "counter", "Alerts (a digest once) delivered.");
    for (const auto& c : m.channels) w.Label("channel", c.name).Value(c.sent);
    w.Family("relaywatch_channel_failed_attempts_total", "counter",
             "Delivery attempts that failed temporarily.");
    for (const auto& c : m.channels) w.Label("channel", c.name).Value(c.failed_attempts);
    w.Family("relaywatch_channel_given_up_total", "counter",
             "Alerts given up (permanent failure or alerts.max_age).");
    for (const auto& c : m.channels) w.Label("channel", c.name).Value(c.given_up);
    w.Family(
        "relaywatch_channel_failed", "gauge",
        "Alerts in the channel's spool failed/ directory, given up at this or an earlier start.");
    for (const auto& c : m.channels) w.Label("channel", c.name).Value(c.in_failed);
  }
  return w.Take();
}

}  // namespace relaywatch::app
