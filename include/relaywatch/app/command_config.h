// The config a command runs with: `-c FILE`, else /etc/relaywatch/relaywatch.yaml, else (for the
// read-only commands only) built-in default rules, said on stderr so nobody mistakes them for
// their own config.
#ifndef RELAYWATCH_APP_COMMAND_CONFIG_H_
#define RELAYWATCH_APP_COMMAND_CONFIG_H_

#include <optional>
#include <string>

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"

namespace relaywatch::app {

// The built-in rules: what an admin would set first (see config/relaywatch.yaml).
extern const char* const kBuiltinConfigYaml;

core::Result<config::Config> LoadCommandConfig(const std::optional<std::string>& path,
                                               bool allow_builtin);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_COMMAND_CONFIG_H_
