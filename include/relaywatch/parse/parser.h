// The parse stage: one log Line's text to one typed Event.
//
// ParseEvent looks at the first bytes of the text (and the syslog tag) to pick the one parser
// that can apply, so a line costs one family's parse and no more: no regex, no allocation, no
// copy; every string_view in the Event points into `text`. It never fails: text no family
// claims is OtherEvent, and text a family claims but cannot read is MalformedEvent with a fixed
// reason (see each family's header: chkuser.h, qlog.h, simscan.h, qmt_recv.h, policy_check.h,
// tcpserver.h, smtpd.h, spamdyke.h, rblsmtpd.h, vchkpw.h).
#ifndef RELAYWATCH_PARSE_PARSER_H_
#define RELAYWATCH_PARSE_PARSER_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses one line. `tag` is the syslog program name from stamp::Line ("" for multilog lines);
// `text` is the message after the stamp (stamp::Line::text). Total: defined for every input.
Event ParseEvent(std::string_view tag, std::string_view text);

// A short fixed name for the Event's alternative ("chkuser", "qlog", "malformed", "other", ...),
// for counters and tests.
std::string_view EventKindName(const Event& event);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_PARSER_H_
