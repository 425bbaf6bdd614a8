// RenderSms: an Alert as one text message for an email-to-SMS gateway.
//
// The result is the WHOLE message: at most kSmsMaxChars characters, printable ASCII only (GSM
// 03.38 and every gateway take that unmangled), most important first: the host (its first DNS
// label: "mx1"), the verdict, the key, the numbers.
//   mx1 FRAUD suzy@example.com as ceo@gmail.com x12/1d
//   mx1 VOLUME bob@example.com 612 rcpt/1h (limit 500)
//   mx1 STILL VOLUME bob@example.com 1200 rcpt/1h (was 612)
//   mx1 OK VOLUME bob@example.com now 12 rcpt/1h (limit 500)
//   mx1 DIGEST 14 more alerts - log in: VOLUME bob@example.com 612/1h; FRAUD ...
// When it does not fit, the longest attacker-chosen field (key, foreign sender, service, detail)
// is cut first, each down to a "..."-ended stub, so a 10 KiB sender still leaves the host, the
// verdict and the numbers intact.
//
// The SMS channel sends this text as the mail body with NO Subject header: gateways print the
// subject in front of the body and count it against the same 160 characters, so a subject would
// only push the end of the message off the phone. (Most gateways also prepend the From address:
// keep the channel's `from` short.) The email channel uses the same text as its Subject.
#ifndef RELAYWATCH_ALERTING_RENDER_SMS_H_
#define RELAYWATCH_ALERTING_RENDER_SMS_H_

#include <cstddef>
#include <string>

#include "relaywatch/alerting/alert.h"

namespace relaywatch::alerting {

inline constexpr std::size_t kSmsMaxChars = 160;

// The message for `alert`: 1..kSmsMaxChars bytes of printable ASCII (0x20-0x7E), one line.
std::string RenderSms(const Alert& alert);

// "mx1" for "mx1.example.com": the first DNS label, or the whole name for an IP address, as
// printable ASCII of at most 32 characters.
std::string ShortHostName(const std::string& host);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_RENDER_SMS_H_
