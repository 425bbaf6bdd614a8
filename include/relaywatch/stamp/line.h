// Line: one log line with its stamp taken off and decoded.
//
// multilog writes "@<24 hex> text" (action `t`), the newer fork's `d` action writes
// "YYYY-MM-DD HH:MM:SS.NNNNNNNNN text" in local time, syslog writes
// "Mon DD HH:MM:SS host prog[pid]: text" (qmail's splogger adds "SECS.USECS " after the tag), and
// a log without a stamp action has none. The Stamper turns any of these into a Line; it never
// fails: an unstamped or unreadable prefix leaves the text whole with StampKind::kNone.
#ifndef RELAYWATCH_STAMP_LINE_H_
#define RELAYWATCH_STAMP_LINE_H_

#include <string_view>

#include "relaywatch/core/time.h"

namespace relaywatch::stamp {

enum class StampKind {
  kNone,    // no stamp: the time is not known from this line
  kTai64n,  // multilog `t`
  kDate,    // multilog fork `d`, local time converted to UTC
  kSyslog,  // syslog prefix; time from splogger's SECS.USECS when present, else kNone-like
};

struct Line {
  core::Timestamp time{};  // meaningful only when `stamped` is true
  bool stamped = false;
  StampKind stamp = StampKind::kNone;
  std::string_view tag;   // syslog program name ("qmail", "spamdyke"); empty otherwise
  std::string_view text;  // the message; a trailing CR is removed
};

}  // namespace relaywatch::stamp

#endif  // RELAYWATCH_STAMP_LINE_H_
