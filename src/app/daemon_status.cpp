// The status document: sources with positions and lag, counters, top keys per rule, the outbox.
#include "relaywatch/app/daemon_status.h"

#include <cstdio>

#include "relaywatch/app/fleet_render.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/core/text.h"

namespace relaywatch::app {
namespace {

constexpr std::size_t kTopKeys = 5;

core::Timestamp WallNow() {
  return core::Timestamp(std::chrono::duration_cast<core::Duration>(
      std::chrono::system_clock::now().time_since_epoch()));
}

// The newest stamp read of any source: "now" in event time, for top keys.
core::Timestamp EventNow(const StatusView& s) {
  core::Timestamp now{};
  for (const SourceStatus& src : s.sources) {
    if (src.position && src.position->last_stamp) now = std::max(now, *src.position->last_stamp);
  }
  return now;
}

long long Seconds(std::chrono::steady_clock::duration d) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

std::string DaemonStatusJson(const StatusView& s) {
  core::Timestamp wall = WallNow();
  const auto steady = std::chrono::steady_clock::now();
  core::JsonWriter w;
  w.BeginObject();
  w.Key("version").String(RELAYWATCH_VERSION);
  w.Key("config").String(s.config_path);
  w.Key("hostname").String(s.config.hostname);
  w.Key("uptime_seconds").Int(Seconds(s.uptime));
  w.Key("sources").BeginArray();
  for (const SourceStatus& src : s.sources) {
    w.BeginObject();
    w.Key("service").String(src.service);
    w.Key("dir").String(src.dir);
    w.Key("state").String(SourceState(src, steady));
    if (!src.waiting_reason.empty()) w.Key("reason").String(src.waiting_reason);
    w.Key("lines").Uint(src.lines);
    w.Key("lines_per_second").Double(src.lines_per_second);
    std::optional<core::Timestamp> last;
    if (src.position) last = src.position->last_stamp;
    w.Key("last_stamp");
    if (last)
      w.String(core::FormatIso8601Utc(*last));
    else
      w.Null();
    w.Key("lag_seconds");
    if (last)
      w.Double(std::chrono::duration<double>(wall - *last).count());
    else
      w.Null();
    w.Key("position");
    if (src.position) {
      w.BeginObject().Key("device").Uint(src.position->device);
      w.Key("inode").Uint(src.position->inode).Key("offset").Uint(src.position->offset);
      w.EndObject();
    } else {
      w.Null();
    }
    const follow::FollowerStats& fst = src.follower;
    w.Key("files_finished").Uint(fst.files_finished);
    w.Key("truncations").Uint(fst.truncations);
    w.Key("overflows").Uint(fst.overflows);
    w.Key("gaps").Uint(fst.gaps);
    w.Key("files_pruned_unread").Uint(fst.files_pruned_unread);
    w.EndObject();
  }
  w.EndArray();
  const pipeline::Stats& st = s.pipeline.stats();
  w.Key("lines").BeginObject();
  w.Key("total").Uint(st.lines).Key("relay").Uint(st.relay).Key("malformed").Uint(st.malformed);
  w.Key("unstamped").Uint(st.unstamped).Key("long").Uint(st.long_lines);
  w.EndObject();
  w.Key("findings").Uint(st.findings);
  w.Key("alerts").Uint(st.alerts);
  w.Key("alerts_spooled").Uint(s.outbox.spooled);
  w.Key("alerts_unspooled").Uint(s.outbox.unspooled);
  w.Key("spool_errors").Uint(s.outbox.spool_errors);
  w.Key("alerts_not_paged").Uint(s.alerts_not_paged);
  w.Key("gaps").Uint(s.gaps);
  w.Key("checkpoints").Uint(s.outbox.checkpoints);
  w.Key("keys").Uint(s.pipeline.store().KeyCount());
  w.Key("keys_evicted").Uint(st.evicted_keys);
  core::Timestamp now = EventNow(s);
  w.Key("rules").BeginArray();
  const auto& rules = s.pipeline.detector().rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    w.BeginObject();
    w.Key("name").String(rules[i].name);
    w.Key("kind").String(detect::RuleKindName(rules[i].kind()));
    w.Key("window").String(core::FormatDuration(rules[i].window));
    w.Key("limit").Uint(rules[i].limit);
    w.Key("keys").Uint(s.pipeline.store().RuleKeyCount(i));
    w.Key("max_keys").Uint(rules[i].max_keys);
    w.Key("evicted").Uint(s.pipeline.store().Evicted(i));  // since the daemon started
    w.Key("top").BeginArray();
    for (const auto& [key, n] : s.pipeline.store().TopKeys(i, now, rules[i].window, kTopKeys)) {
      w.BeginObject().Key("key").String(key).Key("count").Uint(n).EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("mutes").BeginArray();
  for (const alerting::Mute& m : s.mutes) {
    w.BeginObject().Key("key").String(m.key);
    w.Key("rule");
    if (m.rule.empty())
      w.Null();
    else
      w.String(m.rule);
    w.Key("since").String(core::FormatIso8601Utc(m.since));
    w.Key("until").String(core::FormatIso8601Utc(m.until));
    w.Key("by").String(m.by).Key("reason").String(m.reason);
    w.EndObject();
  }
  w.EndArray();
  if (s.fleet) {
    w.Key("fleet");
    WriteFleetStatusJson(w, *s.fleet);
  }
  w.Key("outbox");
  if (s.outbox_document.empty()) {
    w.Null();
  } else {
    w.Raw(s.outbox_document);  // the dispatcher's own document
  }
  w.EndObject();
  return w.Take() + "\n";
}

std::string DaemonStatusText(const StatusView& s) {
  core::Timestamp wall = WallNow();
  const auto steady = std::chrono::steady_clock::now();
  std::string out;
  char buf[512];
  const pipeline::Stats& st = s.pipeline.stats();
  std::snprintf(
      buf, sizeof buf,
      "relaywatch %s on %s, up %llds, config %s\nlines %llu  relaying %llu  malformed "
      "%llu  long %llu  alerts spooled %llu  not yet spooled %llu  not paged %llu  gaps %llu  keys "
      "%zu  evicted %llu\n\nSOURCES\n",
      RELAYWATCH_VERSION, core::EscapeForLog(s.config.hostname).c_str(), Seconds(s.uptime),
      s.config_path.c_str(), static_cast<unsigned long long>(st.lines),
      static_cast<unsigned long long>(st.relay), static_cast<unsigned long long>(st.malformed),
      static_cast<unsigned long long>(st.long_lines),
      static_cast<unsigned long long>(s.outbox.spooled),
      static_cast<unsigned long long>(s.outbox.unspooled),
      static_cast<unsigned long long>(s.alerts_not_paged), static_cast<unsigned long long>(s.gaps),
      s.pipeline.store().KeyCount(), static_cast<unsigned long long>(st.evicted_keys));
  out += buf;
  for (const SourceStatus& src : s.sources) {
    std::optional<core::Timestamp> last;
    if (src.position) last = src.position->last_stamp;
    std::string lag = last ? std::to_string(static_cast<long long>(
                                 std::chrono::duration<double>(wall - *last).count())) +
                                 "s"
                           : std::string("-");
    std::snprintf(buf, sizeof buf, "  %-12s %-40s lines %-9llu %6.0f/s  lag %s  %s",
                  core::EscapeForLog(src.service).c_str(), core::EscapeForLog(src.dir).c_str(),
                  static_cast<unsigned long long>(src.lines), src.lines_per_second, lag.c_str(),
                  std::string(SourceState(src, steady)).c_str());
    out += buf;
    if (!src.waiting_reason.empty()) out += " (" + core::EscapeForLog(src.waiting_reason) + ")";
    out += "\n";
  }
  out += "\nRULES (top keys in the window)\n";
  core::Timestamp now = EventNow(s);
  const auto& rules = s.pipeline.detector().rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    std::snprintf(buf, sizeof buf, "  %-18s %-15s limit %llu/%s:", rules[i].name.c_str(),
                  std::string(detect::RuleKindName(rules[i].kind())).c_str(),
                  static_cast<unsigned long long>(rules[i].limit),
                  core::FormatDuration(rules[i].window).c_str());
    out += buf;
    for (const auto& [key, n] : s.pipeline.store().TopKeys(i, now, rules[i].window, kTopKeys)) {
      out += " " + core::EscapeForLog(key) + "=" + std::to_string(n);
    }
    if (const std::uint64_t evicted = s.pipeline.store().Evicted(i); evicted > 0) {
      out += "  (" + std::to_string(s.pipeline.store().RuleKeyCount(i)) + " keys, max_keys " +
             std::to_string(rules[i].max_keys) + ", " + std::to_string(evicted) + " evicted)";
    }
    out += "\n";
  }
  if (!s.mutes.empty()) {
    out += "\nMUTES (not paged)\n";
    for (const alerting::Mute& m : s.mutes) {
      out += "  " + core::EscapeForLog(m.key) + " " +
             (m.rule.empty() ? std::string("all rules") : "rule " + core::EscapeForLog(m.rule)) +
             ": " + alerting::DescribeMute(m) + "\n";
    }
  }
  if (s.fleet) out += FleetStatusText(*s.fleet);
  out += "\nOUTBOX\n" + s.outbox_document;
  return out;
}

MetricsData DaemonMetrics(const StatusView& s) {
  const core::Timestamp wall = WallNow();
  const auto steady = std::chrono::steady_clock::now();
  const pipeline::Stats& st = s.pipeline.stats();
  MetricsData m;
  m.uptime_seconds = std::chrono::duration<double>(s.uptime).count();
  m.lines = st.lines;
  m.relaying = st.relay;
  m.malformed = st.malformed;
  m.unstamped = st.unstamped;
  m.long_lines = st.long_lines;
  m.findings = st.findings;
  m.alerts = st.alerts;
  m.alerts_spooled = s.outbox.spooled;
  m.alerts_unspooled = s.outbox.unspooled;
  m.alerts_not_paged = s.alerts_not_paged;
  m.spool_errors = s.outbox.spool_errors;
  m.gaps = s.gaps;
  m.keys = s.pipeline.store().KeyCount();
  m.keys_evicted = st.evicted_keys;
  m.checkpoints = s.outbox.checkpoints;
  if (s.outbox.last_checkpoint) {
    m.checkpoint_age_seconds =
        std::chrono::duration<double>(steady - *s.outbox.last_checkpoint).count();
  }
  if (s.fleet) {
    MetricsData::Fleet f;
    f.connected = s.fleet->link.connected;
    f.commands = s.fleet->link.commands;
    f.claims_won = s.fleet->link.claims_won;
    f.claims_lost = s.fleet->link.claims_lost;
    f.claims_unanswered = s.fleet->link.claims_unavailable;
    f.batches_dropped = s.fleet->link.dropped;
    if (s.fleet->link.view) {
      for (const redis::FleetNode& n : s.fleet->link.view->nodes) f.live_nodes += n.live ? 1 : 0;
    }
    m.fleet = f;
  }
  for (const SourceStatus& src : s.sources) {
    MetricsData::Source out;
    out.service = src.service;
    out.dir = src.dir;
    out.lines = src.lines;
    if (src.position && src.position->last_stamp) {
      out.lag_seconds = std::chrono::duration<double>(wall - *src.position->last_stamp).count();
    }
    out.gaps = src.follower.gaps;
    out.waiting = !src.waiting_reason.empty();
    m.sources.push_back(std::move(out));
  }
  const auto& rules = s.pipeline.detector().rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    MetricsData::Rule r;
    r.name = rules[i].name;
    if (auto it = s.alerts_by_rule.find(rules[i].name); it != s.alerts_by_rule.end()) {
      r.alerts = it->second;
    }
    r.keys = s.pipeline.store().RuleKeyCount(i);
    r.keys_evicted = s.pipeline.store().Evicted(i);
    m.rules.push_back(std::move(r));
  }
  for (const AlertOutbox::ChannelCounts& c : s.channels) {
    m.channels.push_back(
        {c.channel, c.pending, c.unspooled, c.sent, c.failed, c.given_up, c.in_failed});
  }
  return m;
}

std::string DaemonSummaryLine(const pipeline::Pipeline& pipeline, const AlertOutbox::Counts& outbox,
                              std::size_t pending) {
  const pipeline::Stats& st = pipeline.stats();
  return "summary: lines " + std::to_string(st.lines) + " relaying " + std::to_string(st.relay) +
         " malformed " + std::to_string(st.malformed) + " long " + std::to_string(st.long_lines) +
         " alerts " + std::to_string(outbox.spooled) + " unspooled " +
         std::to_string(outbox.unspooled) + " keys " + std::to_string(pipeline.store().KeyCount()) +
         " evicted " + std::to_string(st.evicted_keys) + " pending " + std::to_string(pending);
}

}  // namespace relaywatch::app
