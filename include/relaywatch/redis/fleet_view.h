// FleetView: what Redis holds of the fleet now, for `status` and `report --fleet`.
//
// The nodes heard from (and how long ago), and per rule the Keys with the highest fleet count,
// each with every node's part of it. Read-only: nothing here writes but the removal of a top
// entry whose counts expired.
#ifndef RELAYWATCH_REDIS_FLEET_VIEW_H_
#define RELAYWATCH_REDIS_FLEET_VIEW_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"
#include "relaywatch/fleet/fleet_window_store.h"
#include "relaywatch/redis/connection.h"

namespace relaywatch::redis {

struct FleetNode {
  std::string name;
  std::int64_t age_ms = 0;  // since its last sync, by Redis's clock
  bool live = false;        // heard from within fleet.node_timeout
};

struct FleetKey {
  std::string key;
  std::uint64_t count = 0;                                     // fleet-wide, in the window
  std::vector<std::pair<std::string, std::uint64_t>> by_node;  // count rules: each node's part
};

struct FleetRuleView {
  std::string rule;  // its name
  std::int64_t window_s = 0;
  bool distinct = false;
  std::vector<FleetKey> top;  // highest count first
};

struct FleetView {
  std::int64_t now_ms = 0;  // Redis's time
  std::vector<FleetNode> nodes;
  std::vector<FleetRuleView> rules;
};

// Reads the view of `rules` (the top `n` Keys of each) through `conn`.
core::Result<FleetView> FetchFleetView(Connection& conn, const config::FleetConfig& fleet,
                                       const std::vector<fleet::FleetRule>& rules, std::size_t n);

// The fleet's rules for a config: each rule's fleet id, window and whether it counts distinct.
std::vector<fleet::FleetRule> FleetRulesOf(const config::Config& config);

}  // namespace relaywatch::redis

#endif  // RELAYWATCH_REDIS_FLEET_VIEW_H_
