// Reading the `alerts:` section: repeat, escalation, caps and the channels.
//
// A channel is checked for what its `via` needs before anything is sent through it: sendmail
// and exec a command whose program is an absolute path (run without a shell), sendmail and smtp a
// from address and at least one to address (no whitespace or header delimiters, so nothing can
// be smuggled into a header), smtp a port in 1..65535 and credentials only as username plus
// password_file. JSON is only sent via exec: a mail carries a text an admin reads.
#ifndef RELAYWATCH_SRC_CONFIG_ALERTS_LOADER_H_
#define RELAYWATCH_SRC_CONFIG_ALERTS_LOADER_H_

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"
#include "yaml_fields.h"

namespace relaywatch::config::internal {

// The `alerts` section under `field`; absent keys keep AlertsConfig's defaults.
core::Result<AlertsConfig> ReadAlerts(const Reporter& reporter, const Field& field);

// One element of alerts.channels.
core::Result<ChannelConfig> ReadChannel(const Reporter& reporter, const Field& field);

}  // namespace relaywatch::config::internal

#endif  // RELAYWATCH_SRC_CONFIG_ALERTS_LOADER_H_
