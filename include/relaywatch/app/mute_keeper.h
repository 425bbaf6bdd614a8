// MuteKeeper: the daemon's mutes (relaywatch mute/unmute) in memory and in state_dir/mutes.
//
// Loaded at start; a mutes file that cannot be read is set aside (kept for a person to look at)
// and the daemon pages as if nothing were muted: never silent by mistake. A mute that ends is
// logged and dropped from the file the next time the daemon looks (an alert, a status request).
// Requests come from the status socket, which only the state dir's owner reaches (app/mutes.h).
#ifndef RELAYWATCH_APP_MUTE_KEEPER_H_
#define RELAYWATCH_APP_MUTE_KEEPER_H_

#include <string>
#include <vector>

#include "relaywatch/alerting/mute_list.h"
#include "relaywatch/app/mutes.h"
#include "relaywatch/core/time.h"
#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::app {

class MuteKeeper {
 public:
  explicit MuteKeeper(std::string state_dir) : path_(MutesPath(state_dir)) {}

  // Reads state_dir/mutes (logging each mute restored), or sets a bad one aside.
  void Load(core::Timestamp now);
  // The mute in force for this alert's key and rule, if any (ended mutes pruned first).
  const alerting::Mute* Match(std::string_view key, std::string_view rule, core::Timestamp now);
  // A mute or unmute request; the answer lines ("ok: …", "warning: …", "error: …"). `pipeline`
  // names the rules that exist and says whether the key is in any window now.
  std::string Handle(const MuteRequest& r, const pipeline::Pipeline& pipeline, core::Timestamp now);
  // The mutes in force at `now`.
  const std::vector<alerting::Mute>& InForce(core::Timestamp now);

 private:
  void Prune(core::Timestamp now);
  core::Status Save();

  std::string path_;
  alerting::MuteList mutes_;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_MUTE_KEEPER_H_
