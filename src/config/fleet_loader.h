// Reading the `fleet:` section: where Redis is (redis: HOST:PORT, [IPv6]:PORT or
// unix:/path.sock), how to log in to it (username with password_file, or password_file alone),
// the prefix of relaywatch's Redis keys, this node's name, and the three durations the fleet runs
// on (timeout, sync_every, node_timeout), each within its bounds.
//
// A present section turns the fleet on, even when empty (`fleet: {}`: every default). Only what
// the text says is checked here: the password file's mode is checked when connecting, like
// alerts.channels[].password_file's at delivery.
#ifndef RELAYWATCH_SRC_CONFIG_FLEET_LOADER_H_
#define RELAYWATCH_SRC_CONFIG_FLEET_LOADER_H_

#include <string_view>

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"
#include "yaml_fields.h"

namespace relaywatch::config::internal {

// The `fleet` section under `field`, with enabled set; absent keys keep FleetConfig's defaults,
// and an absent node is `hostname` (the config's, already read), which must then be a node name.
core::Result<FleetConfig> ReadFleet(const Reporter& reporter, const Field& field,
                                    std::string_view hostname);

}  // namespace relaywatch::config::internal

#endif  // RELAYWATCH_SRC_CONFIG_FLEET_LOADER_H_
