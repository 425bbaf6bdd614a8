#include "relaywatch/fleet/claim.h"

#include <chrono>

#include "relaywatch/detect/rule_kind.h"
#include "relaywatch/fleet/fleet_keys.h"

namespace relaywatch::fleet {

std::optional<ClaimRequest> ClaimFor(const alerting::Alert& alert, std::string_view prefix,
                                     std::string_view node, std::optional<core::Duration> repeat,
                                     std::optional<double> escalate) {
  using alerting::AlertState;
  if (alert.state != AlertState::kNew && alert.state != AlertState::kOngoing &&
      alert.state != AlertState::kResolved) {
    return std::nullopt;
  }
  const detect::Finding& f = alert.finding;
  // A gap (log lost before it was read) is this node's own log: not shared.
  if (f.kind == detect::RuleKind::kGap) return std::nullopt;
  ClaimRequest r;
  const bool resolved = alert.state == AlertState::kResolved;
  r.key = ClaimKey(prefix, RuleId(f.rule, f.window), f.key, resolved ? "resolved" : "page");
  r.node = std::string(node);
  r.id = alert.id;
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  r.stamp_ms = duration_cast<milliseconds>(f.last.time_since_epoch()).count();
  r.period_ms = duration_cast<milliseconds>(repeat.value_or(f.window)).count();
  r.count = f.count;
  r.escalate = resolved ? 0 : escalate.value_or(0);
  return r;
}

void FollowFleetPage(alerting::Alert& alert, const ClaimResult& result) {
  if (!result.won || !result.escalated || alert.state != alerting::AlertState::kNew) return;
  alert.state = alerting::AlertState::kOngoing;
  alert.previous_count = result.held_count;
}

}  // namespace relaywatch::fleet
