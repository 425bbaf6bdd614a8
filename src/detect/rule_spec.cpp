#include "relaywatch/detect/rule_spec.h"

#include <array>
#include <utility>

namespace relaywatch::detect {
namespace {

constexpr std::array<std::pair<RuleKind, std::string_view>, 6> kNames = {{
    {RuleKind::kVolume, "volume"},
    {RuleKind::kSender, "sender"},
    {RuleKind::kRemoteIps, "remote-ips"},
    {RuleKind::kServicePolicy, "service-policy"},
    {RuleKind::kRcptLimit, "rcpt-limit"},
    {RuleKind::kGap, "gap"},
}};

}  // namespace

std::string_view RuleKindName(RuleKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<RuleKind> RuleKindFromName(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

RuleKind RuleSpec::kind() const {
  switch (params.index()) {
    case 0: return RuleKind::kVolume;
    case 1: return RuleKind::kSender;
    case 2: return RuleKind::kRemoteIps;
    case 3: return RuleKind::kServicePolicy;
    default: return RuleKind::kRcptLimit;
  }
}

}  // namespace relaywatch::detect
