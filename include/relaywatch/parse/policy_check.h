// eMPF policy_check lines: QMailToaster's per-recipient sender policy.
//
// eMPF writes, after each accepted recipient,
//   "policy_check: local|remote P -> local|remote RCPT (AUTHENTICATED SENDER)"
// where P is the AUTH login when the session authenticated and the envelope sender otherwise,
// and then "policy_check: policy allows transmission" or "... policy forbids transmission".
// P (when it is the sender) and RCPT are the client's text, so " -> local " / " -> remote " must
// occur exactly once; the parenthesis is the text after the last " (" and must close the line.
// A recipient line of another shape is MalformedEvent; any other "policy_check: " text is
// OtherEvent.
#ifndef RELAYWATCH_PARSE_POLICY_CHECK_H_
#define RELAYWATCH_PARSE_POLICY_CHECK_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses a "policy_check: " line: PolicyCheckEvent, MalformedEvent or OtherEvent as above.
Event ParsePolicyCheck(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_POLICY_CHECK_H_
