// Reading one element of alerts.channels.
//
// A channel is checked for what its `via` needs before anything is sent through it: sendmail
// and exec a command whose program is an absolute path (run without a shell), sendmail and smtp a
// from address and at least one to address (no whitespace or header delimiters, so nothing can
// be smuggled into a header), smtp a port in 1..65535 and credentials only as username plus
// password_file. JSON is only sent via exec: a mail carries a text an admin reads.
#ifndef RELAYWATCH_SRC_CONFIG_CHANNEL_LOADER_H_
#define RELAYWATCH_SRC_CONFIG_CHANNEL_LOADER_H_

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"
#include "yaml_fields.h"

namespace relaywatch::config::internal {

// The channel under `field`; keys not used by its via are rejected.
core::Result<ChannelConfig> ReadChannel(const Reporter& reporter, const Field& field);

}  // namespace relaywatch::config::internal

#endif  // RELAYWATCH_SRC_CONFIG_CHANNEL_LOADER_H_
