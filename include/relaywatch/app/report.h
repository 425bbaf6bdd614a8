// `relaywatch report`: the rules over the stored logs, for a day or a range.
//
// The same Pipeline the daemon runs, fed the same DecodedLines (decode/line_decoder.h) from the
// stored files (follow/stored_logs.h) instead of the followers: what it finds for a day is what
// the daemon would have alerted that day. Lines from pipeline::WarmUp before the range warm the
// windows (so 00:10's count includes 23:55's mail) but are not reported.
#ifndef RELAYWATCH_APP_REPORT_H_
#define RELAYWATCH_APP_REPORT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/app/report_tally.h"
#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"
#include "relaywatch/follow/stored_logs.h"
#include "relaywatch/pipeline/stats.h"

namespace relaywatch::app {

struct ReportRequest {
  std::vector<std::string> dirs;      // --dir
  std::vector<std::string> services;  // --service
  std::optional<core::Timestamp> since, until;
  std::optional<std::string> user;  // a login as typed, or ip:ADDRESS; keyed like the lines
  bool all = false;
  std::vector<std::string> rules;  // --rule: only these rules' findings and peaks (empty: all)
  // --threads: how many shards count the logins (report_count.h); unset: one per core.
  std::optional<std::size_t> threads;
};

struct ReportSource {
  std::string service;
  std::string dir;
  bool named = false;  // by --dir or --service: unreadable is an error, not a warning
};

struct ReportData {
  // Moved, not copied: a copy's users would point into the original's user_tables.
  ReportData() = default;
  ReportData(ReportData&&) = default;
  ReportData& operator=(ReportData&&) = default;
  ReportData(const ReportData&) = delete;
  ReportData& operator=(const ReportData&) = delete;

  std::optional<core::Timestamp> since, until;
  std::optional<core::Timestamp> first_line, last_line;  // stamps seen in range
  std::vector<ReportSource> sources;
  pipeline::Stats stats;
  follow::StoredLogTotals totals;
  // The rows shown, sorted: recipients desc, then user. They point into user_tables, which
  // holds them where the count made them: moving 20,000 rows out, and freeing what they were
  // moved out of, took longer than writing them.
  std::vector<const UserRow*> users;
  std::vector<ReportTally::Users> user_tables;
  std::vector<alerting::Alert> findings;  // in stamp order
  // Per finding: what the daemon's mutes (state_dir/mutes, when readable) say of it at its last
  // line ("muted until ... by mute (reason)"), or "" when none was in force. The file keeps the
  // mutes the daemon holds now; one that has ended is no longer there.
  std::vector<std::string> muted;
  std::vector<std::string> rule_order;  // rule names as configured
  std::vector<std::string> rule_kinds;  // their kinds' names ("volume"), by rule index
  std::vector<bool> rule_shown;         // by rule index: selected by --rule (all without it)
};

// The text report's width: no line of RenderReportText is wider (in code points).
inline constexpr std::size_t kReportColumns = 100;

// Runs the report. Errors: a --service that no source has, an unreadable --dir, a --rule that
// names no configured rule.
core::Result<ReportData> RunReport(const config::Config& config, const ReportRequest& request,
                                   const core::LocalZone& zone);

// The JSON report, handed to `write` a piece at a time (about 1 MiB each) so that a long
// range's findings are never one string in memory; false when `write` returned false.
bool RenderReportJson(const ReportData& data, const std::function<bool(std::string_view)>& write);
// The same as one string.
std::string RenderReportJson(const ReportData& data);
// How RenderReportText draws what a terminal may not show.
struct ReportTextOptions {
  bool histograms = false;  // a line under each finding: its count's slices (alerting/histogram.h)
  bool unicode = true;      // block characters; false: ASCII
};
std::string RenderReportText(const ReportData& data, const core::LocalZone& zone,
                             const ReportTextOptions& options = {});

// The `report` subcommand: argv after "report" -> exit code.
int ReportCommand(const std::vector<std::string>& args);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_REPORT_H_
