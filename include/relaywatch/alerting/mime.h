// BuildRfc5322: a complete Internet message (RFC 5322 + MIME) from a header and a UTF-8 body.
//
// The output is what sendmail/qmail-inject reads on stdin or SMTP sends after DATA: CRLF line
// endings throughout, headers in this order: Date ("Sat, 28 Nov 2026 03:55:26 +0100"), From, To,
// Subject, Message-ID, MIME-Version: 1.0, Content-Type: text/plain; charset=UTF-8,
// Content-Transfer-Encoding: quoted-printable; a blank line; the body.
//
// No header can receive a CR, LF or other control byte from a field, whatever it holds: From, To
// and Message-ID are reduced to printable ASCII (controls dropped, other bytes '?'); the Subject
// has its controls dropped and is sent as RFC 2047 encoded-words (UTF-8, base64) when it holds
// anything but printable ASCII or the text "=?", and is folded at spaces (or into more
// encoded-words) so header lines stay within 78 characters where the text allows and always
// within 998. An empty subject writes no Subject header (what the SMS channel wants, see
// render_sms.h). Long To lists fold after their commas.
//
// The body is quoted-printable: it survives any 7-bit or 8-bit path (qmail passes 8-bit, but an
// old smarthost may not), every encoded line is at most 76 characters, trailing spaces are
// protected, and a line starting with "." or "From " has that first character encoded, so no
// body line is ever "." or an mbox "From " line. (Dot-stuffing a line "." remains the
// transport's job all the same: `sendmail -i` / qmail-inject do not end at ".", SMTP DATA
// dot-stuffs.) Bytes that are not UTF-8 become '?', control characters other than the line
// breaks are dropped; "\n", "\r\n" and a lone "\r" all end a line.
#ifndef RELAYWATCH_ALERTING_MIME_H_
#define RELAYWATCH_ALERTING_MIME_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

struct MailHeader {
  std::string from;
  std::vector<std::string> to;
  std::string subject;
  core::Timestamp date{};                    // wall time of sending
  std::int64_t date_utc_offset_seconds = 0;  // the sender's zone at `date` (clamped to +-99:59)
  std::string message_id;                    // "<id@host>"; angle brackets added when missing
};

std::string BuildRfc5322(const MailHeader& h, std::string_view body_utf8);

// "Sat, 28 Nov 2026 03:55:26 +0100": the RFC 5322 date-time of `t` at `utc_offset_seconds`.
std::string FormatRfc5322Date(core::Timestamp t, std::int64_t utc_offset_seconds);

// `text` as header field value lines after "Subject: " (CRLF + space between folded lines, no
// final CRLF). Exposed for tests.
std::string EncodeSubject(std::string_view text);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_MIME_H_
