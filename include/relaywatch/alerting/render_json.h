// RenderJson: an Alert as the JSON object of DESIGN.md, for exec hooks (on stdin) and the spool.
//
// One compact object on one line:
//   {"id", "rule", "kind", "user", "count", "limit", "window" (seconds), "window_text" ("1h"),
//    "first", "last" (UTC ISO 8601, 9 fraction digits), "host", "state", "service", "basis",
//    "detail", "previous_count", "sample": {"senders": [{"sender", "count"}],
//    "remote_ips": [{"ip", "count"}], "recipients": [...]}}
// and, for a digest, "digest_count" and "digest" (the held alerts, one string each).
// "kind" is the rule kind's config name ("volume", "sender", ...), or "digest" / "test" for
// those states, so a hook that acts on kinds never acts on a digest or a test.
// Values are the log's text as it was (a hook may need the exact login), escaped by
// core::JsonWriter: the output is valid JSON and valid UTF-8 whatever the fields hold (bytes that
// are not UTF-8 become U+FFFD) and holds no raw control byte. Keys may be added, never renamed.
#ifndef RELAYWATCH_ALERTING_RENDER_JSON_H_
#define RELAYWATCH_ALERTING_RENDER_JSON_H_

#include <string>

#include "relaywatch/alerting/alert.h"

namespace relaywatch::alerting {

std::string RenderJson(const Alert& alert);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_RENDER_JSON_H_
