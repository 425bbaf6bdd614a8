// Reading the `rules:` list into detect::RuleSpec values.
//
// Knows which keys each rule kind needs and which it takes (sender defaults to window 24h and
// limit 1; service-policy has no limit and needs allowed_services), checks names are unique,
// logins and "@domain" keys are well formed and allow patterns are valid globs. Domains in
// logins, allow keys and aliases are lowercased, since domains compare case-insensitively.
#ifndef RELAYWATCH_SRC_CONFIG_RULES_LOADER_H_
#define RELAYWATCH_SRC_CONFIG_RULES_LOADER_H_

#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/detect/rule_spec.h"
#include "yaml_fields.h"

namespace relaywatch::config::internal {

// The rules under `field` (the value of the top-level `rules` key); at least one.
core::Result<std::vector<detect::RuleSpec>> ReadRules(const Reporter& reporter, const Field& field);

}  // namespace relaywatch::config::internal

#endif  // RELAYWATCH_SRC_CONFIG_RULES_LOADER_H_
