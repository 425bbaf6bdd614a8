// `relaywatch status`: asks the running daemon what it holds.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/commands.h"
#include "relaywatch/app/status_client.h"
#include "relaywatch/app/status_nagios.h"
#include "relaywatch/core/time.h"

namespace relaywatch::app {
namespace {

constexpr auto kDefaultTimeout = std::chrono::seconds(10);

// Seconds: a plain number (60) or a duration (5m).
std::optional<double> ParseSeconds(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() < 10) {
    return std::stod(text);
  }
  if (auto d = core::ParseDuration(text)) return std::chrono::duration<double>(*d).count();
  return std::nullopt;
}

int Nagios(const NagiosVerdict& v) {
  std::fwrite(v.line.data(), 1, v.line.size(), stdout);
  return v.code;
}

}  // namespace

int StatusCommand(const std::vector<std::string>& argv) {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"format", 0, true, false, "text|json", "output format (default text)"},
      {"timeout", 0, true, false, "DURATION",
       "give up when the daemon has not answered within this (default 10s)"},
      {"nagios", 0, false, false, "",
       "one line and exit code for Nagios/Icinga: 0 OK, 1 WARNING, 2 CRITICAL (also: the daemon "
       "cannot be asked), 3 UNKNOWN"},
      {"lag-warning", 0, true, false, "SECONDS", "--nagios: WARNING over this lag (default 60)"},
      {"lag-critical", 0, true, false, "SECONDS", "--nagios: CRITICAL over this lag (default 300)"},
      {"help", 'h', false, false, "", "show this help"},
  };
  const bool nagios = std::find(argv.begin(), argv.end(), "--nagios") != argv.end();
  int exit_code = kExitOk;
  auto args = ParseCommandArgs("status", kOptions, argv,
                               "usage: relaywatch status [-c FILE] [--format text|json] "
                               "[--timeout DURATION]\n"
                               "       relaywatch status [-c FILE] --nagios [--lag-warning "
                               "SECONDS] [--lag-critical SECONDS]\n\n"
                               "Shows what the running daemon holds: sources, their state, "
                               "positions and lag, top keys per rule, pending alerts.",
                               exit_code);
  if (!args) {
    if (nagios && exit_code != kExitOk) return Nagios(NagiosUnknown("bad arguments"));
    return exit_code;
  }
  NagiosThresholds thresholds;
  for (auto [name, value] : {std::pair{"lag-warning", &thresholds.lag_warning},
                             std::pair{"lag-critical", &thresholds.lag_critical}}) {
    if (auto text = args->get(name)) {
      auto seconds = ParseSeconds(*text);
      if (!seconds) {
        std::fprintf(stderr, "relaywatch status: --%s: expected seconds like 60, got \"%s\"\n",
                     name, text->c_str());
        return nagios ? Nagios(NagiosUnknown(std::string("bad --") + name)) : kExitUsage;
      }
      *value = *seconds;
    }
  }
  std::string format = args->get("format").value_or("text");
  if (nagios) format = "json";
  if (format != "text" && format != "json") {
    std::fprintf(stderr, "relaywatch status: --format: expected text or json, got \"%s\"\n",
                 format.c_str());
    return kExitUsage;
  }
  core::Duration timeout = kDefaultTimeout;
  if (auto text = args->get("timeout")) {
    auto parsed = core::ParseDuration(*text);
    if (!parsed) {
      std::fprintf(stderr,
                   "relaywatch status: --timeout: expected a duration like 10s, got \"%s\"\n",
                   text->c_str());
      return kExitUsage;
    }
    timeout = *parsed;
  }
  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/false);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return nagios ? Nagios(NagiosUnknown("unable to read the config")) : kExitBadInput;
  }
  auto answer = QueryStatus(config->state_dir, format,
                            std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  if (nagios) {
    return Nagios(answer ? JudgeStatus(*answer, thresholds)
                         : NagiosUnreachable(answer.error().message));
  }
  if (!answer) {
    std::fprintf(stderr, "relaywatch status: %s\n", answer.error().message.c_str());
    return kExitBadInput;
  }
  std::fwrite(answer->data(), 1, answer->size(), stdout);
  return kExitOk;
}

}  // namespace relaywatch::app
