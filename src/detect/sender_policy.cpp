#include "relaywatch/detect/sender_policy.h"

#include <algorithm>

#include "relaywatch/core/same_bytes.h"
#include "relaywatch/detect/glob.h"
#include "relaywatch/detect/login_key.h"
#include "relaywatch/parse/address.h"

namespace relaywatch::detect {
namespace {

// "@Example.COM" -> "@example.com"; logins -> their LoginKey.
std::string NormalizeAllowKey(std::string_view key, std::string_view default_domain) {
  if (!key.empty() && key.front() == '@') return parse::LowerAscii(key);
  return LoginKey(key, {}, default_domain);
}

}  // namespace

SenderPolicyCheck::SenderPolicyCheck(const SenderParams& params, std::string default_domain)
    : policy_(params.policy), default_domain_(parse::LowerAscii(default_domain)) {
  for (const auto& [key, globs] : params.allow) {
    allow_[NormalizeAllowKey(key, default_domain_)] = globs;
  }
  for (std::size_t g = 0; g < params.domain_aliases.size(); ++g) {
    for (const std::string& d : params.domain_aliases[g]) alias_group_[parse::LowerAscii(d)] = g;
  }
  for (const std::string& login : params.exempt) {
    exempt_.insert(LoginKey(login, {}, default_domain_));
  }
}

bool SenderPolicyCheck::DomainsEquivalent(std::string_view a, std::string_view b) const {
  if (parse::DomainEquals(a, b)) return true;
  if (alias_group_.empty()) return false;
  auto ga = alias_group_.find(parse::LowerAscii(a));
  auto gb = alias_group_.find(parse::LowerAscii(b));
  return ga != alias_group_.end() && gb != alias_group_.end() && ga->second == gb->second;
}

bool SenderPolicyCheck::AllowListed(std::string_view allow_key, std::string_view sender) const {
  auto it = allow_.find(allow_key);
  if (it == allow_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::string& glob) { return GlobMatch(glob, sender); });
}

bool SenderPolicyCheck::Allowed(std::string_view login, std::string_view sender) const {
  // The null sender (bounces, vacation replies) is never fraud; nor is "#@[]", qmail's null
  // sender for double bounces, which a qmail host relaying through this one sends as it is.
  if (sender.empty() || sender == "#@[]") return true;
  // The usual line: the login sends as itself, as written. Same local part and domain, so the
  // answer is yes whatever the policy (and a domain that cannot be judged is yes too).
  if (core::SameBytes(login, sender)) return true;
  if (exempt_.contains(login)) return true;
  parse::AddressParts l = parse::SplitAddress(login);
  parse::AddressParts s = parse::SplitAddress(sender);
  std::string_view login_domain = l.has_at ? l.domain : std::string_view(default_domain_);
  std::string_view sender_domain = s.has_at ? s.domain : std::string_view(default_domain_);
  if (login_domain.empty() || sender_domain.empty()) return true;  // cannot be judged
  // The login is keyed as vpopmail sees it, lowercased: so is its mailbox, "Dan@" is "dan@".
  bool same = DomainsEquivalent(login_domain, sender_domain) &&
              (policy_ == SenderPolicy::kSameDomain || parse::EqualsIgnoreCase(l.local, s.local));
  if (same) return true;
  if (allow_.empty()) return false;
  if (AllowListed(login, sender)) return true;
  std::string domain_key(1, '@');
  domain_key.append(parse::LowerAscii(login_domain));
  return AllowListed(domain_key, sender);
}

}  // namespace relaywatch::detect
