#include "relaywatch/parse/smtpd.h"

#include "scan.h"

namespace relaywatch::parse {

Event ParseSmtpd(std::string_view text) {
  const auto rest = scan::After(text, "qmail-smtpd");
  if (!rest) return OtherEvent{};
  SmtpdEvent event;
  if (const auto bracket = scan::After(*rest, "[")) {
    const std::string_view digits = scan::LeadingDigits(*bracket);
    const auto pid = scan::ParseUint32(digits);
    const auto message = scan::After(bracket->substr(digits.size()), "]: ");
    if (!pid || !message) return OtherEvent{};
    event.pid = *pid;
    event.text = *message;
  } else if (const auto message = scan::After(*rest, ": ")) {
    event.text = *message;
  } else {
    return OtherEvent{};
  }

  const auto auth = scan::After(event.text, "auth: ");
  if (!auth) return event;
  std::string_view fields;
  if (const auto success = scan::After(*auth, "auth-success ")) {
    event.kind = SmtpdEvent::Kind::kAuthSuccess;
    fields = *success;
  } else if (const auto failed = scan::After(*auth, "auth-failed ")) {
    event.kind = SmtpdEvent::Kind::kAuthFailed;
    fields = *failed;
  } else {
    return event;
  }
  // "type=T user=<U>": T is a word from qmail-smtpd's table, U is the client's.
  const auto type = scan::After(fields, "type=");
  const auto user = type ? scan::SplitFirst(*type, " user=<") : std::nullopt;
  if (!user || !user->after.ends_with('>')) {
    return MalformedEvent{"qmail-smtpd: auth line without 'type=T user=<U>'"};
  }
  event.auth_type = user->before;
  event.user = user->after.substr(0, user->after.size() - 1);
  return event;
}

}  // namespace relaywatch::parse
