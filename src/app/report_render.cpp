// Text and JSON forms of a ReportData. Every string from a log goes through JsonWriter (JSON) or
// core::EscapeForLog (text): a login or sender can hold any byte.
#include <algorithm>
#include <cstdio>

#include "relaywatch/alerting/finding_json.h"
#include "relaywatch/alerting/histogram.h"
#include "relaywatch/app/report.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/core/text.h"

namespace relaywatch::app {
namespace {

using core::Columns;
using core::PadLeft;
using core::PadRight;

void WriteOptionalTime(core::JsonWriter& w, const std::optional<core::Timestamp>& t) {
  if (t) {
    w.String(core::FormatIso8601Utc(*t));
  } else {
    w.Null();
  }
}

// `s` cut to `n` columns, its end replaced by "…" when cut.
std::string Fit(std::string s, std::size_t n) {
  if (Columns(s) <= n) return s;
  if (n == 0) return {};
  std::size_t cols = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80 && ++cols == n) break;  // the start of the n-th code point
  }
  s.resize(i);
  return s + "\u2026";
}

// `text` in lines of at most `n` columns, broken at spaces, the later lines indented by `indent`
// (a word longer than a line is cut into pieces): nothing is lost.
std::string Wrap(std::string_view text, std::size_t n, std::size_t indent) {
  std::string out, line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string word(text.substr(start, end - start));
    start = end + 1;
    while (true) {
      const std::size_t have = Columns(line);
      const std::size_t need = (have > indent || (out.empty() && have > 0) ? 1 : 0) + Columns(word);
      if (have + need <= n) {
        if (need > Columns(word)) line += ' ';
        line += word;
        break;
      }
      if (have > indent || (out.empty() && have > 0)) {  // the line is full: start another
        out += line + "\n";
        line.assign(indent, ' ');
        continue;
      }
      // A word longer than a whole line: as much of it as fits, the rest on the next.
      std::size_t room = n - have, cols = 0, i = 0;
      for (; i < word.size(); ++i) {
        if ((word[i] & 0xC0) != 0x80 && cols++ == room) break;
      }
      out += line + word.substr(0, i) + "\n";
      word.erase(0, i);
      line.assign(indent, ' ');
    }
  }
  return out + line + "\n";
}

// A cell: cut to `n` columns, then padded to them.
std::string Cell(std::string s, std::size_t n) { return PadRight(Fit(std::move(s), n), n); }

}  // namespace

std::string RenderReportJson(const ReportData& d) {
  std::string out;
  RenderReportJson(d, [&](std::string_view piece) {
    out.append(piece);
    return true;
  });
  return out;
}

bool RenderReportJson(const ReportData& d, const std::function<bool(std::string_view)>& write) {
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  core::JsonWriter w;
  bool ok = true;
  auto flush_if_big = [&] {
    if (ok && w.str().size() >= kPiece) ok = write(w.TakeSoFar());
  };
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
  for (const UserRow* row : d.users) {
    const UserRow& u = *row;
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
    w.Key("remote_ips").Uint(u.RemoteIps());
    w.EndObject();
    flush_if_big();
  }
  w.EndArray();
  w.Key("findings").BeginArray();
  for (std::size_t i = 0; i < d.findings.size(); ++i) {
    w.BeginObject();
    alerting::WriteFindingJson(w, d.findings[i]);  // the alert JSON's finding, member for member
    // Only when a mute of the daemon's covered it (ReportData::muted).
    if (i < d.muted.size() && !d.muted[i].empty()) w.Key("muted").String(d.muted[i]);
    w.EndObject();
    flush_if_big();
  }
  w.EndArray();
  // What the report could not read (a file it may not open, a dead service): it is partial.
  w.Key("warnings").BeginArray();
  for (const std::string& warning : d.totals.warnings) w.String(warning);
  w.EndArray();
  w.EndObject();
  std::string rest = w.TakeSoFar();
  rest.push_back('\n');
  return ok && write(rest);
}

std::string RenderReportText(const ReportData& d, const core::LocalZone& zone,
                             const ReportTextOptions& options) {
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

  // FINDINGS: columns as wide as their widest cell (within caps), the detail after them when
  // at least kMinDetail columns are left, else on a line of its own below the row.
  constexpr std::size_t kW = kReportColumns;
  constexpr std::size_t kMinDetail = 24;
  struct FindingRow {
    std::string when, rule, user, count, limit, window, detail, history;
  };
  std::vector<FindingRow> rows;
  std::size_t tw = 13, rw = 4, uw = 4, cw = 5, lw = 5, ww = 6;  // the headers' widths
  for (std::size_t i = 0; i < d.findings.size(); ++i) {
    const alerting::Alert& a = d.findings[i];
    const detect::Finding& f = a.finding;
    FindingRow row;
    // LAST without its date when it is FIRST's day, as the old scripts printed it.
    const std::string first = local(f.first), last = local(f.last);
    const bool same_day = first.compare(0, 10, last, 0, 10) == 0;
    row.when = first + " .. " + (same_day ? last.substr(11) : last);
    row.rule = core::EscapeForLog(f.rule);
    row.user = core::EscapeForLog(f.key);
    row.count = std::to_string(f.count);
    row.limit = std::to_string(f.limit);
    row.window = core::FormatDuration(f.window);
    row.detail = core::EscapeForLog(f.detail);
    if (a.state == alerting::AlertState::kOngoing) row.detail = "(still going on) " + row.detail;
    if (i < d.muted.size() && !d.muted[i].empty()) {
      row.detail = "(" + core::EscapeForLog(d.muted[i]) + ") " + row.detail;
    }
    if (options.histograms) row.history = alerting::SliceLine(f, options.unicode);
    tw = std::max(tw, Columns(row.when));
    rw = std::max(rw, std::min<std::size_t>(Columns(row.rule), 16));
    uw = std::max(uw, std::min<std::size_t>(Columns(row.user), 32));
    cw = std::max(cw, Columns(row.count));
    lw = std::max(lw, Columns(row.limit));
    ww = std::max(ww, Columns(row.window));
    rows.push_back(std::move(row));
  }
  // The user column gives way first (down to 12), so the fixed columns fit in kW.
  const std::size_t others = 2 + tw + 2 + rw + 2 + 2 + cw + 2 + lw + 2 + ww;
  if (others + uw > kW) uw = std::max<std::size_t>(12, kW > others ? kW - others : 0);
  const std::size_t fixed = others + uw;
  const bool detail_inline = fixed + 2 + kMinDetail <= kW;
  out += "\nFINDINGS (" + std::to_string(d.findings.size()) + ")\n";
  if (d.findings.empty()) {
    out += "  none\n";
  } else {
    out += Fit("  " + PadRight("FIRST .. LAST", tw) + "  " + PadRight("RULE", rw) + "  " +
                   PadRight("USER", uw) + "  " + PadLeft("COUNT", cw) + "  " +
                   PadLeft("LIMIT", lw) + "  " +
                   (detail_inline ? PadRight("WINDOW", ww) + "  DETAIL" : std::string("WINDOW")),
               kW) +
           "\n";
  }
  for (const FindingRow& row : rows) {
    std::string line = "  " + PadRight(row.when, tw) + "  " + Cell(row.rule, rw) + "  " +
                       Cell(row.user, uw) + "  " + PadLeft(row.count, cw) + "  " +
                       PadLeft(row.limit, lw) + "  ";
    if (detail_inline) {
      line += PadRight(row.window, ww);
      if (!row.detail.empty()) line += "  " + row.detail;
      out += Fit(line, kW) + "\n";
    } else {
      out += Fit(line + row.window, kW) + "\n";
      if (!row.detail.empty()) out += Fit("      detail: " + row.detail, kW) + "\n";
    }
    // At most 6 + kSlices + 2 + 26 columns: within kW.
    if (!row.history.empty()) out += Fit("      " + row.history, kW) + "\n";
  }

  // USERS: PEAK wraps inside its column (one rule=peak per token), so it never runs into
  // FOREIGN SENDERS, which take what is left of the line.
  out += "\nUSERS (" + std::to_string(d.users.size()) + ")\n";
  std::size_t users_w = 4, peak_w = 4;
  std::vector<std::vector<std::string>> peaks;
  for (const UserRow* row : d.users) {
    const UserRow& u = *row;
    users_w = std::max(users_w, std::min<std::size_t>(Columns(core::EscapeForLog(u.user)), 32));
    std::vector<std::string> tokens;
    for (std::size_t r = 0; r < d.rule_order.size() && r < u.peak.size(); ++r) {
      if (u.peak[r] == 0) continue;
      tokens.push_back(core::EscapeForLog(d.rule_order[r]) + "=" + std::to_string(u.peak[r]));
    }
    std::string joined;
    for (const std::string& t : tokens) joined += (joined.empty() ? "" : " ") + t;
    peak_w = std::max(peak_w, std::min<std::size_t>(Columns(joined), 30));
    peaks.push_back(std::move(tokens));
  }
  if (!d.users.empty()) {
    out += "  " + PadLeft("RCPT", 8) + "  " + PadRight("USER", users_w) + "  " + PadLeft("IPS", 5) +
           "  " + PadRight("PEAK", peak_w) + "  FOREIGN SENDERS\n";
  }
  const std::size_t peak_at = 2 + 8 + 2 + users_w + 2 + 5 + 2;
  for (std::size_t i = 0; i < d.users.size(); ++i) {
    const UserRow& u = *d.users[i];
    // The peak tokens in lines of at most peak_w columns (a longer token is cut).
    std::vector<std::string> peak_lines(1);
    for (const std::string& t : peaks[i]) {
      std::string& cur = peak_lines.back();
      if (!cur.empty() && Columns(cur) + 1 + Columns(t) > peak_w) {
        peak_lines.push_back(Fit(t, peak_w));
      } else {
        cur += (cur.empty() ? "" : " ") + Fit(t, peak_w);
      }
    }
    std::vector<std::pair<std::string, std::uint64_t>> senders(u.foreign_senders.begin(),
                                                               u.foreign_senders.end());
    std::stable_sort(senders.begin(), senders.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string foreign;
    for (std::size_t j = 0; j < senders.size() && j < 3; ++j) {
      if (j) foreign += ", ";
      foreign += core::EscapeForLog(senders[j].first) + " x" + std::to_string(senders[j].second);
    }
    if (senders.size() > 3) foreign += ", +" + std::to_string(senders.size() - 3) + " more";
    std::string line = "  " + PadLeft(std::to_string(u.recipients), 8) + "  " +
                       Cell(core::EscapeForLog(u.user), users_w) + "  " +
                       PadLeft(std::to_string(u.RemoteIps()), 5) + "  ";
    if (foreign.empty()) {
      line += peak_lines[0];
    } else {
      line += PadRight(peak_lines[0], peak_w) + "  " + foreign;
    }
    out += Fit(line, kW) + "\n";
    for (std::size_t j = 1; j < peak_lines.size(); ++j) {
      out += std::string(peak_at, ' ') + peak_lines[j] + "\n";
    }
  }

  // RULES: per rule shown, its findings, the keys with findings, and the key of the finding with
  // the highest count.
  out += "\nRULES\n";
  std::size_t rule_w = 4, kind_w = 4;
  for (std::size_t r = 0; r < d.rule_order.size(); ++r) {
    if (r < d.rule_shown.size() && !d.rule_shown[r]) continue;
    rule_w =
        std::max(rule_w, std::min<std::size_t>(Columns(core::EscapeForLog(d.rule_order[r])), 24));
    if (r < d.rule_kinds.size()) kind_w = std::max(kind_w, Columns(d.rule_kinds[r]));
  }
  out += "  " + PadRight("RULE", rule_w) + "  " + PadRight("KIND", kind_w) + "  " +
         PadLeft("FINDINGS", 8) + "  " + PadLeft("KEYS", 6) + "  TOP KEY\n";
  for (std::size_t r = 0; r < d.rule_order.size(); ++r) {
    if (r < d.rule_shown.size() && !d.rule_shown[r]) continue;
    std::uint64_t n = 0;
    std::vector<std::string> keys;
    const detect::Finding* top = nullptr;
    for (const alerting::Alert& a : d.findings) {
      if (a.finding.rule != d.rule_order[r]) continue;
      ++n;
      keys.push_back(a.finding.key);
      if (top == nullptr || a.finding.count > top->count) top = &a.finding;
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::string line = "  " + Cell(core::EscapeForLog(d.rule_order[r]), rule_w) + "  " +
                       PadRight(r < d.rule_kinds.size() ? d.rule_kinds[r] : "", kind_w) + "  " +
                       PadLeft(std::to_string(n), 8) + "  " +
                       PadLeft(std::to_string(keys.size()), 6) + "  " +
                       (top ? core::EscapeForLog(top->key) + " (" + std::to_string(top->count) + ")"
                            : std::string("-"));
    out += Fit(line, kW) + "\n";
  }
  if (d.stats.malformed > 0) {
    out += "\nMALFORMED LINES (" + std::to_string(d.stats.malformed) + ")\n";
    for (const auto& [reason, n] : d.stats.malformed_by_reason) {
      out +=
          Fit("  " + PadLeft(std::to_string(n), 8) + "  " + core::EscapeForLog(reason), kW) + "\n";
    }
    for (const std::string& s : d.stats.malformed_samples) {
      out += Fit("    e.g. " + core::EscapeForLog(s.substr(0, 160)), kW) + "\n";
    }
  }
  // Warnings are wrapped, not cut: each says what part of the report is missing.
  for (const std::string& w : d.totals.warnings) out += Wrap("warning: " + w, kW, 4);
  return out;
}

}  // namespace relaywatch::app
