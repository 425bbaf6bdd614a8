#include "relaywatch/parse/policy_check.h"

#include "scan.h"

namespace relaywatch::parse {

Event ParsePolicyCheck(std::string_view text) {
  const auto rest = scan::After(text, "policy_check: ");
  if (!rest) return OtherEvent{};
  if (*rest == "policy allows transmission" || *rest == "policy forbids transmission") {
    PolicyCheckEvent verdict;
    verdict.is_verdict = true;
    verdict.allowed = *rest == "policy allows transmission";
    return verdict;
  }

  PolicyCheckEvent event;
  std::string_view body;
  if (const auto local = scan::After(*rest, "local ")) {
    event.sender_local = true;
    body = *local;
  } else if (const auto remote = scan::After(*rest, "remote ")) {
    body = *remote;
  } else {
    return OtherEvent{};
  }

  // "P -> local RCPT (...)" or "P -> remote RCPT (...)"; the arrow must be unique to be trusted.
  const std::size_t arrow = scan::Find(body, " -> ");
  if (arrow == scan::kNpos) return MalformedEvent{"policy_check: no ' -> '"};
  if (scan::Find(body, " -> ", arrow + 1) != scan::kNpos) {
    return MalformedEvent{"policy_check: ' -> ' occurs twice"};
  }
  event.principal = body.substr(0, arrow);
  std::string_view target = body.substr(arrow + 4);
  if (const auto local = scan::After(target, "local ")) {
    event.rcpt_local = true;
    target = *local;
  } else if (const auto remote = scan::After(target, "remote ")) {
    target = *remote;
  } else {
    return MalformedEvent{"policy_check: no 'local' or 'remote' after ' -> '"};
  }
  const auto paren = scan::SplitLast(target, " (");
  if (!paren || !paren->after.ends_with(')')) {
    return MalformedEvent{"policy_check: no '(...)' at the end (cut line)"};
  }
  event.rcpt = paren->before;
  event.authenticated = paren->after == "AUTHENTICATED SENDER)";
  return event;
}

}  // namespace relaywatch::parse
