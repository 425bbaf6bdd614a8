// DescribeConfig: a short summary of a loaded Config, for `relaywatch check`.
//
// One line per setting group, one per rule (name, kind, window, limit) and one per channel (name,
// format, via, where it sends to), so an admin can see at a glance what the daemon would do with
// the file. Pure: it formats the values it is given and reads nothing else.
#ifndef RELAYWATCH_CONFIG_DESCRIBE_H_
#define RELAYWATCH_CONFIG_DESCRIBE_H_

#include <string>

#include "relaywatch/config/config.h"

namespace relaywatch::config {

// Lines ending in '\n'; rule and channel lines indented two spaces with their columns aligned.
std::string DescribeConfig(const Config& config);

}  // namespace relaywatch::config

#endif  // RELAYWATCH_CONFIG_DESCRIBE_H_
