// Line ends of a message on its way out: LF for a local program, CRLF and dot-stuffing for SMTP.
//
// Renderers write CRLF (RFC 5322), but programs that read a message on stdin (qmail-inject,
// sendmail) expect the local convention, LF; a CR left in would become part of each header line.
// SMTP DATA needs CRLF everywhere, a leading '.' doubled (RFC 5321 4.5.2) and the final
// "CRLF.CRLF". Both accept CRLF, bare LF and bare CR as line ends in their input.
#ifndef RELAYWATCH_DELIVER_LINE_ENDS_H_
#define RELAYWATCH_DELIVER_LINE_ENDS_H_

#include <string>
#include <string_view>

namespace relaywatch::deliver {

// `message` with every line end (CRLF, LF, CR) as LF and a final LF added when missing.
std::string ToLfLines(std::string_view message);

// `message` as the bytes to send after the 354 reply to DATA: every line end CRLF, each line that
// starts with '.' given one more, a final CRLF added when missing, then ".\r\n".
std::string ToSmtpData(std::string_view message);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_LINE_ENDS_H_
