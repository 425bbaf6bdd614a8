// RateCap: a channel's `max_per_hour`, with the overflow folded into a digest, never dropped.
//
// One RateCap per channel, fed the wall time of sending. Admit says kSend while fewer than
// max_per_hour messages went out in the sliding hour before `now`; beyond that it says kFold and
// keeps a one-line summary of the alert for the digest. Once folding has begun, every later alert
// is folded too until the digest is out, so the held alerts are never overtaken and the digest
// reports them in order.
//
// When the digest goes out: TakeDigest(now) returns it at the first call where the sliding hour
// has room for one message (the digest takes that slot and counts against the cap). Because
// nothing else is sent while alerts are folded, room appears at the latest one hour after the
// first folded alert: DigestDueAt() says exactly when, so the dispatcher can set a timer for it.
// The digest says how many alerts it stands for (digest_count, "14 more alerts on mx1 - log
// in"); it lists the first kMaxDigestLines of them and ends with "... and N more" past that, so
// memory stays bounded under a flood while the count stays exact.
//
// Test alerts (kTest) are always sent and do not count. max_per_hour = 0 means no cap.
// No clock, no I/O; not thread-safe.
#ifndef RELAYWATCH_ALERTING_RATE_CAP_H_
#define RELAYWATCH_ALERTING_RATE_CAP_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

inline constexpr std::size_t kMaxDigestLines = 100;

class RateCap {
 public:
  enum class Decision { kSend, kFold };

  explicit RateCap(std::uint32_t max_per_hour);

  // kSend (and counts the message at `now`) while under the cap and nothing is held; otherwise
  // kFold: the alert now lives in the pending digest and must not be sent on its own.
  Decision Admit(core::Timestamp now, const Alert& a);

  // The digest of every folded alert, if any are held and the hour has room at `now`; it counts
  // as one message sent at `now`. Otherwise nullopt (call again at DigestDueAt()).
  std::optional<Alert> TakeDigest(core::Timestamp now);

  // When TakeDigest will next return a digest: nullopt when nothing is held; a time at or before
  // the caller's `now` means "now".
  std::optional<core::Timestamp> DigestDueAt() const;

  // Alerts held for the digest.
  std::uint32_t folded() const { return folded_; }

  // The send times that count now (within the hour before the last Admit or TakeDigest), oldest
  // first; and Restore, for a new RateCap after a restart, from those saved (any order; times an
  // hour old are dropped at the next call).
  std::vector<core::Timestamp> SendTimes() const { return {sent_.begin(), sent_.end()}; }
  void Restore(std::vector<core::Timestamp> times);

 private:
  void Expire(core::Timestamp now);
  bool HasRoom() const;

  std::uint32_t max_per_hour_;
  std::deque<core::Timestamp> sent_;  // send times within the last hour, oldest first
  // The pending digest.
  std::uint32_t folded_ = 0;
  std::string lines_;
  std::size_t line_count_ = 0;
  std::string host_;
  std::uint64_t ids_hash_ = 0;
  core::Timestamp first_{};
  core::Timestamp last_{};
};

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_RATE_CAP_H_
