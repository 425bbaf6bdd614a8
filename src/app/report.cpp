#include "relaywatch/app/report.h"

#include <algorithm>
#include <filesystem>

#include "relaywatch/app/mutes.h"
#include "relaywatch/app/report_count.h"
#include "relaywatch/core/text.h"
#include "relaywatch/detect/login_key.h"
#include "relaywatch/detect/rule_kind.h"
#include "relaywatch/follow/decode_thread.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/log_dir.h"
#include "relaywatch/parse/address.h"
#include "relaywatch/pipeline/pipeline.h"
#include "relaywatch/stamp/line.h"

namespace relaywatch::app {
namespace {

// The service a --dir belongs to when no configured source names it. daemontools' layout,
// <svc>/log/main, names it two levels up; any other directory is named by itself
// (/var/log/qmail/submission -> submission, /var/log/qmail -> qmail).
std::string ServiceOfDir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::filesystem::path path(dir);
  const std::filesystem::path log = path.parent_path();
  if (path.filename() == "main" && log.filename() == "log" && !log.parent_path().empty() &&
      log.parent_path() != log.root_path()) {
    return log.parent_path().filename().string();
  }
  return path.filename().string();
}

// Adds a source unless its directory is already read: a directory named twice (twice on the
// command line, or by --dir and --service) would have every line counted twice.
void AddSource(std::vector<ReportSource>& out, ReportSource s) {
  for (const ReportSource& have : out) {
    if (follow::SameDir(have.dir, s.dir)) return;
  }
  out.push_back(std::move(s));
}

core::Result<std::vector<ReportSource>> ChooseSources(const config::Config& config,
                                                      const ReportRequest& req) {
  std::vector<ReportSource> out;
  follow::DiscoveryResult found = follow::DiscoverSources(config.sources);
  for (const std::string& dir : req.dirs) {
    // A configured or discovered directory keeps its service's name (service-policy rules go by
    // it); any other is named from its resolved path, so "--dir ." is not service ".".
    std::string service = ServiceOfDir(follow::ResolvedDir(dir));
    for (const auto& s : found.sources) {
      if (follow::SameDir(s.dir, dir)) {
        service = s.service;
        break;
      }
    }
    AddSource(out, {service, dir, /*named=*/true});
  }
  if (!req.dirs.empty() && req.services.empty()) return out;
  if (req.services.empty()) {
    for (const auto& s : found.sources) AddSource(out, {s.service, s.dir, false});
    if (out.empty()) {
      std::string why = "no log directories found";
      if (!found.problems.empty()) why += " (" + found.problems.front() + ")";
      return core::Error{why + "; name one with --dir DIR"};
    }
    return out;
  }
  for (const std::string& name : req.services) {
    bool any = false;
    for (const auto& s : found.sources) {
      if (s.service == name) AddSource(out, {s.service, s.dir, true}), any = true;
    }
    if (!any) return core::Error{"no log directory found for service " + name};
  }
  return out;
}

// Marks the findings a mute of the daemon's (state_dir/mutes) covered at their last line. The
// state_dir is the daemon's user's (0700): a report run by another user cannot read it and says
// nothing of mutes; a mutes file that is there but not valid is a warning.
void MarkMuted(const config::Config& config, ReportData& data) {
  data.muted.assign(data.findings.size(), std::string());
  auto mutes = ReadMutesFile(MutesPath(config.state_dir));
  if (!mutes) {
    if (!mutes.error().message.starts_with("unable to read")) {
      data.totals.warnings.push_back("mutes not shown: " +
                                     core::EscapeForLog(mutes.error().message));
    }
    return;
  }
  const alerting::MuteList list(std::move(*mutes));
  for (std::size_t i = 0; i < data.findings.size(); ++i) {
    const detect::Finding& f = data.findings[i].finding;
    if (const alerting::Mute* m = list.Match(f.key, f.rule, f.last)) {
      data.muted[i] = alerting::DescribeMute(*m);
    }
  }
}

}  // namespace

core::Result<ReportData> RunReport(const config::Config& config, const ReportRequest& req,
                                   const core::LocalZone& zone) {
  ReportData data;
  data.since = req.since;
  data.until = req.until;
  for (const auto& r : config.rules) {
    data.rule_order.push_back(r.name);
    data.rule_kinds.emplace_back(detect::RuleKindName(r.kind()));
    data.rule_shown.push_back(req.rules.empty() || std::find(req.rules.begin(), req.rules.end(),
                                                             r.name) != req.rules.end());
  }
  for (const std::string& name : req.rules) {
    if (std::find(data.rule_order.begin(), data.rule_order.end(), name) != data.rule_order.end()) {
      continue;
    }
    std::string names;
    for (const std::string& r : data.rule_order) names += (names.empty() ? "" : ", ") + r;
    return core::Error{"--rule: no rule named \"" + core::EscapeForLog(name) +
                       "\"; the configured rules are: " + (names.empty() ? "(none)" : names)};
  }
  auto sources = ChooseSources(config, req);
  if (!sources) return sources.error();
  data.sources = *sources;

  std::vector<follow::StoredLogInput> inputs;
  std::vector<std::string> warnings;
  std::vector<ReportSource> readable;
  std::optional<core::Error> first_error;
  ReportCountRequest count_req;
  for (const ReportSource& s : data.sources) {
    auto files = follow::ListLogFiles(s.dir);
    if (!files) {
      // One dead service among the discovered ones must not hide the others' report; a
      // directory the admin named is an error.
      if (s.named) return files.error();
      first_error = first_error.value_or(files.error());
      warnings.push_back(core::EscapeForLog(files.error().message) + "; service " +
                         core::EscapeForLog(s.service) + " skipped");
      continue;
    }
    if (files->empty()) {
      warnings.push_back(core::EscapeForLog(s.dir) +
                         " holds no multilog 'current' nor @*.s archive: is it a log directory?");
    }
    inputs.push_back({s.service, std::move(*files)});
    count_req.services.push_back(s.service);
    readable.push_back(s);
  }
  // Not one directory readable (cron running report as a user who may not read the logs): no
  // report at all, rather than an empty one that reads as "all clear".
  if (readable.empty() && first_error) return *first_error;
  data.sources = std::move(readable);

  std::optional<core::Timestamp> skip_before;
  core::Timestamp since = req.since.value_or(core::Timestamp::min());
  if (req.since) {
    skip_before = *req.since - pipeline::WarmUp(config);
    count_req.quiet_until = *req.since;
  }
  count_req.since = since;
  // --user names a login as the admin types it; compare it as the lines are keyed.
  std::optional<std::string> user = req.user;
  if (user && !user->starts_with("ip:")) user = detect::LoginKey(*user, {}, config.default_domain);
  if (user && user->starts_with("ip:")) user = detect::LoginKey({}, user->substr(3));  // canonical
  auto is_user = [&](std::string_view key) {
    return user->starts_with("ip:") ? parse::EqualsIgnoreCase(key, *user) : key == *user;
  };

  // The range's first and last stamps need only the line: taken on the decoding thread.
  // Per input, in range or not (--date must not hide them): lines without a stamp, and whether
  // any line had one.
  std::vector<std::uint64_t> unstamped_read;
  std::vector<bool> stamped_read;
  auto in_range = [&](const follow::ReadLine& r) {
    const stamp::Line& line = r.decoded.line;
    if (line.stamped) {
      stamped_read[r.input] = true;
    } else {
      ++unstamped_read[r.input];
    }
    if (line.time < since) return;  // the warm-up: the pipeline's quiet lines
    if (line.stamped) {
      if (!data.first_line) data.first_line = line.time;
      data.last_line = std::max(data.last_line.value_or(line.time), line.time);
    }
  };
  auto count = [&](std::size_t shards) {
    unstamped_read.assign(data.sources.size(), 0);
    stamped_read.assign(data.sources.size(), false);
    data.first_line = data.last_line = std::nullopt;
    follow::StoredLogReader reader(inputs, zone, skip_before, req.until);
    count_req.threads = shards;
    ReportCount counted = CountReport(config, count_req, reader, in_range);
    data.totals = reader.totals();
    return counted;
  };
  const std::size_t threads = req.threads.value_or(DefaultReportThreads());
  ReportCount counted = count(threads);
  // A rule's max_keys cap holds over every login, not per shard (report_count.h): a sharded count
  // that evicted is counted again, as the daemon would have, on one thread. So is one that met a
  // qlog log the reader had not marked.
  if (threads > 1 && (counted.stats.evicted_keys > 0 || counted.qlog_unmarked)) counted = count(1);
  data.stats = counted.stats;
  data.findings = std::move(counted.alerts);
  std::vector<ReportTally::Users>& tables = counted.tables;
  for (std::size_t i = 0; i < data.sources.size(); ++i) {
    // Event time is the log's stamps: without them the windows and --date cannot be right.
    const std::uint64_t n = unstamped_read[i];
    if (n == 0) continue;
    const std::string where = core::EscapeForLog(data.sources[i].dir) + ": ";
    warnings.push_back(
        stamped_read[i]
            ? where + std::to_string(n) + (n == 1 ? " line read has" : " lines read have") +
                  " no multilog timestamp; each is dated like the stamped line before it"
            : where +
                  "no line has a multilog timestamp, so no line has a time: add 't' to "
                  "multilog in the service's log/run");
  }
  if (const std::uint64_t n = data.stats.evicted_keys; n > 0) {
    // The same cap as the daemon's (rules[].max_keys), so the report is what the daemon did.
    warnings.push_back(std::to_string(n) + (n == 1 ? " key was" : " keys were") +
                       " evicted: a rule held max_keys logins at once and gave up the one idle "
                       "longest for each new one, whose count then started again from zero; "
                       "raise max_keys if so many logins are real");
  }
  data.totals.warnings.insert(data.totals.warnings.begin(), warnings.begin(), warnings.end());

  if (!req.rules.empty()) {
    // --rule: the other rules' findings and peaks are not shown (their windows still ran).
    std::erase_if(data.findings, [&](const alerting::Alert& a) {
      return std::find(req.rules.begin(), req.rules.end(), a.finding.rule) == req.rules.end();
    });
    for (ReportTally::Users& table : tables) {
      for (auto& [key, row] : table) {
        for (std::size_t r = 0; r < row.peak.size() && r < data.rule_shown.size(); ++r) {
          if (!data.rule_shown[r]) row.peak[r] = 0;
        }
      }
    }
  }
  // Views of the findings' keys (data.findings outlives them): a copy of each was a string.
  std::vector<std::string_view> with_findings;
  for (const alerting::Alert& a : data.findings) with_findings.push_back(a.finding.key);
  std::sort(with_findings.begin(), with_findings.end());
  auto has_finding = [&](std::string_view k) {
    return std::binary_search(with_findings.begin(), with_findings.end(), k);
  };
  // Sorted as pointers: a row is a string, a vector, a map and two sets, and sorting 20,000 of
  // them by value moved each a dozen times.
  std::vector<const UserRow*>& shown = data.users;
  for (const ReportTally::Users& table : tables) {
    for (const auto& [key, row] : table) {
      if (user && !is_user(key)) continue;
      if (!req.all && !has_finding(key)) continue;
      if (req.all && row.recipients == 0 && !has_finding(key)) continue;
      shown.push_back(&row);
    }
  }
  std::sort(shown.begin(), shown.end(), [](const UserRow* a, const UserRow* b) {
    return a->recipients != b->recipients ? a->recipients > b->recipients : a->user < b->user;
  });
  data.user_tables = std::move(tables);  // the rows stay where they are
  if (user) {
    std::erase_if(data.findings, [&](const alerting::Alert& a) { return !is_user(a.finding.key); });
  }
  MarkMuted(config, data);
  return data;
}

}  // namespace relaywatch::app
