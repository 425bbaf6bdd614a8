#include "relaywatch/detect/bucket_window.h"

#include <algorithm>

namespace relaywatch::detect {
namespace {

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

std::int64_t SliceIndex(core::Timestamp t, core::Duration window) {
  std::int64_t width = std::max<std::int64_t>(window.count() / kSlices, 1);
  return FloorDiv(t.time_since_epoch().count(), width);
}

namespace {

// Whether `t` falls in slice `index`. A multiply where SliceIndex divides by a width known only
// at run time: most lines fall in the slice of the line before, and Add runs per rule per line.
bool InSlice(core::Timestamp t, std::int64_t index, core::Duration window) {
  const std::int64_t width = std::max<std::int64_t>(window.count() / kSlices, 1);
  std::int64_t start, offset;
  if (__builtin_mul_overflow(index, width, &start)) return false;
  // Checked too: a slice of 1700 and a line of 2026 are further apart than int64 reaches.
  if (__builtin_sub_overflow(t.time_since_epoch().count(), start, &offset)) return false;
  return offset >= 0 && offset < width;
}

}  // namespace

std::uint64_t BucketWindow::Add(core::Timestamp t, std::uint64_t amount, core::Duration window) {
  if (!buckets_.empty() && InSlice(t, buckets_.back().index, window) &&
      buckets_.front().index >= buckets_.back().index - kSlices) {
    // The newest slice again: nothing new fell out of the window.
    buckets_.back().count += amount;
    buckets_.back().first = std::min(buckets_.back().first, t);
    total_ += amount;
    return total_;
  }
  std::int64_t idx = SliceIndex(t, window);
  if (!buckets_.empty() && idx < buckets_.back().index) {
    // Out of order: count it in its own slice if that slice is still in the window.
    std::int64_t oldest = buckets_.back().index - kSlices;
    if (idx >= oldest) {
      auto it = std::lower_bound(buckets_.begin(), buckets_.end(), idx,
                                 [](const Bucket& b, std::int64_t i) { return b.index < i; });
      if (it != buckets_.end() && it->index == idx) {
        it->count += amount;
        it->first = std::min(it->first, t);
      } else {
        buckets_.insert(it, Bucket{idx, amount, t});
      }
      total_ += amount;
    }
    return total_;
  }
  if (!buckets_.empty() && buckets_.back().index == idx) {
    buckets_.back().count += amount;
    buckets_.back().first = std::min(buckets_.back().first, t);
  } else {
    buckets_.push_back(Bucket{idx, amount, t});
  }
  total_ += amount;
  // Slide: drop what fell out of the window that now ends in slice idx.
  std::size_t drop = 0;
  while (drop < buckets_.size() && buckets_[drop].index < idx - kSlices) {
    total_ -= buckets_[drop].count;
    ++drop;
  }
  if (drop > 0) buckets_.erase(buckets_.begin(), buckets_.begin() + static_cast<long>(drop));
  return total_;
}

std::uint64_t BucketWindow::CountAt(core::Timestamp now, core::Duration window) const {
  std::int64_t oldest = SliceIndex(now, window) - kSlices;
  std::uint64_t n = total_;
  for (const Bucket& b : buckets_) {
    if (b.index >= oldest) break;
    n -= b.count;
  }
  return n;
}

core::Timestamp BucketWindow::FirstAt(core::Timestamp now, core::Duration window) const {
  std::int64_t oldest = SliceIndex(now, window) - kSlices;
  for (const Bucket& b : buckets_) {
    if (b.index >= oldest) return b.first;
  }
  return now;
}

std::vector<std::uint32_t> BucketWindow::SliceCounts(core::Timestamp now,
                                                     core::Duration window) const {
  const std::int64_t end = SliceIndex(now, window);
  const std::int64_t oldest = end - kSlices;  // still counted: folded into the first entry
  std::vector<std::uint64_t> sums(kSlices, 0);
  for (const Bucket& b : buckets_) {
    if (b.index < oldest || b.index > end) continue;
    sums[static_cast<std::size_t>(std::max<std::int64_t>(b.index - oldest - 1, 0))] += b.count;
  }
  std::vector<std::uint32_t> out(sums.size());
  for (std::size_t i = 0; i < sums.size(); ++i) {
    out[i] = static_cast<std::uint32_t>(std::min<std::uint64_t>(sums[i], UINT32_MAX));
  }
  return out;
}

bool BucketWindow::Expire(core::Timestamp now, core::Duration window) {
  if (buckets_.empty()) return true;  // a sweep visits every rule of every Key
  std::int64_t oldest = SliceIndex(now, window) - kSlices;
  std::size_t drop = 0;
  while (drop < buckets_.size() && buckets_[drop].index < oldest) {
    total_ -= buckets_[drop].count;
    ++drop;
  }
  if (drop > 0) buckets_.erase(buckets_.begin(), buckets_.begin() + static_cast<long>(drop));
  // The capacity stays (at most kSlices + 1 buckets): the Key is forgotten whole, and its memory
  // freed, once all its windows are empty; until then it is likely to be counted again.
  return buckets_.empty();
}

BucketWindow BucketWindow::FromBuckets(std::vector<Bucket> buckets) {
  BucketWindow w;
  w.buckets_ = std::move(buckets);
  for (const Bucket& b : w.buckets_) w.total_ += b.count;
  return w;
}

}  // namespace relaywatch::detect
