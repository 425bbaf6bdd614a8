// Reading the `alerts:` section: repeat ("window" or a duration), escalation ("2x"), the
// resolved notice, the hourly cap, max_age, and the channels (channel_loader.h), whose names
// must be unique.
#ifndef RELAYWATCH_SRC_CONFIG_ALERTS_LOADER_H_
#define RELAYWATCH_SRC_CONFIG_ALERTS_LOADER_H_

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"
#include "yaml_fields.h"

namespace relaywatch::config::internal {

// The `alerts` section under `field`; absent keys keep AlertsConfig's defaults.
core::Result<AlertsConfig> ReadAlerts(const Reporter& reporter, const Field& field);

}  // namespace relaywatch::config::internal

#endif  // RELAYWATCH_SRC_CONFIG_ALERTS_LOADER_H_
