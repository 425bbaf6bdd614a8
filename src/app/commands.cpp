#include "relaywatch/app/commands.h"

#include "relaywatch/app/report.h"

namespace relaywatch::app {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"check", "validate the config and list the log directories it would follow", CheckCommand},
      {"report", "run the rules over the stored logs for a day or a range", ReportCommand},
  };
  return kCommands;
}

}  // namespace relaywatch::app
