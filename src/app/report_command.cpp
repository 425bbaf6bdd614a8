#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/fleet_report.h"
#include "relaywatch/app/local_zone.h"
#include "relaywatch/app/report.h"

namespace relaywatch::app {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
constexpr bool kAddressSanitizer = __has_feature(address_sanitizer);
#else
constexpr bool kAddressSanitizer = false;
#endif

// The report is written and the process ends next: its memory goes back to the system whole.
// Freeing the tables first, row by row (on a big site's day 20,000 rows and 10,000 findings),
// took as long as writing them. Kept reachable from a global, so it is no leak to a checker; a
// sanitizer build frees it as usual, so that its leak check still looks at every allocation.
ReportData* left_to_exit = nullptr;
void LeaveToExit(ReportData&& data) {
  if constexpr (kAddressSanitizer) return;  // freed by its owner, as any other
  left_to_exit = new ReportData(std::move(data));
}

const std::vector<OptionSpec>& ReportOptions() {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"dir", 0, true, true, "DIR", "a multilog directory to read (repeatable)"},
      {"service", 0, true, true, "NAME", "a discovered service to read (repeatable)"},
      {"date", 0, true, false, "YYYY-MM-DD", "one local calendar day (TZ)"},
      {"since", 0, true, false, "TIME", "start, ISO 8601 (no zone = local time)"},
      {"until", 0, true, false, "TIME", "end (exclusive), ISO 8601"},
      {"user", 0, true, false, "LOGIN", "only this login (or ip:ADDRESS)"},
      {"rule", 0, true, true, "NAME",
       "only this rule's findings and peaks (repeatable; the windows of all rules still run)"},
      {"all", 0, false, false, "", "list every login that relayed, not only those with findings"},
      {"format", 0, true, false, "text|json", "output format (default text)"},
      {"threads", 0, true, false, "N",
       "count the logins in N shards, one thread each (default: one per core, at most 16); the "
       "result is the same for any N"},
      {"fleet", 0, false, false, "",
       "print the fleet's windows now, from Redis (config fleet:): its nodes and each rule's top "
       "logins with every node's part, instead of reading this host's logs"},
      {"ascii", 0, false, false, "",
       "draw --user's histograms in ASCII (the default unless LC_ALL, LC_CTYPE or LANG is UTF-8)"},
      {"help", 'h', false, false, "", "show this help"},
  };
  return kOptions;
}

// Whether the locale's character set is UTF-8: the first of LC_ALL, LC_CTYPE, LANG that is set
// and not empty decides, as setlocale would.
bool Utf8Locale() {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') continue;
    std::string s(v);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "relaywatch report: %s\n(see relaywatch report --help)\n", why.c_str());
  return kExitUsage;
}

}  // namespace

int ReportCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(ReportOptions(), argv);
  if (!args) return Usage(args.error().message);
  if (args->has("help")) {
    std::printf(
        "usage: relaywatch report [-c FILE] [--dir DIR | --service NAME]... [--date YYYY-MM-DD | "
        "--since T --until T] [--user LOGIN] [--rule NAME]... [--all] [--format text|json] "
        "[--threads N] [--ascii]\n       relaywatch report [-c FILE] --fleet [--format "
        "text|json]\n\n"
        "Runs the rules over the stored logs (archives and current) and prints the findings\n"
        "and the logins behind them: what the daemon alerted, or would have, in that range.\n\n%s",
        OptionsHelp(ReportOptions()).c_str());
    return kExitOk;
  }
  if (!args->positional.empty()) return Usage("unexpected argument " + args->positional[0]);
  std::string format = args->get("format").value_or("text");
  if (format != "text" && format != "json") {
    return Usage("--format: expected text or json, got \"" + format + "\"");
  }
  if (args->has("date") && (args->has("since") || args->has("until"))) {
    return Usage("--date cannot be combined with --since/--until");
  }
  if (args->has("fleet")) {
    for (const char* alone :
         {"dir", "service", "date", "since", "until", "user", "rule", "all", "threads"}) {
      if (args->has(alone)) return Usage(std::string("--fleet cannot be combined with --") + alone);
    }
    auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/false);
    if (!config) {
      std::fprintf(stderr, "relaywatch report: %s\n", config.error().message.c_str());
      return kExitBadInput;
    }
    return FleetReport(*config, format == "json");
  }

  core::LocalZone zone = SystemLocalZone();
  ReportRequest req;
  req.dirs = args->all("dir");
  req.services = args->all("service");
  req.all = args->has("all");
  req.rules = args->all("rule");
  req.user = args->get("user");  // keyed by RunReport, which knows default_domain
  if (req.user && req.user->empty()) return Usage("--user: expected a login or ip:ADDRESS");
  if (auto threads = args->get("threads")) {
    char* end = nullptr;
    errno = 0;
    const unsigned long n = std::strtoul(threads->c_str(), &end, 10);
    if (threads->empty() || !std::isdigit(static_cast<unsigned char>((*threads)[0])) ||
        *end != '\0' || errno != 0 || n < 1 || n > 64) {
      return Usage("--threads: expected a number from 1 to 64, got \"" + *threads + "\"");
    }
    req.threads = static_cast<std::size_t>(n);
  }
  if (auto date = args->get("date")) {
    core::CivilTime c;
    int y, m, d;
    char tail;
    if (date->size() != 10 || std::sscanf(date->c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
      return Usage("--date: expected YYYY-MM-DD, got \"" + *date + "\"");
    }
    auto start = core::ParseIso8601(*date, zone);
    if (!start) return Usage("--date: no such day \"" + *date + "\"");
    c = core::ToCivilUtc(*core::FromCivilUtc({y, m, d, 0, 0, 0, 0}) + std::chrono::hours(24));
    auto next = core::ParseIso8601(
        [&] {
          char buf[16];
          std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
          return std::string(buf);
        }(),
        zone);
    req.since = *start;
    req.until = next ? *next : *start + std::chrono::hours(24);
  }
  for (const char* key : {"since", "until"}) {
    if (auto v = args->get(key)) {
      auto t = core::ParseIso8601(*v, zone);
      if (!t && core::ParseIso8601(*v, core::LocalZone::Fixed(0))) {
        // Well formed, but a clock change skips that local time.
        return Usage(std::string("--") + key + ": \"" + *v +
                     "\" does not exist in the local time zone (TZ): the clocks skip it; give "
                     "an offset (+01:00) or Z");
      }
      if (!t) {
        return Usage(std::string("--") + key + ": expected ISO 8601 like 2026-11-28T09:00, got \"" +
                     *v + "\"");
      }
      (std::string(key) == "since" ? req.since : req.until) = *t;
    }
  }
  if (req.since && req.until && *req.until <= *req.since) {
    return Usage("--until must be later than --since");
  }

  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/true);
  if (!config) {
    std::fprintf(stderr, "relaywatch report: %s\n", config.error().message.c_str());
    return kExitBadInput;
  }
  auto data = RunReport(*config, req, zone);
  if (!data && data.error().message.starts_with("--rule:")) return Usage(data.error().message);
  if (!data) {
    std::fprintf(stderr, "relaywatch report: %s\n", data.error().message.c_str());
    return kExitBadInput;
  }
  ReportTextOptions text;
  text.histograms = req.user.has_value();  // one login's findings: how each count developed
  text.unicode = !args->has("ascii") && Utf8Locale();
  for (const std::string& w : data->totals.warnings) {
    std::fprintf(stderr, "relaywatch report: warning: %s\n", w.c_str());
  }
  auto write = [](std::string_view piece) {
    return std::fwrite(piece.data(), 1, piece.size(), stdout) == piece.size();
  };
  // A long range's JSON goes out a piece at a time; the text report is one screenful or so.
  const bool written = format == "json" ? RenderReportJson(*data, write)
                                        : write(RenderReportText(*data, zone, text));
  // A full disk or a closed pipe must not pass for a report delivered.
  if (!written || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "relaywatch report: unable to write the report: %s\n",
                 std::strerror(errno));
    return kExitInternal;
  }
  LeaveToExit(std::move(*data));
  return kExitOk;
}

}  // namespace relaywatch::app
