// BucketWindow: one Key's count in a sliding window, in bounded memory.
//
// The window of length W is cut into kSlices slices of W/kSlices, aligned to the Unix epoch, and
// only non-empty slices are stored (a login that sent 3 messages costs 3 slices, not 60). A line is
// counted from its stamp until at least W and at most W + W/kSlices later: the count never misses
// a line younger than W and over-counts by at most the lines of one slice (1 minute of a 1h
// window). When the window covers the whole range of a log, counts are exact.
// "Now" for a Key is the newest stamp it has seen, so lines that arrive slightly out of order
// (two services merged) are still counted in their own slice.
#ifndef RELAYWATCH_DETECT_BUCKET_WINDOW_H_
#define RELAYWATCH_DETECT_BUCKET_WINDOW_H_

#include <cstdint>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::detect {

inline constexpr std::int64_t kSlices = 60;

struct Bucket {
  std::int64_t index = 0;  // stamp / slice width
  std::uint64_t count = 0;
  core::Timestamp first{};  // oldest stamp counted in this slice
  friend bool operator==(const Bucket&, const Bucket&) = default;
};

class BucketWindow {
 public:
  // Adds `amount` at `t` and returns the count in the window ending at the newest stamp seen.
  std::uint64_t Add(core::Timestamp t, std::uint64_t amount, core::Duration window);
  // The count in the window ending at `now` (slices that fell out are not removed: const).
  std::uint64_t CountAt(core::Timestamp now, core::Duration window) const;
  // The oldest stamp counted in the window ending at `now`.
  core::Timestamp FirstAt(core::Timestamp now, core::Duration window) const;
  // The count of each of the kSlices slices ending in `now`'s, oldest first; the oldest entry
  // also holds the one older slice the window still counts, so the entries sum to CountAt.
  // Each saturates at UINT32_MAX. Asked only when a finding is made, not per line.
  std::vector<std::uint32_t> SliceCounts(core::Timestamp now, core::Duration window) const;
  // Drops slices that fell out of the window ending at `now`; true when nothing is left.
  bool Expire(core::Timestamp now, core::Duration window);

  const std::vector<Bucket>& buckets() const { return buckets_; }
  // Brings what Add reads first into the cache (WindowStore::Prefetch): the oldest and the newest
  // slice.
  void Prefetch() const {
    if (buckets_.empty()) return;
    __builtin_prefetch(&buckets_.front());
    __builtin_prefetch(&buckets_.back());
  }
  // Rebuilds from a checkpoint; `buckets` sorted by index.
  static BucketWindow FromBuckets(std::vector<Bucket> buckets);

 private:
  std::vector<Bucket> buckets_;  // ascending index
  std::uint64_t total_ = 0;      // sum of buckets_[].count
};

// The slice index of `t` for a window of `window`.
std::int64_t SliceIndex(core::Timestamp t, core::Duration window);

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_BUCKET_WINDOW_H_
