// MailTransport: hands one finished RFC 5322 message to a mail system for an explicit Envelope.
//
// The two implementations are sendmail_transport.h (a local program such as qmail-inject) and
// smtp_transport.h (an SMTP server). Both take the message as the renderer built it (header,
// empty line, body; CRLF or LF line ends) and convert line ends for their medium, and both sort
// the outcome into DeliveryStatus like qmail's error_temp(3). Send never throws.
#ifndef RELAYWATCH_DELIVER_MAIL_TRANSPORT_H_
#define RELAYWATCH_DELIVER_MAIL_TRANSPORT_H_

#include <string_view>

#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/envelope.h"

namespace relaywatch::deliver {

class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // Delivers `message` to `envelope.to` with `envelope.from` as the envelope sender. An envelope
  // that fails CheckEnvelope is refused (kPermanent) before anything is started or connected.
  virtual DeliveryResult Send(const Envelope& envelope, std::string_view message) = 0;
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_MAIL_TRANSPORT_H_
