#include "relaywatch/app/checkpoint_schedule.h"

#include <algorithm>

namespace relaywatch::app {

void CheckpointSchedule::Soon(AlertOutbox& outbox) {
  if (pending_) return;
  pending_ = true;
  timer_.expires_after(std::max<std::chrono::steady_clock::duration>(kEvery, last_cost_ * 10));
  timer_.async_wait([this, &outbox](boost::system::error_code ec) {
    pending_ = false;
    if (ec) return;
    if (outbox.Committing()) return Soon(outbox);
    const auto t0 = std::chrono::steady_clock::now();
    outbox.Commit(take_());
    // Copying out the state here and encoding it on the outbox's saver thread: both are CPU the
    // checkpoints take from the lines (the encoding's of the previous checkpoint, the last known).
    last_cost_ = std::chrono::steady_clock::now() - t0 + outbox.LastEncodeCost();
  });
}

void CheckpointSchedule::Final(AlertOutbox& outbox) {
  timer_.cancel();
  outbox.Commit(take_());
}

}  // namespace relaywatch::app
