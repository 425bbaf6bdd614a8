// IdlestKeys: which key a full table gives up for a new one: the key used longest ago.
//
// Keys are logins and ip:ADDRESS, and a client chooses them (AUTH=, its address), so a table of
// keys is capped; at the cap a new key takes the place of the idlest one (the oldest newest
// stamp, in event time: a replay evicts the same keys). Finding the idlest of N keys is a walk
// over N; once per eviction, a flood of new keys would cost O(N) per line. Instead one walk keeps
// the idlest N/8 (at least 1, at most 65,536) as candidates, and each eviction takes the next
// candidate that is still as idle as when the walk saw it: one used since then is skipped. The
// walk is then O(1) per eviction on average. A key added after the walk is not a candidate until
// the next walk: it is among the newest, unless a lagging source counted it with an old stamp.
#ifndef RELAYWATCH_DETECT_IDLEST_KEYS_H_
#define RELAYWATCH_DETECT_IDLEST_KEYS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::detect {

class IdlestKeys {
 public:
  struct Candidate {
    std::string key;
    core::Timestamp last{};  // its newest stamp when the walk saw it
  };

  // A walk over a table of `size` keys: Offer each (the views must stay valid until EndWalk),
  // then EndWalk keeps the idlest as the new candidates.
  void BeginWalk(std::size_t size);
  void Offer(std::string_view key, core::Timestamp last) { offered_.emplace_back(last, key); }
  void EndWalk();

  // The idlest candidate not taken yet; nullopt when none is left (walk again). The caller checks
  // that the key is still there with this `last`.
  std::optional<Candidate> Next();
  void Clear() { queue_.clear(); }

 private:
  std::vector<std::pair<core::Timestamp, std::string_view>> offered_;
  std::vector<Candidate> queue_;  // idlest last
  std::size_t keep_ = 1;
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_IDLEST_KEYS_H_
