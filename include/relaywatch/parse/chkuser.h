// chkuser lines: the per-recipient verdicts qmail-smtpd's chkuser patch writes to its log.
//
// Two dialects, both written by chkuser_commonlog() with no escaping:
//   classic (2.0.8/2.0.9):  CHKUSER <title>: from <S:A:I> remote <H:N:IP> rcpt <R> : <reason>
//   field-named (sagredo):  CHKUSER <title>: from <S|remoteinfo/auth:A|chkuser-identify:I>
//                           remote <helo:H|remotehostname:N|remotehostip:IP> rcpt <R> : <reason>
// S (MAIL FROM), H (HELO) and R (RCPT TO) are the client's text: qmail-smtpd keeps quoted ':',
// '>' and spaces in them, so the parser never splits on ':' and never trusts a delimiter that
// could come from them. It relies on what the client cannot write:
//   - the title and reason are chkuser's own fixed words (no ':' in a title, no "> : " in a
//     reason), so the title ends at the first ':' and the reason starts after the LAST "> : ";
//   - "> remote <" and "> rcpt <" must each occur exactly once: a second copy can only come from
//     client text, and then the line has two readings, so it is Malformed rather than guessed;
//   - A (remoteinfo: the SMTP AUTH login, or TCPREMOTEINFO) and I (the CHKUSER_IDENTIFY value)
//     hold no ':', so in the classic from-field I is after the last ':' and A after the one
//     before it; S is everything left of that, ':' and all. The field-named from-field ends
//     with "|chkuser-identify:I" (I without ':') and A follows the last "|remoteinfo/auth:";
//   - N is tcpserver's TCPREMOTEHOST ("unknown" when unset): a DNS name in [A-Za-z0-9._-\]
//     (djbdns escapes anything else), never ':'; IP is TCPREMOTEIP. So in the classic remote
//     field IP is the longest suffix after a ':' that is an IP literal ("unknown" when
//     qmail-smtpd had none), N is the ':'-free segment before it, and H is everything before N,
//     ':' and '[IPv6:...]' included. (The one case this reads wrongly is an all-hex, dot-free
//     host name of at most four characters before an IPv6 address: "beef:2001:db8::1" is itself
//     an address. tcpserver never produces such a name for a real PTR lookup.) An empty IP, in
//     either dialect ("remote <::>"), is never qmail-smtpd's: it is MalformedEvent "chkuser:
//     remote: no client address", never the key of no address.
// chkuser writes through qmail's 256-byte stderr buffer, so a long line is several write()s and
// concurrent qmail-smtpd processes can interleave them. A line that holds a second "CHKUSER ",
// lacks a delimiter, has a bad host or IP, or an AUTH field with spaces, '<' or '>' is
// MalformedEvent with a fixed reason: its recipient is never attributed to a guessed login.
#ifndef RELAYWATCH_PARSE_CHKUSER_H_
#define RELAYWATCH_PARSE_CHKUSER_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses a line whose text starts with "CHKUSER ": ChkuserEvent, or MalformedEvent when it does
// not have the shape above. Text that does not start with "CHKUSER " gives OtherEvent.
Event ParseChkuser(std::string_view text);

// The verdict for a chkuser title ("relaying rcpt" -> kRelayingRcpt); kOther when unknown.
ChkuserVerdict ChkuserVerdictFromTitle(std::string_view title);

// The title chkuser writes for a verdict; "" for kOther.
std::string_view ChkuserTitle(ChkuserVerdict verdict);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_CHKUSER_H_
