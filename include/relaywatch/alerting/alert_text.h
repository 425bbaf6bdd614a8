// The words every alert renderer shares: kind and state names, the detail and the one-line
// summary.
//
// KindWord is the upper-case verdict an admin reads first on a phone ("VOLUME", "FRAUD"...);
// AlertStateName is the lower-case state of the JSON and email forms. SummaryLine is one alert on
// one line, as a digest lists it; its attacker fields pass through core::SanitizeField, so it is
// valid UTF-8 without control characters and bounded, whatever the log held.
#ifndef RELAYWATCH_ALERTING_ALERT_TEXT_H_
#define RELAYWATCH_ALERTING_ALERT_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::alerting {

// Longest SummaryLine, in bytes.
inline constexpr std::size_t kMaxSummaryLine = 200;

// The kind's verdict (detect/rule_kind.h): volume "VOLUME", sender "FRAUD", remote-ips "IPS",
// service-policy "PORT25", rcpt-limit "RCPTLIMIT", gap "GAP".
std::string_view KindWord(detect::RuleKind kind);

// The detail alerts show for `f`, as its kind's row says (detect::DetailShown): the foreign
// sender, the service, what was lost; nullopt when the alert shows none. Raw log text.
std::optional<std::string> ShownDetail(const detect::Finding& f);

// "new", "ongoing", "resolved", "digest", "test".
std::string_view AlertStateName(AlertState state);

// The alert's "kind" in JSON and in an exec hook's RELAYWATCH_KIND: the rule kind's config name,
// or "digest" / "test" for those states, so a hook that acts on kinds never acts on them.
std::string_view AlertKindName(const Alert& alert);

// "FRAUD suzy@example.com as ceo@gmail.com 12/1d", "VOLUME bob@example.com 612/1h", prefixed by
// "STILL " (ongoing), "OK " (resolved) or "TEST " (test); a digest is "DIGEST <n> alerts".
std::string SummaryLine(const Alert& alert);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_ALERT_TEXT_H_
