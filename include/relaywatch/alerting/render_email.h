// RenderEmail: an Alert as a mail for the admin, with everything needed to act on it.
//
// The subject is the SMS text (one line, printable ASCII, at most 160 characters): the phone and
// the mailbox show the same verdict. The body is UTF-8 text for a person: a sentence saying what
// happened, then the rule, kind, state, key, count, limit and window, the count's slices as a
// histogram (histogram.h; when the finding has them), the first and last line's
// times in local time (through the LocalZone) and UTC, the service, the basis (where the login
// came from and how far to trust it), the detail, the top senders and client IPs, sample
// recipients, the alert id, and the exact `relaywatch report` command to investigate (see
// investigate.h), or why none is printed. A digest lists the alerts it stands for.
//
// Every field from the log passes through core::SanitizeField (no control characters, valid
// UTF-8, bounded), so the body has only '\n' line breaks of its own and no line over 998 bytes;
// mime.h turns it into a message.
#ifndef RELAYWATCH_ALERTING_RENDER_EMAIL_H_
#define RELAYWATCH_ALERTING_RENDER_EMAIL_H_

#include <string>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

struct EmailContent {
  std::string subject;  // one line, printable ASCII
  std::string body;     // UTF-8, lines end in '\n'
};

EmailContent RenderEmail(const Alert& alert, const core::LocalZone& zone);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_RENDER_EMAIL_H_
