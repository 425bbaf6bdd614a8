// `relaywatch test-alert`: the first thing an admin runs after setting up the SMS gateway.
#include <algorithm>
#include <cstdio>

#include "relaywatch/alerting/test_alert.h"
#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/commands.h"
#include "relaywatch/app/local_zone.h"
#include "relaywatch/core/text.h"
#include "relaywatch/deliver/channel.h"

namespace relaywatch::app {

int TestAlertCommand(const std::vector<std::string>& argv) {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"channel", 0, true, true, "NAME", "only this channel (repeatable; default: every channel)"},
      {"help", 'h', false, false, "", "show this help"},
  };
  int exit_code = kExitOk;
  auto args = ParseCommandArgs("test-alert", kOptions, argv,
                               "usage: relaywatch test-alert [-c FILE] [--channel NAME]...\n\n"
                               "Sends a test alert through each channel now (not through the "
                               "spool) and says what happened.\nExit 0 when every channel "
                               "accepted it, 1 otherwise.",
                               exit_code);
  if (!args) return exit_code;
  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/false);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return kExitBadInput;
  }
  std::vector<std::string> wanted = args->all("channel");
  for (const std::string& name : wanted) {
    bool known = false;
    for (const auto& c : config->alerts.channels) known = known || c.name == name;
    if (!known) {
      std::fprintf(stderr, "relaywatch test-alert: no channel named %s in %s\n",
                   core::EscapeForLog(name).c_str(), config->path.c_str());
      return kExitBadInput;
    }
  }
  if (config->alerts.channels.empty()) {
    std::fprintf(stderr, "relaywatch test-alert: %s has no alerts.channels\n",
                 config->path.c_str());
    return kExitBadInput;
  }
  core::LocalZone zone = SystemLocalZone();
  int failed = 0;
  for (const config::ChannelConfig& cc : config->alerts.channels) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), cc.name) == wanted.end()) {
      continue;
    }
    core::Timestamp now(std::chrono::duration_cast<core::Duration>(
        std::chrono::system_clock::now().time_since_epoch()));
    alerting::Alert alert = alerting::MakeTestAlert(config->hostname, cc.name, now);
    auto channel = deliver::MakeChannel(cc, zone);
    deliver::DeliveryResult r = channel->Deliver(alert, now);
    const char* verdict = r.status == deliver::DeliveryStatus::kOk          ? "sent"
                          : r.status == deliver::DeliveryStatus::kTemporary ? "FAILED (temporary)"
                                                                            : "FAILED (permanent)";
    std::printf("%-12s %s%s%s\n", cc.name.c_str(), verdict, r.detail.empty() ? "" : ": ",
                r.detail.c_str());  // already one escaped line (channel.h)
    if (r.status != deliver::DeliveryStatus::kOk) ++failed;
  }
  return failed ? kExitBadInput : kExitOk;
}

}  // namespace relaywatch::app
