// spamdyke lines: the per-recipient verdict of the spamdyke SMTP filter.
//
// spamdyke logs "VERDICT from: S to: R origin_ip: IP origin_rdns: N auth: A encryption: E" and,
// for rejections, " reason: X" (older versions stop after "auth: A"). VERDICT is an upper-case
// word (ALLOWED, DENIED_RDNS_MISSING, TLS_ENCRYPTED, ...). Each field ends where the next label
// first appears; S and R are the client's text, so a client that writes " to: " into its sender
// only confuses its own line. A line that starts like a verdict ("WORD from: ") but lacks the
// later labels is MalformedEvent; anything else is OtherEvent.
#ifndef RELAYWATCH_PARSE_SPAMDYKE_H_
#define RELAYWATCH_PARSE_SPAMDYKE_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// True when `text` starts like a spamdyke verdict: an upper-case word, then " from: ".
bool LooksLikeSpamdyke(std::string_view text);

// Parses a spamdyke verdict line: SpamdykeEvent, MalformedEvent, or OtherEvent as above.
Event ParseSpamdyke(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_SPAMDYKE_H_
