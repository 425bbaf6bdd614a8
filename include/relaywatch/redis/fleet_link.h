// FleetLink: a node's thread that talks to Redis, so the log reader never waits for it.
//
// The daemon hands it batches of its windows (fleet_window_store.h) every fleet.sync_every; the
// link sends each batch as pipelined EVALSHA calls (scripts.h) in chunks, and hands back the
// answers (the other nodes' counts) through on_replies, on its own thread. Batches that come
// while one is being sent wait merged into one (fleet::PendingBatch): when Redis is slower than
// the lines, the node syncs less often, with memory bounded by its Keys, never a backlog. Claims
// (claim.h) come
// from the outbox's writer thread, which waits for them at most fleet.timeout; they go ahead of
// any batch still being sent.
//
// Redis down or not answering: batches are dropped (the node's own windows are absolute, and the
// first thing after a reconnect is on_connected, on which the node sends all of them: nothing
// is counted twice, nothing is missed), claims answer "unavailable" at once (the node pages on
// its own counts, as without a fleet; the claim is made first thing at the next connection, so
// that the other nodes do not page that incident once more), and the link tries again
// after 1 s, then up to every 5 s, logging the outage once and the recovery once. A heartbeat every
// second keeps the node in the fleet's node list; every 2 s the link reads the fleet view
// (fleet_view.h) for `status`.
#ifndef RELAYWATCH_REDIS_FLEET_LINK_H_
#define RELAYWATCH_REDIS_FLEET_LINK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/config/config.h"
#include "relaywatch/fleet/claim.h"
#include "relaywatch/fleet/fleet_window_store.h"
#include "relaywatch/redis/fleet_view.h"

namespace relaywatch::redis {

class FleetLink {
 public:
  struct Replies {
    std::uint64_t generation = 0;  // of the batch they answer
    std::vector<fleet::CountReply> counts;
    std::vector<fleet::DistinctReply> distinct;
  };
  struct Hooks {
    std::function<void(Replies)> on_replies;  // on the link's thread
    std::function<void()> on_connected;       // on the link's thread: send every window
    std::function<void(std::string_view level, std::string message)> log;
  };
  struct Counts {
    bool connected = false;
    std::string error;           // the last failure, while not connected
    std::uint64_t commands = 0;  // sent to Redis
    std::uint64_t batches = 0;   // sent whole
    std::uint64_t dropped = 0;   // batches dropped while Redis was unavailable
    std::size_t waiting = 0;     // Keys' windows waiting to be sent (fleet::PendingBatch)
    std::uint64_t reconnects = 0;
    std::uint64_t claims_won = 0, claims_lost = 0, claims_unavailable = 0;
    std::optional<FleetView> view;  // the last one read
  };

  FleetLink(config::FleetConfig fleet, Hooks hooks);
  ~FleetLink();  // Stop()

  void Start();
  void Stop();
  // The rules batches of `generation` refer to (by index); a new pipeline (reload) has another.
  void SetRules(std::uint64_t generation, std::vector<fleet::FleetRule> rules);
  // Queues a batch; never waits. Dropped when Redis is unavailable or `generation` is not the
  // rules' current one.
  void Send(std::uint64_t generation, fleet::Batch batch);
  // Claims, waiting at most fleet.timeout for Redis; nullopt for each when it did not answer.
  std::vector<std::optional<fleet::ClaimResult>> Claim(
      const std::vector<fleet::ClaimRequest>& requests);
  Counts counts() const;
  bool connected() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relaywatch::redis

#endif  // RELAYWATCH_REDIS_FLEET_LINK_H_
