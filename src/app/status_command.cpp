// `relaywatch status`: asks the running daemon what it holds.
#include <cstdio>

#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/commands.h"
#include "relaywatch/app/status_client.h"
#include "relaywatch/core/time.h"

namespace relaywatch::app {
namespace {

constexpr auto kDefaultTimeout = std::chrono::seconds(10);

}  // namespace

int StatusCommand(const std::vector<std::string>& argv) {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"format", 0, true, false, "text|json", "output format (default text)"},
      {"timeout", 0, true, false, "DURATION",
       "give up when the daemon has not answered within this (default 10s)"},
      {"help", 'h', false, false, "", "show this help"},
  };
  int exit_code = kExitOk;
  auto args = ParseCommandArgs("status", kOptions, argv,
                               "usage: relaywatch status [-c FILE] [--format text|json] "
                               "[--timeout DURATION]\n\n"
                               "Shows what the running daemon holds: sources, positions and lag, "
                               "top keys per rule, pending alerts.",
                               exit_code);
  if (!args) return exit_code;
  std::string format = args->get("format").value_or("text");
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
    return kExitBadInput;
  }
  auto answer = QueryStatus(config->state_dir, format,
                            std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  if (!answer) {
    std::fprintf(stderr, "relaywatch status: %s\n", answer.error().message.c_str());
    return kExitBadInput;
  }
  std::fwrite(answer->data(), 1, answer->size(), stdout);
  return kExitOk;
}

}  // namespace relaywatch::app
