// The Redis key layout of a fleet: what each key holds and how its name is made.
//
// Every name is PREFIX + a fixed word + fields that are never raw log text: a rule is named by
// the hex of its name and its window in seconds (a reloaded rule with another window does not
// mix its counts with the old one's), a login by the hex of its Key. Logins are attacker-chosen
// text; hex makes any byte safe in a key, keeps names exact (no two logins share a key, as they
// could under a hash) and reversible for `report --fleet`.
//
//   PREFIX c:RULE:KEY   hash "SLICE:NODE" -> that node's count of the Key in that slice
//                       (bucket_window.h slices, epoch-aligned, so all nodes agree on them).
//                       A node writes its own absolute counts and never lowers one (HSET of the
//                       larger), so sending the same counts again (after a reconnect, a restart
//                       from the checkpoint, a replay) changes nothing: each line counts once.
//   PREFIX d:RULE:KEY   hash "ADDRESS" -> the newest slice in which some node saw the address
//                       (remote-ips: the fleet's distinct count is the union, not a sum).
//   PREFIX t:RULE       sorted set KEY-hex -> the fleet count at its last update (status's top).
//   PREFIX n            sorted set NODE -> when the node last synced (Redis TIME, ms).
//   PREFIX p:RULE:KEY:page / :resolved   the claim of a page: "NODE STAMP_MS COUNT ID".
// Counts and claims expire with their window or period: Redis holds only live windows.
#ifndef RELAYWATCH_FLEET_FLEET_KEYS_H_
#define RELAYWATCH_FLEET_FLEET_KEYS_H_

#include <optional>
#include <string>
#include <string_view>

#include "relaywatch/core/time.h"

namespace relaywatch::fleet {

// Lowercase hex of the bytes of `s`.
std::string Hex(std::string_view s);
// The bytes back; nullopt when `hex` is not an even run of [0-9a-f].
std::optional<std::string> Unhex(std::string_view hex);

// A rule as the fleet names it: hex(name) "." window in seconds.
std::string RuleId(std::string_view rule_name, core::Duration window);

std::string CountKey(std::string_view prefix, std::string_view rule_id, std::string_view key);
std::string DistinctKey(std::string_view prefix, std::string_view rule_id, std::string_view key);
std::string TopKey(std::string_view prefix, std::string_view rule_id);
std::string NodesKey(std::string_view prefix);
// `what` is "page" (New, Ongoing and escalations share one claim per period) or "resolved".
std::string ClaimKey(std::string_view prefix, std::string_view rule_id, std::string_view key,
                     std::string_view what);

// Whether `name` can name a node or a prefix: 1..64 of [A-Za-z0-9._-] (a prefix may hold ':').
bool IsValidNodeName(std::string_view name);
bool IsValidPrefix(std::string_view prefix);

}  // namespace relaywatch::fleet

#endif  // RELAYWATCH_FLEET_FLEET_KEYS_H_
