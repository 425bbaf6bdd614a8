// Text and JSON forms of a ReportData. Every string from a log goes through JsonWriter (JSON) or
// core::EscapeForLog (text): a login or sender can hold any byte.
#include <algorithm>
#include <cstdio>

#include "relaywatch/alerting/finding_json.h"
#include "relaywatch/app/report.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/core/text.h"

namespace relaywatch::app {
namespace {

void WriteOptionalTime(core::JsonWriter& w, const std::optional<core::Timestamp>& t) {
  if (t) {
    w.String(core::FormatIso8601Utc(*t));
  } else {
    w.Null();
  }
}

std::string Pad(std::string s, std::size_t n) {
  if (s.size() < n) s.resize(n, ' ');
  return s;
}

std::string PadLeft(const std::string& s, std::size_t n) {
  return s.size() < n ? std::string(n - s.size(), ' ') + s : s;
}

}  // namespace

std::string RenderReportJson(const ReportData& d) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("range").BeginObject();
  w.Key("since");
  WriteOptionalTime(w, d.since ? d.since : d.first_line);
  w.Key("until");
  WriteOptionalTime(w, d.until ? d.until : d.last_line);
  w.EndObject();
  w.Key("lines").BeginObject();
  w.Key("total").Uint(d.stats.lines);
  w.Key("relay").Uint(d.stats.relay);
  w.Key("malformed").Uint(d.stats.malformed);
  w.Key("unstamped").Uint(d.stats.unstamped);
  w.Key("long").Uint(d.stats.long_lines);
  w.Key("malformed_reasons").BeginObject();
  for (const auto& [reason, n] : d.stats.malformed_by_reason) w.Key(reason).Uint(n);
  w.EndObject();
  w.Key("malformed_samples").BeginArray();
  for (const std::string& s : d.stats.malformed_samples) w.String(s);
  w.EndArray();
  w.EndObject();
  w.Key("sources").BeginArray();
  for (const ReportSource& s : d.sources) {
    w.BeginObject().Key("service").String(s.service).Key("dir").String(s.dir).EndObject();
  }
  w.EndArray();
  w.Key("users").BeginArray();
  for (const UserRow& u : d.users) {
    w.BeginObject();
    w.Key("user").String(u.user);
    w.Key("recipients").Uint(u.recipients);
    w.Key("peak").BeginObject();
    for (std::size_t r = 0; r < d.rule_order.size() && r < u.peak.size(); ++r) {
      if (u.peak[r] > 0) w.Key(d.rule_order[r]).Uint(u.peak[r]);
    }
    w.EndObject();
    w.Key("foreign_senders").BeginObject();
    for (const auto& [sender, n] : u.foreign_senders) w.Key(sender).Uint(n);
    w.EndObject();
    w.Key("remote_ips").Uint(u.remote_ips.size());
    w.EndObject();
  }
  w.EndArray();
  w.Key("findings").BeginArray();
  for (const alerting::Alert& a : d.findings) {
    w.BeginObject();
    alerting::WriteFindingJson(w, a);  // the alert JSON's finding object, member for member
    w.EndObject();
  }
  w.EndArray();
  // What the report could not read (a file it may not open, a dead service): it is partial.
  w.Key("warnings").BeginArray();
  for (const std::string& warning : d.totals.warnings) w.String(warning);
  w.EndArray();
  w.EndObject();
  std::string out = w.Take();
  out.push_back('\n');
  return out;
}

std::string RenderReportText(const ReportData& d, const core::LocalZone& zone) {
  std::string out;
  auto local = [&](core::Timestamp t) { return core::FormatLocal(t, zone); };
  auto since = d.since ? d.since : d.first_line;
  auto until = d.until ? d.until : d.last_line;
  out += "relaywatch report  ";
  out += since ? local(*since) : std::string("(no lines)");
  out += " .. ";
  out += until ? local(*until) : std::string("");
  out += "  (local time)\n";
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "lines %llu  relaying rcpt %llu  malformed %llu  long %llu  unstamped %llu  sources %zu\n",
      static_cast<unsigned long long>(d.stats.lines),
      static_cast<unsigned long long>(d.stats.relay),
      static_cast<unsigned long long>(d.stats.malformed),
      static_cast<unsigned long long>(d.stats.long_lines),
      static_cast<unsigned long long>(d.stats.unstamped), d.sources.size());
  out += buf;

  out += "\nFINDINGS (" + std::to_string(d.findings.size()) + ")\n";
  if (d.findings.empty())
    out += "  none\n";
  else {
    out += "  " + Pad("FIRST .. LAST", 43) + Pad("RULE", 18) + Pad("USER", 32) +
           PadLeft("COUNT", 7) + PadLeft("LIMIT", 7) + "  WINDOW  DETAIL\n";
  }
  for (const alerting::Alert& a : d.findings) {
    const detect::Finding& f = a.finding;
    std::string detail = core::EscapeForLog(f.detail);
    if (a.state == alerting::AlertState::kOngoing) detail = "(still going on) " + detail;
    // LAST without its date when it is FIRST's day, as the old scripts printed it.
    const std::string first = local(f.first), last = local(f.last);
    const bool same_day = first.compare(0, 10, last, 0, 10) == 0;
    out += "  " + Pad(first + " .. " + (same_day ? last.substr(11) : last), 43) +
           Pad(core::EscapeForLog(f.rule), 18) + Pad(core::EscapeForLog(f.key), 32) +
           PadLeft(std::to_string(f.count), 7) + PadLeft(std::to_string(f.limit), 7) + "  " +
           Pad(core::FormatDuration(f.window), 8) + detail + "\n";
  }

  out += "\nUSERS (" + std::to_string(d.users.size()) + ")\n";
  if (!d.users.empty()) {
    out += "  " + PadLeft("RCPT", 8) + "  " + Pad("USER", 32) + PadLeft("IPS", 5) +
           "  PEAK                   FOREIGN SENDERS\n";
  }
  for (const UserRow& u : d.users) {
    std::string peak;
    for (std::size_t r = 0; r < d.rule_order.size() && r < u.peak.size(); ++r) {
      if (u.peak[r] == 0) continue;
      if (!peak.empty()) peak += " ";
      peak += core::EscapeForLog(d.rule_order[r]) + "=" + std::to_string(u.peak[r]);
    }
    std::vector<std::pair<std::string, std::uint64_t>> senders(u.foreign_senders.begin(),
                                                               u.foreign_senders.end());
    std::stable_sort(senders.begin(), senders.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string foreign;
    for (std::size_t i = 0; i < senders.size() && i < 3; ++i) {
      if (i) foreign += ", ";
      foreign += core::EscapeForLog(senders[i].first) + " x" + std::to_string(senders[i].second);
    }
    if (senders.size() > 3) foreign += ", +" + std::to_string(senders.size() - 3) + " more";
    out += "  " + PadLeft(std::to_string(u.recipients), 8) + "  " +
           Pad(core::EscapeForLog(u.user), 32) + PadLeft(std::to_string(u.remote_ips.size()), 5) +
           "  " + Pad(peak, 22) + " " + foreign + "\n";
  }
  if (d.stats.malformed > 0) {
    out += "\nMALFORMED LINES (" + std::to_string(d.stats.malformed) + ")\n";
    for (const auto& [reason, n] : d.stats.malformed_by_reason) {
      out += "  " + PadLeft(std::to_string(n), 8) + "  " + core::EscapeForLog(reason) + "\n";
    }
    for (const std::string& s : d.stats.malformed_samples) {
      out += "    e.g. " + core::EscapeForLog(s.substr(0, 160)) + "\n";
    }
  }
  for (const std::string& w : d.totals.warnings) out += "warning: " + w + "\n";
  return out;
}

}  // namespace relaywatch::app
