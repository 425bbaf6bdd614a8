// Claims: one page per incident across the fleet.
//
// Every node's ledger admits the alerts its (fleet) counts deserve, so each node that sees a
// login over its limit makes the same decision. Before an alert is spooled, the node claims it
// in Redis (scripts.h kClaimScript): the first node to claim a (rule, Key) pages, for the
// alert's period; the others record that it was paged and send nothing. Escalations claim anew
// when the count grew by alerts.escalate; a resolution has a claim of its own.
//
// A node may find its own claim under another id: it claimed an alert, then was killed before
// the checkpoint, and re-read the lines (the fleet counts of a replay can cross at another line,
// hence another id). If its spool knows that id, the alert is spooled and goes out: the new one
// is a repeat. If not, the node died between claim and spool, and it takes the claim over (force):
// the page is never lost and never sent twice.
#ifndef RELAYWATCH_FLEET_CLAIM_H_
#define RELAYWATCH_FLEET_CLAIM_H_

#include <cstdint>
#include <optional>
#include <string>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/time.h"

namespace relaywatch::fleet {

struct ClaimRequest {
  std::string key;  // fleet_keys.h ClaimKey
  std::string node;
  std::string id;  // the alert's
  std::int64_t stamp_ms = 0;
  std::int64_t period_ms = 0;
  std::uint64_t count = 0;
  double escalate = 0;  // 0: no escalation
  bool force = false;
};

struct ClaimResult {
  bool won = false;
  std::string holder;     // the node holding the claim now
  std::string holder_id;  // the alert it claimed it for
  // Won over another node's claim of the period because the count grew by alerts.escalate:
  // for the fleet this page is an escalation of that one, paged at `held_count`. Lost: the
  // count the holder paged.
  bool escalated = false;
  std::uint64_t held_count = 0;
};

// What the fleet's page makes of this node's alert: a claim won by escalation over another
// node's page is an escalation ("ongoing", previous_count = the count that node paged), even
// where this node's own ledger, which never paged the Key, made it "new".
void FollowFleetPage(alerting::Alert& alert, const ClaimResult& result);

// The claim an alert needs before it is paged; nullopt for alerts the fleet does not share
// (digests, test alerts: they are this node's own).
std::optional<ClaimRequest> ClaimFor(const alerting::Alert& alert, std::string_view prefix,
                                     std::string_view node, std::optional<core::Duration> repeat,
                                     std::optional<double> escalate);

}  // namespace relaywatch::fleet

#endif  // RELAYWATCH_FLEET_CLAIM_H_
