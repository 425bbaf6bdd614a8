// tcpserver lines: connections as ucspi-tcp's (and ucspi-tcp6's) tcpserver logs them.
//
//   "tcpserver: status: A/M" (a fork adds "/X"), "tcpserver: pid N from IP",
//   "tcpserver: ok|deny N LOCALHOST:LOCALIP:LOCALPORT REMOTEHOST:REMOTEIP:REMOTEINFO:REMOTEPORT",
//   "tcpserver: end N status S".
// tcpserver passes host names and REMOTEINFO through safecats(), which turns ':' and spaces
// into '?', so only the addresses hold ':' (IPv6, "::ffff:a.b.c.d"). Hence in each endpoint the
// host ends at the first ':', the port starts after the last, REMOTEINFO sits between the last
// two, and the address is what is left. A status/pid/ok/deny/end line that does not parse is
// MalformedEvent (an empty address: "tcpserver: remote: no client address", "tcpserver: pid: no
// client address"); other "tcpserver: " text (warnings, fatal errors) is kind kOther.
#ifndef RELAYWATCH_PARSE_TCPSERVER_H_
#define RELAYWATCH_PARSE_TCPSERVER_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses a "tcpserver: " line: TcpserverEvent or MalformedEvent; OtherEvent for other text.
Event ParseTcpserver(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_TCPSERVER_H_
