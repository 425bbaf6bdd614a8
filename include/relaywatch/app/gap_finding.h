// GapFinding: a Follower's Gap (log pruned before it was read) as a `gap` Finding for the ledger.
#ifndef RELAYWATCH_APP_GAP_FINDING_H_
#define RELAYWATCH_APP_GAP_FINDING_H_

#include "relaywatch/core/time.h"
#include "relaywatch/detect/finding.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/follower.h"

namespace relaywatch::app {

// Keyed "log:SERVICE"; the detail says what was lost, the span, and what to change. `now`
// stands in for the ends of the span the Gap does not know.
detect::Finding GapFinding(const follow::Source& source, const follow::Gap& gap,
                           core::Timestamp now);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_GAP_FINDING_H_
