// QMailToaster 3.x "mail recv" lines: one per message accepted by qmail-smtpd.
//
// The line is "mail recv: pid N from <SENDER> qp Q", written with a CR LF ending; the Stamper
// removes one CR and this parser tolerates one more. SENDER is the client's MAIL FROM and may
// hold "> qp " itself, so it ends at the LAST "> qp ", whose tail must be a number. A line that
// starts "mail recv: " but has another shape (cut, glued) is MalformedEvent.
#ifndef RELAYWATCH_PARSE_QMT_RECV_H_
#define RELAYWATCH_PARSE_QMT_RECV_H_

#include <string_view>

#include "relaywatch/parse/event.h"

namespace relaywatch::parse {

// Parses "mail recv: pid N from <S> qp Q": QmtRecvEvent or MalformedEvent; OtherEvent when the
// text does not start with "mail recv: ".
Event ParseQmtRecv(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_QMT_RECV_H_
