// Loading relaywatch.yaml: YAML text in, a validated Config or one precise error out.
//
// The loader is an edge: it reads the file, asks the system for its host name when the config
// names none, and parses with yaml-cpp, whose exceptions it catches; none leaves these functions.
// It stops at the first problem and names it ninja-style, with the file name as given and
// 1-based line and column:
//   relaywatch.yaml:12:5: rules[0].window: expected a duration like 10m, got "ten"
// Every key is checked against config/options.h (unknown keys, with "did you mean"; keys that do
// not apply to a rule's kind or a channel's via), every value against its type, and the rules and
// channels as a whole (unique names, what each kind and via needs). A Config it returns is one the
// daemon can run with: consumers need not validate again.
#ifndef RELAYWATCH_CONFIG_LOADER_H_
#define RELAYWATCH_CONFIG_LOADER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"

namespace relaywatch::config {

// The largest config accepted (a full one is a few KiB): a larger file, or one without end
// (/dev/zero), is "FILE: larger than 1 MiB, the most a config may be". Parsing is bounded too:
// the YAML is read one document at a time and a second one is an error, so no input makes the
// loader loop (yaml-cpp 0.7's LoadAll does on a lone ',').
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

// Reads and loads the file at `path`. A file that cannot be read is
// "unable to read PATH: <reason>"; otherwise as LoadConfigString with `path` as the file name.
core::Result<Config> LoadConfigFile(const std::string& path);

// Loads `yaml`, naming `file_name` in errors and in Config::path. Absent keys take the defaults
// of config.h; sender rules default to window 24h and limit 1; hostname defaults to the
// machine's name. Domains in logins, "@domain" keys, aliases and default_domain are lowercased.
core::Result<Config> LoadConfigString(std::string_view yaml, std::string_view file_name);

}  // namespace relaywatch::config

#endif  // RELAYWATCH_CONFIG_LOADER_H_
