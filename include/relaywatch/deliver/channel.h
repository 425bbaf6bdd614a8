// Channel: one configured way to reach the admin (config `alerts.channels[]`).
//
// A Channel renders an Alert in its format (sms, email, json) and hands it to its transport
// (sendmail program, SMTP server, exec'd program). Deliver blocks until the transport answered or
// its timeout passed, and sorts the outcome like qmail's error_temp(3): kTemporary is retried from
// the spool, kPermanent is logged and dropped. The dispatcher calls it from its own thread.
#ifndef RELAYWATCH_DELIVER_CHANNEL_H_
#define RELAYWATCH_DELIVER_CHANNEL_H_

#include <memory>
#include <string>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"

namespace relaywatch::deliver {

enum class DeliveryStatus { kOk, kTemporary, kPermanent };

struct DeliveryResult {
  DeliveryStatus status = DeliveryStatus::kOk;
  // The transport's words (SMTP reply, exit status and stderr, ...), already escaped to one
  // bounded line by EscapeDetail where they quote anything from outside: print it as it is.
  std::string detail;
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual const std::string& name() const = 0;
  // `now` is the wall-clock send time (for the Date header); alert times are event time.
  virtual DeliveryResult Deliver(const alerting::Alert& alert, core::Timestamp now) = 0;
};

// Builds the channel a config entry describes (sendmail, smtp or exec transport).
// sms/email via sendmail|smtp: a MailChannel (mail_channel.h); via exec: an ExecChannel
// (exec_channel.h), which always sends the JSON. Never fails: an entry the loader should have
// refused (format json via mail) gives a channel whose every Deliver is kPermanent, saying why.
std::unique_ptr<Channel> MakeChannel(const config::ChannelConfig& config,
                                     const core::LocalZone& zone);

// What is wrong now with the local files a channel reads at each delivery (password_file,
// ca_file), as the delivery would say it; empty when nothing is. For `check` and the daemon's
// start: such an alert waits, retried, until the admin fixes the file.
std::vector<std::string> ChannelFileProblems(const config::ChannelConfig& config);
// The same, each as the warning `check` and the daemon's start print:
// "channel NAME: PROBLEM; its alerts wait, retried, until that is fixed".
std::vector<std::string> ChannelFileWarnings(const config::ChannelConfig& config);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_CHANNEL_H_
