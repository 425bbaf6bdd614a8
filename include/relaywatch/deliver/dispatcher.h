// Dispatcher: the sending loops from the Spool to the Channels, one thread per channel, losing
// nothing.
//
// Ingest never waits for a mail server: the daemon spools an alert (store/spool.h) and calls
// Notify(); each channel's loop, on a std::thread of its own, does that channel's sending, so a
// mail server that hangs until its timeout delays only its own channel, never the SMS. Each pass
// of a channel goes over its pending entries oldest first (first spooled):
//   - an entry older than alerts.max_age is given up: by its first spooling (retried too long)
//     or, except for digests, by its alert's last line (history is not paged after a restart);
//   - an entry whose next attempt is later waits;
//   - a due entry asks the channel's alerting::RateCap: kFold holds it for the digest (it stays
//     in the spool and is not tried alone); once the cap has room the digest is spooled as an
//     alert of its own and only then are the alerts it lists removed, so a crash in between
//     sends some twice (in a second digest) but loses none. Digests and retries of an admitted
//     alert do not ask again: a failed attempt reached no one.
//   - Channel::Deliver: kOk removes it (spool sent/ marker); kPermanent gives it up (spool
//     failed/, logged); kTemporary reschedules it with backoff and ends this channel's pass, so a
//     channel that is down costs one timeout per pass.
// Backoff after the n-th failed attempt (RetryDelay), counted from when the attempt failed (an
// attempt can take its whole timeout): 30s, 1m, 2m, 4m, 8m, 16m, then every 30m, until max_age. No
// jitter: one daemon per host has no herd to spread, and exact times keep the log and the tests
// exact.
//
// A loop sleeps until its channel's next entry or digest is due, at most a minute, and wakes early
// on Notify(). Stop() ends every loop after the Deliver in progress, if any (a transport's own
// timeout bounds that). After a restart a new Dispatcher over the same spool sends what was
// pending, oldest first; the rate cap goes on from the send times the spool kept (a restart or a
// reload does not open it again, and what it held is held again for a digest). Times are
// wall-clock, from `clock` (tests inject one); alert times are event time and are only compared
// for max_age. Log lines (level, message) read like djb's:
//   warning  unable to deliver alert ID via phone: 421 try later; retrying in 1m
//   error    unable to deliver alert ID via phone: 550 no such user; giving up; kept in
//   DIR/failed/ID
#ifndef RELAYWATCH_DELIVER_DISPATCHER_H_
#define RELAYWATCH_DELIVER_DISPATCHER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "relaywatch/alerting/rate_cap.h"
#include "relaywatch/core/time.h"
#include "relaywatch/deliver/channel.h"
#include "relaywatch/store/spool.h"

namespace relaywatch::deliver {

using Clock = std::function<core::Timestamp()>;

// The wait after the `failed_attempts`-th failed attempt: 30s * 2^(n-1), at most 30m (n = 0 is
// taken as 1).
core::Duration RetryDelay(std::uint32_t failed_attempts);

// One configured channel and its cap (ChannelConfig::max_per_hour, else alerts.max_per_hour).
struct DispatchChannel {
  std::shared_ptr<Channel> channel;  // its name() names the spool directory
  std::uint32_t max_per_hour = 20;   // 0 = no cap
};

struct DispatcherOptions {
  core::Duration max_age = std::chrono::hours(48);  // alerts.max_age
  Clock clock;                                      // empty: the system clock
  store::LogFn log;                                 // empty: silent
};

// What `relaywatch status` shows per channel. Counts are since this Dispatcher started.
struct ChannelCounters {
  std::string channel;
  std::size_t pending = 0;     // in the spool now, held ones included
  std::size_t held = 0;        // folded, waiting for the digest
  std::uint64_t sent = 0;      // delivered (a digest counts once)
  std::uint64_t failed = 0;    // temporary failures (each attempt)
  std::uint64_t given_up = 0;  // permanent failures and max_age
  // In the spool's failed/, given up by this start or an earlier one: read from the directory
  // at the start, after a pass that gave up an alert, and otherwise at the first pass a second
  // or more after the last reading (a pass runs at least once a minute).
  std::size_t in_failed = 0;
  std::uint64_t folded = 0;   // alerts folded into a digest
  std::uint64_t digests = 0;  // digests spooled
};

class Dispatcher {
 public:
  // Channels whose name is not a safe file name are logged and skipped. `spool` must outlive
  // the Dispatcher.
  Dispatcher(store::Spool& spool, std::vector<DispatchChannel> channels, DispatcherOptions options);
  ~Dispatcher();  // Stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the channels' threads (once).
  void Start();
  // Wakes every channel's thread for a pass now (call after spooling). Cheap; never blocks on a
  // Deliver.
  void Notify();
  // Ends the threads after the pass step in progress and joins them. Idempotent.
  void Stop();

  // One pass over every channel in turn at clock(), as described at the top. Returns when the
  // next entry or digest falls due (a time <= clock() means "at once"), or nullopt when nothing
  // is pending. Tests and one-shot callers call it directly (without Start).
  std::optional<core::Timestamp> RunOnce();

  // A snapshot, one per channel in configuration order. Thread-safe, and it never waits for disk
  // work or a delivery in progress (the daemon's status query calls it on the thread that reads
  // the log): pending is the spool's PendingNow.
  std::vector<ChannelCounters> Counters() const;

 private:
  struct Slot {
    Slot(std::shared_ptr<Channel> c, std::string n, std::uint32_t cap_per_hour)
        : channel(std::move(c)),
          name(std::move(n)),
          max_per_hour(cap_per_hour),
          cap(cap_per_hour) {}
    std::shared_ptr<Channel> channel;
    std::string name;
    std::uint32_t max_per_hour = 0;
    alerting::RateCap cap;
    std::set<std::string> held;      // folded into the pending digest
    std::set<std::string> admitted;  // passed the cap; retries do not ask again
    std::set<std::string> done;      // delivered, but the spool could not record it yet
    ChannelCounters counters;
    std::mutex run_mu;                                    // one pass of this channel at a time
    std::optional<core::Timestamp> last_prune;            // under run_mu
    std::chrono::steady_clock::time_point failed_read{};  // when in_failed was read; under run_mu
    bool notified = false;                                // under the Dispatcher's mu_
    std::thread thread;
  };

  core::Timestamp Now() const;
  void Log(std::string_view level, const std::string& message) const;
  void Loop(Slot& slot);
  // One pass of `slot` at Now(), its spool pruned when due.
  std::optional<core::Timestamp> RunSlot(Slot& slot);
  std::optional<core::Timestamp> RunChannel(Slot& slot, core::Timestamp now);
  void SpoolDigestIfDue(Slot& slot, core::Timestamp now);
  bool TooOld(const store::SpoolEntry& e, core::Timestamp now) const;
  void GiveUp(Slot& slot, const store::SpoolEntry& e, const std::string& message);
  void SaveSendTimes(Slot& slot);
  void MarkDone(Slot& slot, const std::string& id, core::Timestamp now);
  void Prune(Slot& slot, core::Timestamp now);
  // Applies `f` to slot.counters under counters_mu_.
  template <typename F>
  void Count(Slot& slot, F f);

  store::Spool& spool_;
  DispatcherOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;

  mutable std::mutex counters_mu_;
  std::mutex mu_;  // guards started_, stop_requested_ and each Slot::notified
  std::condition_variable cv_;
  bool started_ = false;
  bool stop_requested_ = false;
  std::atomic<bool> stopping_{false};  // read between entries without mu_
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_DISPATCHER_H_
