// SenderPolicy: may this login send as this envelope sender?
//
// The question the old cron scripts asked by comparing domains, with the cases they got wrong made
// explicit: the null sender is never fraud; domains compare case-insensitively and through
// `domain_aliases`; `allow` lists globs per login or per "@domain"; `exempt` logins are never
// judged; a login without '@' is judged only when `default_domain` is set (a sender without '@'
// likewise takes `default_domain`, else it is not judged).
#ifndef RELAYWATCH_DETECT_SENDER_POLICY_H_
#define RELAYWATCH_DETECT_SENDER_POLICY_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "relaywatch/core/string_map.h"
#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::detect {

class SenderPolicyCheck {
 public:
  SenderPolicyCheck(const SenderParams& params, std::string default_domain);

  // True when `login` (normalized: domain lowercase) may send as `sender` (as logged).
  bool Allowed(std::string_view login, std::string_view sender) const;

 private:
  bool DomainsEquivalent(std::string_view a, std::string_view b) const;
  bool AllowListed(std::string_view allow_key, std::string_view sender) const;

  SenderPolicy policy_;
  std::string default_domain_;
  core::StringMap<std::vector<std::string>> allow_;           // normalized key -> globs
  std::unordered_map<std::string, std::size_t> alias_group_;  // lowercase domain -> group
  core::StringSet exempt_;                                    // normalized logins
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_SENDER_POLICY_H_
