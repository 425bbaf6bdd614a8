// CheckpointSchedule: when the daemon takes its checkpoint.
//
// After each batch of lines the daemon asks for one (Soon); it is taken at most every 200 ms, and
// checkpoints cost about a tenth of the CPU at most: copying out 100,000 logins' windows (on the
// reading thread) and encoding them (on the outbox's saver thread, which also writes them) take
// a while, and the next checkpoint waits ten times as long as the last copy and the last encoding
// known took. The write is not counted: it is I/O, and the next checkpoint is not taken before it
// is done (AlertOutbox::Committing). While
// the outbox still holds the last one, the next waits: at most one copy of the state waits there.
// The last checkpoint, at a stop, is the daemon's own (Final).
#ifndef RELAYWATCH_APP_CHECKPOINT_SCHEDULE_H_
#define RELAYWATCH_APP_CHECKPOINT_SCHEDULE_H_

#include <chrono>
#include <functional>
#include <string>

#include "relaywatch/app/alert_outbox.h"
#include "relaywatch/follow/asio.h"
#include "relaywatch/state/checkpoint.h"

namespace relaywatch::app {

class CheckpointSchedule {
 public:
  static constexpr auto kEvery = std::chrono::milliseconds(200);

  // `take` copies out the daemon's state now.
  CheckpointSchedule(net::io_context& io, std::function<state::Checkpoint()> take)
      : timer_(io), take_(std::move(take)) {}

  // A checkpoint is due; taken when the timer fires and the outbox has room.
  void Soon(AlertOutbox& outbox);
  // Cancels the one due and commits one now.
  void Final(AlertOutbox& outbox);

 private:
  net::steady_timer timer_;
  std::function<state::Checkpoint()> take_;
  bool pending_ = false;
  std::chrono::steady_clock::duration last_cost_{};
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_CHECKPOINT_SCHEDULE_H_
