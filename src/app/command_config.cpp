#include "relaywatch/app/command_config.h"

#include <sys/stat.h>

#include <cstdio>

#include "relaywatch/config/loader.h"

namespace relaywatch::app {

const char* const kBuiltinConfigYaml = R"(# relaywatch built-in rules
rules:
  - {name: hourly-volume, kind: volume, window: 1h, limit: 500}
  - {name: foreign-sender, kind: sender, window: 24h, limit: 1, policy: same-domain}
  - {name: many-ips, kind: remote-ips, window: 1h, limit: 10}
  - {name: port25-auth, kind: service-policy, allowed_services: [submission, smtps]}
  - {name: rcpt-limit-hits, kind: rcpt-limit, window: 1h, limit: 3}
)";

core::Result<config::Config> LoadCommandConfig(const std::optional<std::string>& path,
                                               bool allow_builtin) {
  if (path) return config::LoadConfigFile(*path);
  struct stat st;
  if (::stat(config::kDefaultConfigPath, &st) == 0 || !allow_builtin) {
    return config::LoadConfigFile(config::kDefaultConfigPath);
  }
  std::fprintf(stderr, "relaywatch: note: %s not found; using the built-in default rules\n",
               config::kDefaultConfigPath);
  return config::LoadConfigString(kBuiltinConfigYaml, "(built-in)");
}

}  // namespace relaywatch::app
