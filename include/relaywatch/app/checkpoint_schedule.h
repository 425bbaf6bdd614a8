// CheckpointSchedule: when the daemon takes its checkpoint.
//
// After each batch of lines the daemon asks for one (Soon); it is taken at most every 200 ms, and
// taking them never costs the reading thread more than a tenth of its time (copying out and
// encoding 100,000 logins' windows takes a while; writing them is the outbox's, on its own
// thread). While the outbox still holds the last one, the next waits: at most one copy of the
// state waits there. The last checkpoint, at a stop, is the daemon's own (Final).
#ifndef RELAYWATCH_APP_CHECKPOINT_SCHEDULE_H_
#define RELAYWATCH_APP_CHECKPOINT_SCHEDULE_H_

#include <chrono>
#include <functional>
#include <string>

#include "relaywatch/app/alert_outbox.h"
#include "relaywatch/follow/asio.h"

namespace relaywatch::app {

class CheckpointSchedule {
 public:
  static constexpr auto kEvery = std::chrono::milliseconds(200);

  // `take` encodes the daemon's state now (state::EncodeCheckpoint).
  CheckpointSchedule(net::io_context& io, std::function<std::string()> take)
      : timer_(io), take_(std::move(take)) {}

  // A checkpoint is due; taken when the timer fires and the outbox has room.
  void Soon(AlertOutbox& outbox);
  // Cancels the one due and commits one now.
  void Final(AlertOutbox& outbox);

 private:
  net::steady_timer timer_;
  std::function<std::string()> take_;
  bool pending_ = false;
  std::chrono::steady_clock::duration last_cost_{};
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_CHECKPOINT_SCHEDULE_H_
