// `relaywatch report --fleet`: the fleet's windows as Redis holds them now.
#ifndef RELAYWATCH_APP_FLEET_REPORT_H_
#define RELAYWATCH_APP_FLEET_REPORT_H_

#include "relaywatch/config/config.h"

namespace relaywatch::app {

// Prints the fleet view (the nodes, each rule's top logins with every node's part) to stdout.
// Exit 1 without a fleet section or when Redis does not answer, with the reason on stderr.
int FleetReport(const config::Config& config, bool json);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_FLEET_REPORT_H_
