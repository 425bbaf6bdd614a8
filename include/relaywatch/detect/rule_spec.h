// RuleSpec: one rule as the config states it, typed and validated.
//
// Each kind keeps its own parameters in its own struct, so adding a kind adds a struct, not fields
// to a shared one. A rule fires on the line whose count in the sliding window reaches `limit`
// (for service-policy, on any violating line). The config loader builds these; detect reads them.
#ifndef RELAYWATCH_DETECT_RULE_SPEC_H_
#define RELAYWATCH_DETECT_RULE_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/rule_kind.h"

namespace relaywatch::detect {

enum class SenderPolicy { kSameDomain, kSameAddress };

// Each kind's parameters; kKind ties the struct to its row in rule_kind.h.
struct VolumeParams {
  static constexpr RuleKind kKind = RuleKind::kVolume;
  CountUnit count = CountUnit::kRecipients;
  // Per login ("bob@example.com") or per domain ("@example.com"); 0 = unlimited. A login entry
  // wins over its domain's.
  std::map<std::string, std::uint64_t> overrides;
};

struct SenderParams {
  static constexpr RuleKind kKind = RuleKind::kSender;
  SenderPolicy policy = SenderPolicy::kSameDomain;
  // login or "@domain" -> glob patterns of senders it may also use ("*@example.net").
  std::map<std::string, std::vector<std::string>> allow;
  // Groups of domains that count as one ([[example.com, example.net]]).
  std::vector<std::vector<std::string>> domain_aliases;
  std::vector<std::string> exempt;  // logins never judged
};

struct RemoteIpsParams {
  static constexpr RuleKind kKind = RuleKind::kRemoteIps;
};

struct ServicePolicyParams {
  static constexpr RuleKind kKind = RuleKind::kServicePolicy;
  std::vector<std::string> allowed_services;  // authenticated relaying allowed only on these
};

struct RcptLimitParams {
  static constexpr RuleKind kKind = RuleKind::kRcptLimit;
};

using RuleParams =
    std::variant<VolumeParams, SenderParams, RemoteIpsParams, ServicePolicyParams, RcptLimitParams>;

// Keys one rule holds at most, unless the rule says otherwise (rules[].max_keys): far above the
// logins a mail server has active in a window, and a bound on what a flood of forged logins
// (client-chosen AUTH= logins, ip:ADDRESS keys) can cost: about 65 MB (100 MB at peak) and a
// 13.5 MB checkpoint for a million of them (README "Forged logins").
inline constexpr std::size_t kDefaultMaxKeys = 100000;

struct RuleSpec {
  std::string name;
  core::Duration window = std::chrono::hours(1);
  std::uint64_t limit = 1;
  // Keys (logins, ip:ADDRESS) the rule's windows hold at most; a new key past it evicts the
  // idlest one (its count is lost; the eviction is counted and logged).
  std::size_t max_keys = kDefaultMaxKeys;
  RuleParams params;

  RuleKind kind() const;  // the kKind of params' alternative
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_RULE_SPEC_H_
