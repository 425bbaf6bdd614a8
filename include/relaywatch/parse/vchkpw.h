// vchkpw lines: vpopmail's login checker reporting POP3/IMAP/SMTP logins.
//
// vchkpw logs "vchkpw-SERVICE: MESSAGE USER:IP" ("vchkpw-pop3: password fail user@dom:1.2.3.4",
// "vchkpw-smtp: vpopmail user not found ...", "vchkpw-pop3: login success ..."). USER is what
// the client typed; IP is TCPREMOTEIP and may hold ':' (IPv6), so IP is the longest suffix of
// the last word after a ':' that is an IP literal. Every message except a "success" one is a
// failure. Text that does not start "vchkpw-SERVICE: " is OtherEvent.
#ifndef RELAYWATCH_PARSE_VCHKPW_H_
#define RELAYWATCH_PARSE_VCHKPW_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses a "vchkpw-SERVICE: " line into VchkpwEvent; OtherEvent for other text.
Event ParseVchkpw(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_VCHKPW_H_
