// Helpers shared by the config error tests.
#ifndef RELAYWATCH_TESTS_UNIT_CONFIG_ERROR_OF_H_
#define RELAYWATCH_TESTS_UNIT_CONFIG_ERROR_OF_H_

#include <string>
#include <string_view>

#include "relaywatch/config/loader.h"

namespace relaywatch::config::test_support {

// A rule that is valid, for inputs whose mistake is elsewhere (line 1).
inline constexpr std::string_view kRule =
    "rules: [{name: ips, kind: remote-ips, window: 1h, limit: 5}]\n";

// The error loading `yaml` as "relaywatch.yaml" gives, or "(loaded)".
inline std::string ErrorOf(std::string_view yaml) {
  core::Result<Config> config = LoadConfigString(yaml, "relaywatch.yaml");
  return config.ok() ? "(loaded)" : config.error().message;
}

// kRule, then `yaml` from line 2 on.
inline std::string WithRule(std::string_view yaml) {
  return std::string(kRule) + std::string(yaml);
}

}  // namespace relaywatch::config::test_support

#endif  // RELAYWATCH_TESTS_UNIT_CONFIG_ERROR_OF_H_
