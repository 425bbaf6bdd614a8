// Alert: a Finding that the ledger admitted, ready for a Channel.
//
// The id is deterministic (rule, key, window start), so a crash between writing the spool file and
// the checkpoint re-creates the same file, never a second alert. All text fields are raw log text;
// the renderers (alerting/render_*.h) escape them for their format.
#ifndef RELAYWATCH_ALERTING_ALERT_H_
#define RELAYWATCH_ALERTING_ALERT_H_

#include <cstdint>
#include <string>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/finding.h"

namespace relaywatch::alerting {

enum class AlertState {
  kNew,       // first alert for this key in the period
  kOngoing,   // still over the limit in a later period, or grown by `escalate`
  kResolved,  // fell back under the limit (alerts.resolved: true)
  kDigest,    // a channel's max_per_hour overflow folded into one message
  kTest,      // `relaywatch test-alert`
};

struct Alert {
  std::string id;  // [a-z0-9-] only: safe as a file name
  AlertState state = AlertState::kNew;
  std::string host;  // config hostname
  detect::Finding finding;
  std::uint64_t previous_count = 0;  // for kOngoing: the count last alerted
  std::uint32_t digest_count = 0;    // for kDigest: how many alerts were folded
  std::string digest_text;           // for kDigest: one line per folded alert
};

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_ALERT_H_
