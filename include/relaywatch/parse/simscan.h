// simscan lines: the one-per-message verdict simscan writes from qmail-queue's place.
//
// log_message() prints "simscan:[PPID]:VERDICT:SECSs:SUBJECT:IP:SENDER:RCPT1,RCPT2,..." where
// VERDICT has no ':' ("CLEAN (0.00/5.00)", "RELAYCLIENT", "SPAM REJECT (9.1/5.0)", "VIRUS"),
// SUBJECT is the Subject header with ':' turned into '_' (or "-", or a virus name), IP is
// TCPREMOTEIP (IPv6 has ':'; "(null)" when unset) and SENDER/RCPTs are envelope addresses. So
// pid, verdict and seconds are read from the left; the recipient list is after the last ':' and
// the sender after the one before it; of what remains, IP is the longest suffix after a ':'
// that is an IP literal (or "(null)"; an empty IP is MalformedEvent "simscan: remote ip: no
// client address") and SUBJECT the rest. (A ':' inside an address, possible
// only in a quoted local part, cannot be told apart and is read as a separator.)
// The recipients are written by separate unbuffered fprintf() calls, so another process's
// output can land inside the list; a list holding a space is MalformedEvent. Debug lines
// ("simscan:[PID]: starting: ...") are OtherEvent.
#ifndef RELAYWATCH_PARSE_SIMSCAN_H_
#define RELAYWATCH_PARSE_SIMSCAN_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses a "simscan:[" line: SimscanEvent, OtherEvent for debug lines, MalformedEvent when the
// verdict line does not have the shape above.
Event ParseSimscan(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_SIMSCAN_H_
