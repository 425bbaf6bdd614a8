// qlog lines: sagredo's fixed-format qmail-smtpd log ("qlogenvelope:" / "qlogreceived:").
//
// qsmtpdlog() writes, in this order, " key=value" for result code reason detail helo mailfrom
// rcptto relay rcpthosts size authuser authtype encrypted sslverified localip localport
// remoteip remoteport remotehost qp pid. Values are printed with bytes outside 33..126 turned
// into '_' (so they hold no spaces) unless the session used SMTPUTF8, when they are raw. The
// client writes helo, mailfrom and rcptto; everything after rcptto is the server's own. So the
// keys from " relay=" to " pid=" are found from the right (the client cannot shift them), the
// keys from " result=" to " rcptto=" from the left, and rcptto runs up to " relay=". Older qlog
// versions lack some keys; only result, reason, mailfrom, rcptto, relay, authuser, localport,
// remoteip and pid are required. A qlog line that is cut (no " pid=") or glued to another line
// (a second "qlogenvelope:" or "qlogreceived:" head, or a pid that is not a number) is
// MalformedEvent, and so is one whose remoteip is empty ("qlog: remoteip: no client address") or
// neither an IP literal nor qmail-smtpd's "unknown": no key is made of a missing address.
#ifndef RELAYWATCH_PARSE_QLOG_H_
#define RELAYWATCH_PARSE_QLOG_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses "qlogenvelope: ..." or "qlogreceived: ...": QlogEvent or MalformedEvent. Other text
// gives OtherEvent.
Event ParseQlog(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_QLOG_H_
