// RenderJson: an Alert as the JSON object of DESIGN.md, for exec hooks (on stdin) and the spool.
//
// One compact object on one line: the finding object of alerting/finding_json.h (the same one
// `report --format json` lists under "findings"; "window" is in seconds, "window_text" is "1h"),
// then "host" (the config hostname) and, for a digest, "digest_count" and "digest" (the held
// alerts, one string each). The output is valid JSON and valid UTF-8 whatever the fields hold and
// holds no raw control byte. Keys may be added, never renamed.
#ifndef RELAYWATCH_ALERTING_RENDER_JSON_H_
#define RELAYWATCH_ALERTING_RENDER_JSON_H_

#include <string>

#include "relaywatch/alerting/alert.h"

namespace relaywatch::alerting {

std::string RenderJson(const Alert& alert);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_RENDER_JSON_H_
