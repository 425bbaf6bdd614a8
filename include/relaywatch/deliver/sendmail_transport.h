// SendmailTransport: delivers a message by running a sendmail-compatible program (qmail-inject,
// sendmail, msmtp) from an argv list, the message on its stdin. No shell is ever involved.
//
// How the envelope is given (the same flags work for qmail-inject, Sendmail, Postfix and msmtp):
// the program runs as
//     command[0] -f<from> command[1..] -- to[0] to[1] ...
// `-f<from>` (one argv slot) sets the envelope sender; it is left out when `from` is empty or when
// `command` already has its own -f option. The recipients are arguments after "--", so the
// program sends to exactly them and never reads recipients from the header (qmail-inject uses
// its arguments instead of the header when it has any; sendmail does the same without -t). A
// command containing -t (sendmail's "recipients from the header", which some implementations add
// to the arguments and others replace them with) is refused, and so is anything that makes
// CheckEnvelope fail. `command` is therefore the program and its options only; for Sendmail and
// Postfix add -i, so a line holding a lone "." does not end the message early.
//
// The message goes to stdin with LF line ends (see line_ends.h). The program inherits the
// daemon's environment, since qmail-inject and sendmail are configured through it (QMAILHOST,
// QMAILUSER, QMAILINJECT...); no alert text goes there. The exit status maps as exit_status.h
// says; at `timeout` the program's process group is killed and the result is kTemporary. The
// detail is DescribeOutcome's line: the program, how it ended, and what it printed (bounded).
// Known limit: msmtp's exit status does not tell a server's 4xx from its 5xx (it exits 69 or 78
// for both), so through msmtp a temporary refusal is kPermanent; `via: smtp` keeps the difference.
#ifndef RELAYWATCH_DELIVER_SENDMAIL_TRANSPORT_H_
#define RELAYWATCH_DELIVER_SENDMAIL_TRANSPORT_H_

#include <string>
#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"
#include "relaywatch/deliver/mail_transport.h"

namespace relaywatch::deliver {

struct SendmailOptions {
  std::vector<std::string> command;  // program (absolute path) and options
  core::Duration timeout = std::chrono::seconds(30);
};

class SendmailTransport final : public MailTransport {
 public:
  explicit SendmailTransport(SendmailOptions options);

  DeliveryResult Send(const Envelope& envelope, std::string_view message) override;

  // The argv Send runs for `envelope`, or why it refuses to run anything (kPermanent in Send):
  // "refusing sendmail command with -t: relaywatch gives the recipients as arguments", the
  // CheckEnvelope errors, or "no sendmail command configured".
  core::Result<std::vector<std::string>> CommandFor(const Envelope& envelope) const;

 private:
  SendmailOptions options_;
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_SENDMAIL_TRANSPORT_H_
