// The fleet as `status` and `report --fleet` print it: JSON, or text for people.
#ifndef RELAYWATCH_APP_FLEET_RENDER_H_
#define RELAYWATCH_APP_FLEET_RENDER_H_

#include <string>

#include "relaywatch/app/fleet_member.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/redis/fleet_view.h"

namespace relaywatch::app {

// The view's members ("now", "nodes", "rules") into the object `w` is in.
void WriteFleetViewJson(core::JsonWriter& w, const redis::FleetView& view);
// The daemon's "fleet" object: its link, and the view it read last.
void WriteFleetStatusJson(core::JsonWriter& w, const FleetStatus& s);
std::string FleetViewText(const redis::FleetView& view);
std::string FleetStatusText(const FleetStatus& s);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_FLEET_RENDER_H_
