// AlertOutbox: alerts from the pipeline to the channels, and the checkpoints that record them.
//
// The thread that reads the log never waits here for a disk or a delivery. Put queues an alert and
// Commit a checkpoint the daemon took of its state; both take only the queue's mutex, which is
// never held during I/O. The outbox's writer thread handles the queue in order: it spools each
// alert for every channel (store/spool.h; everything queued since its last turn in one batch,
// committed with one filesystem sync and one directory fsync), wakes the dispatcher, which sends
// on threads of its own, and hands each checkpoint to the saver thread, which writes it
// (store/checkpoint_store.h), only once every alert queued before it is in the spool under its
// deterministic id (DESIGN "Exactly once"). A crash before that checkpoint replays the same lines
// and puts the same ids again; the spool ignores an id it has pending, sent or given up, so an
// alert goes out once, never twice. The checkpoint is written on a thread of its own because a
// big site's is tens of MB: alerts queued meanwhile are spooled at once, not after it.
//
// When the spool refuses an alert (ENOSPC, EROFS, EACCES, EMFILE...), the alert stays in memory,
// "unspooled", and the checkpoints wait for it: the log says so at each failed write, the status
// counts such alerts apart (Counts::unspooled, and per channel), and the oldest is tried again
// after 1 s, 2 s, 4 s, 8 s, then every 10 s; once it is written the others are retried and the
// waiting checkpoint is written. Stop tries them once more; a stop (or a crash) that leaves some
// unspooled keeps the last checkpoint written before them, so the next start reads those lines
// again and re-creates the same alerts.
//
// Reconfigure takes the new channels at once for the alerts queued from then on; the writer
// thread replaces the dispatcher (stopping the old one waits for its delivery in progress).
#ifndef RELAYWATCH_APP_ALERT_OUTBOX_H_
#define RELAYWATCH_APP_ALERT_OUTBOX_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/state/checkpoint.h"

namespace relaywatch::app {

class AlertOutbox {
 public:
  using Log = std::function<void(std::string_view level, std::string_view msg)>;

  // Since this start.
  struct Counts {
    std::uint64_t spooled = 0;       // alerts in the spool for every channel
    std::uint64_t unspooled = 0;     // alerts queued or refused by the disk, not yet spooled
    std::uint64_t spool_errors = 0;  // failed spool writes (one per alert and channel and try)
    std::uint64_t checkpoints = 0;   // checkpoints written
    std::optional<std::chrono::steady_clock::time_point> last_checkpoint;  // written, if any
  };
  // One channel's counts (the dispatcher's, and the alerts not yet in its spool).
  struct ChannelCounts {
    std::string channel;
    std::uint64_t pending = 0;    // in the spool now
    std::uint64_t unspooled = 0;  // not yet in the spool
    std::uint64_t sent = 0;       // delivered
    std::uint64_t failed = 0;     // temporary failures (each attempt)
    std::uint64_t given_up = 0;   // permanent failures and max_age, since this start
    std::uint64_t in_failed = 0;  // in the spool's failed/ now
  };

  // Before an alert is spooled, on the writer thread: for each alert, nullopt to spool it, or
  // why this node does not page it (a fleet's other node claimed it: fleet/claim.h), which is
  // logged and the alert dropped; it may relabel an alert it lets through (an escalation of
  // another node's page). `spooled(id)` says whether some channel's spool has `id`.
  using ClaimGate = std::function<std::vector<std::optional<std::string>>(
      const std::vector<alerting::Alert*>& alerts,
      const std::function<bool(std::string_view id)>& spooled)>;

  AlertOutbox(const config::Config& config, Log log);
  ~AlertOutbox();  // Stop()

  void set_claim_gate(ClaimGate gate);  // before Start
  void Start();                         // the writer and the dispatcher threads
  // Handles everything queued, retrying unspooled alerts once more, then ends the threads.
  // Idempotent.
  void Stop();
  // Queues `alert` for every channel configured now. Never waits for I/O.
  void Put(const alerting::Alert& alert);
  // Queues a checkpoint of the daemon's state, to be encoded (state::EncodeCheckpoint) and written
  // on the saver thread once the alerts queued before it are spooled. Never waits for I/O, nor
  // encodes: with 100,000 logins encoding takes a tenth of a second, which the reading thread
  // would spend not reading. A checkpoint still waiting is replaced (the later one holds
  // everything it held).
  void Commit(state::Checkpoint checkpoint);
  // True from Commit until that checkpoint is written or its write failed: the daemon takes no
  // new one meanwhile, so at most one copy of its state waits here.
  bool Committing() const;
  // How long encoding the last checkpoint took (on the saver thread): the daemon spaces its
  // checkpoints by what they cost in all, not only by its own share (checkpoint_schedule.h).
  std::chrono::steady_clock::duration LastEncodeCost() const;
  void Reconfigure(const config::Config& config);
  std::size_t Pending() const;
  Counts counts() const;
  std::vector<ChannelCounts> Channels() const;
  std::string StatusJson() const;
  std::string StatusText() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_ALERT_OUTBOX_H_
