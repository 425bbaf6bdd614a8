#include "relaywatch/app/commands.h"

#include "relaywatch/app/explain.h"
#include "relaywatch/app/report.h"

namespace relaywatch::app {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"run", "the daemon: follow the logs, detect, alert (foreground, for supervise)", RunCommand},
      {"check", "validate the config and list the log directories it would follow", CheckCommand},
      {"report", "run the rules over the stored logs for a day or a range", ReportCommand},
      {"explain", "how a log line is read and which rules count it, and why not", ExplainCommand},
      {"status", "what the running daemon holds: sources, lag, top keys, pending alerts",
       StatusCommand},
      {"mute", "stop paging for a login for a while (the daemon keeps counting it)", MuteCommand},
      {"unmute", "page again for a muted login", UnmuteCommand},
      {"test-alert", "send a clearly marked test alert through each channel", TestAlertCommand},
  };
  return kCommands;
}

}  // namespace relaywatch::app
