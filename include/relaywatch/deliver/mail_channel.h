// MailChannel: the sms and email formats (config `format: sms|email`), through a sendmail program
// or an SMTP server (`via: sendmail|smtp`).
//
// Deliver renders the Alert and builds one RFC 5322 message (alerting/mime.h):
//   sms:   the body is RenderSms's line, and there is no Subject (gateways count a subject against
//          the phone's 160 characters; see render_sms.h);
//   email: RenderEmail's subject and body.
// From is the channel's `from`, To its `to` list, Date is `now` in the LocalZone's offset at
// `now`, and Message-ID is <alert id@alert host>: the same Alert gives the same Message-ID on
// every retry, so a copy that did arrive before a lost reply can be recognised. The envelope is
// the same `from` and `to` (envelope.h): header text cannot add a recipient.
#ifndef RELAYWATCH_DELIVER_MAIL_CHANNEL_H_
#define RELAYWATCH_DELIVER_MAIL_CHANNEL_H_

#include <string>
#include <variant>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/alerting/mime.h"
#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/sendmail_transport.h"
#include "relaywatch/deliver/smtp_transport.h"

namespace relaywatch::deliver {

enum class MailFormat { kSms, kEmail };

struct MailChannelOptions {
  std::string name;
  MailFormat format = MailFormat::kEmail;
  std::string from;
  std::vector<std::string> to;
  // SMTP: an empty helo is replaced, per Alert, by the Alert's host (config `hostname`).
  std::variant<SendmailOptions, SmtpOptions> transport;
};

// The message MailChannel sends for `alert` (exposed for tests and `relaywatch test-alert`).
std::string BuildAlertMessage(const alerting::Alert& alert, MailFormat format,
                              const std::string& from, const std::vector<std::string>& to,
                              core::Timestamp now, const core::LocalZone& zone);

class MailChannel final : public Channel {
 public:
  MailChannel(MailChannelOptions options, core::LocalZone zone);

  const std::string& name() const override { return options_.name; }
  DeliveryResult Deliver(const alerting::Alert& alert, core::Timestamp now) override;

 private:
  MailChannelOptions options_;
  core::LocalZone zone_;
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_MAIL_CHANNEL_H_
