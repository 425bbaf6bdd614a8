// SmtpReply: what an SMTP server answers (RFC 5321 4.2), parsed, and the EHLO extensions it offers.
//
// Pure: the SMTP client (smtp_transport.cc) reads lines off the wire and feeds them here. A reply
// is one or more lines "ddd-text" ending with "ddd text" (or a bare "ddd"), all with the same
// code; anything else is a protocol error, which the transport treats as temporary. Server text
// is untrusted: DescribeReply escapes and bounds it (detail_text.h).
#ifndef RELAYWATCH_DELIVER_SMTP_REPLY_H_
#define RELAYWATCH_DELIVER_SMTP_REPLY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::deliver {

struct SmtpReply {
  int code = 0;                    // 200..599
  std::vector<std::string> lines;  // the text after "ddd-" / "ddd ", raw

  // 2 positive, 3 intermediate, 4 transient negative, 5 permanent negative.
  int Class() const { return code / 100; }
};

// One reply line without its line end.
struct SmtpReplyLine {
  int code = 0;
  bool last = false;  // "ddd " or "ddd": the final line of the reply
  std::string_view text;
};

// Parses one line; nullopt when it does not start with a code 200..599 followed by ' ', '-' or
// nothing.
std::optional<SmtpReplyLine> ParseReplyLine(std::string_view line);

// "451 4.3.0 try again later", the lines joined with " / ", escaped and bounded.
std::string DescribeReply(const SmtpReply& reply);

// What an EHLO reply says the server supports (its lines after the first, case-insensitive).
struct EhloExtensions {
  bool starttls = false;
  bool eightbitmime = false;
  bool auth_plain = false;
  bool auth_login = false;
  std::vector<std::string> auth;  // every mechanism offered, upper-case, as the server named them
};

// Reads "STARTTLS", "8BITMIME" and "AUTH <mechanisms>" (also the old "AUTH=<mechanisms>" form).
EhloExtensions ParseEhlo(const SmtpReply& reply);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_SMTP_REPLY_H_
