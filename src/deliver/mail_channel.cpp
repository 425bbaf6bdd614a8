#include "relaywatch/deliver/mail_channel.h"

#include <utility>

#include "relaywatch/alerting/render_email.h"
#include "relaywatch/alerting/render_sms.h"

namespace relaywatch::deliver {

std::string BuildAlertMessage(const alerting::Alert& alert, MailFormat format,
                              const std::string& from, const std::vector<std::string>& to,
                              core::Timestamp now, const core::LocalZone& zone) {
  alerting::MailHeader header;
  header.from = from;
  header.to = to;
  header.date = now;
  header.date_utc_offset_seconds = zone.offset_at ? zone.offset_at(now) : 0;
  // The id is [a-z0-9-] (alert.h); BuildRfc5322 reduces the host to printable ASCII.
  header.message_id =
      "<" + alert.id + "@" + (alert.host.empty() ? std::string("localhost") : alert.host) + ">";
  if (format == MailFormat::kSms) {
    return alerting::BuildRfc5322(header, alerting::RenderSms(alert));
  }
  alerting::EmailContent content = alerting::RenderEmail(alert, zone);
  header.subject = std::move(content.subject);
  return alerting::BuildRfc5322(header, content.body);
}

MailChannel::MailChannel(MailChannelOptions options, core::LocalZone zone)
    : options_(std::move(options)), zone_(std::move(zone)) {}

DeliveryResult MailChannel::Deliver(const alerting::Alert& alert, core::Timestamp now) {
  const std::string message =
      BuildAlertMessage(alert, options_.format, options_.from, options_.to, now, zone_);
  const Envelope envelope{options_.from, options_.to};
  if (const auto* sendmail = std::get_if<SendmailOptions>(&options_.transport)) {
    return SendmailTransport(*sendmail).Send(envelope, message);
  }
  SmtpOptions smtp = std::get<SmtpOptions>(options_.transport);
  if (smtp.helo.empty()) smtp.helo = alert.host;
  return SmtpTransport(std::move(smtp)).Send(envelope, message);
}

}  // namespace relaywatch::deliver
