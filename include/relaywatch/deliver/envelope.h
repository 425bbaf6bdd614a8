// Envelope: who a message is from and to at the SMTP level, separate from its header.
//
// The envelope decides where a message goes; the header is only text. Both mail transports give
// the envelope explicitly (SMTP MAIL FROM / RCPT TO; sendmail -f and recipient arguments), so
// nothing in a rendered header can add a recipient. CheckEnvelope refuses any address that could
// break out of an SMTP command or an argv slot: control bytes (CR/LF above all), spaces, '<', '>',
// non-ASCII, a leading '-', or more than 254 bytes.
#ifndef RELAYWATCH_DELIVER_ENVELOPE_H_
#define RELAYWATCH_DELIVER_ENVELOPE_H_

#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/result.h"

namespace relaywatch::deliver {

struct Envelope {
  std::string from;             // empty = the null sender <>
  std::vector<std::string> to;  // at least one
};

inline constexpr std::size_t kMaxAddressLength = 254;

// Whether `address` is safe to put on an SMTP command line or in an argv slot (see above).
bool IsSafeAddress(std::string_view address);

// OK, or an Error naming the first bad address: `refusing envelope recipient "x\r\ny": an
// address must be printable ASCII without spaces, '<' or '>', not start with '-', and be at most
// 254 bytes` (the address escaped), or `refusing envelope without recipients`.
core::Status CheckEnvelope(const Envelope& envelope);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_ENVELOPE_H_
