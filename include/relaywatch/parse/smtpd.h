// qmail-smtpd's own lines: SMTP AUTH results and everything else it says.
//
// sagredo's qmail-smtpd writes "qmail-smtpd[PID]: auth: auth-success type=T user=<U>" and
// "... auth: auth-failed type=T user=<U>", with U exactly as the client sent it (it may hold
// spaces or '>'), so U runs from "user=<" to the '>' that ends the line. Other lines start
// "qmail-smtpd[PID]: " or "qmail-smtpd: " and become kind kOther with the message in `text`.
// An auth line without a closing "user=<...>" is MalformedEvent.
#ifndef RELAYWATCH_PARSE_SMTPD_H_
#define RELAYWATCH_PARSE_SMTPD_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses a "qmail-smtpd[PID]: " or "qmail-smtpd: " line: SmtpdEvent or MalformedEvent; other
// text (including "qmail-smtpd.pl...") gives OtherEvent.
Event ParseSmtpd(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_SMTPD_H_
