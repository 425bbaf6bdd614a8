// FleetMember: the daemon's part in a fleet (config fleet:), between its Pipeline and Redis.
//
// It makes the Pipeline's store a fleet::FleetWindowStore, runs the redis::FleetLink, and, on
// the daemon's io_context: every fleet.sync_every hands the link the windows counted since (all
// of them after a (re)connect), and takes the link's answers into the store, asking the Pipeline
// to look again at each Key whose other nodes' count changed (the line that crossed the limit
// may have been another node's). It gives the outbox its claim gate (fleet/claim.h). Without a
// fleet section it does nothing, and the daemon is as before.
#ifndef RELAYWATCH_APP_FLEET_MEMBER_H_
#define RELAYWATCH_APP_FLEET_MEMBER_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "relaywatch/app/alert_outbox.h"
#include "relaywatch/config/config.h"
#include "relaywatch/detect/window_store.h"
#include "relaywatch/fleet/fleet_window_store.h"
#include "relaywatch/follow/asio.h"
#include "relaywatch/pipeline/pipeline.h"
#include "relaywatch/redis/fleet_link.h"

namespace relaywatch::app {

// What `status` and the metrics show of the fleet.
struct FleetStatus {
  std::string node;
  std::string address;
  redis::FleetLink::Counts link;
  std::size_t remote_keys = 0;  // Keys of which the store holds other nodes' counts
};

class FleetMember {
 public:
  using Log = std::function<void(std::string_view level, std::string message)>;

  FleetMember(net::io_context& io, const config::Config& config, Log log);
  ~FleetMember();

  bool enabled() const { return enabled_; }
  // The store for a Pipeline of `config`: a FleetWindowStore, or nullptr (the Pipeline's own)
  // without a fleet. Attach the Pipeline made with it next.
  std::unique_ptr<detect::WindowStore> MakeStore(const config::Config& config);
  // The Pipeline made with the last store (at start and after each reload).
  void Attach(pipeline::Pipeline& pipeline, const config::Config& config);
  void Start();
  void Stop();
  AlertOutbox::ClaimGate Gate();
  std::optional<FleetStatus> Status() const;

 private:
  void Arm();
  void Sync();
  void OnReplies(redis::FleetLink::Replies replies);

  net::io_context& io_;
  bool enabled_;
  config::FleetConfig fleet_;
  Log log_;
  std::unique_ptr<redis::FleetLink> link_;
  net::steady_timer timer_;
  fleet::FleetWindowStore* made_ = nullptr;  // by MakeStore, owned by the next Pipeline
  fleet::FleetWindowStore* store_ = nullptr;
  pipeline::Pipeline* pipeline_ = nullptr;
  std::uint64_t generation_ = 0;
  bool resync_ = true;  // send every window at the next sync (io_context)
  // What the claim gate (the outbox's writer thread) reads of the config.
  mutable std::mutex alerts_mu_;
  std::optional<core::Duration> repeat_;
  std::optional<double> escalate_;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_FLEET_MEMBER_H_
