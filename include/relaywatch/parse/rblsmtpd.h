// rblsmtpd lines: connections refused because the client's address is on a block list.
//
// Two forms exist: "rblsmtpd: IP pid N ZONE: CODE text" (or "rblsmtpd: IP pid N: text") from
// ucspi-tcp's rblsmtpd, and the older "ZONE blocked IP ..." that syslog shows under the tag
// "rblsmtpd" (sometimes still with the "rblsmtpd: " prefix). The address must be an IP literal.
// Text of neither form is OtherEvent: rblsmtpd lines only inform, nothing is counted from them.
#ifndef RELAYWATCH_PARSE_RBLSMTPD_H_
#define RELAYWATCH_PARSE_RBLSMTPD_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses an rblsmtpd line; `tag` is the syslog program name ("" for multilog lines). Returns
// RblsmtpdEvent or OtherEvent.
Event ParseRblsmtpd(std::string_view tag, std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_RBLSMTPD_H_
