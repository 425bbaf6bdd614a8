// WriteFindingJson: the one JSON form of an alert's Finding, shared by every JSON output.
//
// The alert JSON (alerting::RenderJson: exec hooks, stdin) and `report --format json`'s
// "findings" list both write a finding through this function, so a script reads the same object
// from either. Its members, in this order:
//   "id"              the alert id (rule, key, window start): [a-z0-9-]
//   "rule"            the rule's name
//   "kind"            the rule kind's config name ("volume", "sender", "remote-ips",
//                     "service-policy", "rcpt-limit", "gap"), or "digest" / "test" for those
//                     alert states, so a hook that acts on kinds never acts on a digest or a test
//   "user"            the key: a login, "ip:ADDRESS", or "log:SERVICE" for a gap
//   "count", "limit"  integers: the count in the window at "last", and the rule's limit
//   "window"          integer: the window's length in SECONDS (3600), the machine form
//   "window_text"     the same length as the config writes it ("1h", "90m", "1d"), for people
//   "first", "last"   UTC ISO 8601 with 9 fraction digits: the oldest counted line in the window,
//                     and the line that produced the finding
//   "state"           "new", "ongoing", "resolved", "digest", "test"
//   "service"         the service of the "last" line
//   "basis"           where the login came from: "chkuser", "qlog", "ip", ... ("" when none)
//   "detail"          sender: the foreign sender; service-policy: the service; gap: what was lost;
//                     "" for the other kinds (always present)
//   "previous_count"  integer: for "ongoing", the count the last alert carried; else 0
//   "slices"          [integer]: the count in each slice of the window at "last" (60 slices of
//                     window / 60, oldest first, summing to about "count"; detect/bucket_window.h),
//                     the email's and `report --user`'s histogram; [] when not known
//   "sample"          {"senders": [{"sender", "count"}], "remote_ips": [{"ip", "count"}],
//                      "recipients": [STRING]}: what the key did in the window, bounded
// The caller opens and closes the object and may add members of its own after these (the alert
// JSON adds "host", and for a digest "digest_count" and "digest"). Values are the log's text as
// it was, escaped by core::JsonWriter (valid JSON and UTF-8 whatever they hold). Keys may be
// added, never renamed.
#ifndef RELAYWATCH_ALERTING_FINDING_JSON_H_
#define RELAYWATCH_ALERTING_FINDING_JSON_H_

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/json_writer.h"

namespace relaywatch::alerting {

// Writes the members above (keys and values, not the braces) into the object `w` has open.
void WriteFindingJson(core::JsonWriter& w, const Alert& alert);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_FINDING_JSON_H_
