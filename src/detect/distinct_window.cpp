#include "relaywatch/detect/distinct_window.h"

#include <algorithm>

#include "relaywatch/core/same_bytes.h"
#include "relaywatch/detect/bucket_window.h"

namespace relaywatch::detect {
namespace {

bool InWindow(core::Timestamp seen, core::Timestamp now, core::Duration window) {
  return now - seen < window;
}

}  // namespace

std::uint64_t DistinctWindow::Add(std::string_view value, core::Timestamp t, core::Duration window,
                                  std::size_t cap) {
  // A session's lines come from one address, most often the one added last.
  auto it = !entries_.empty() && core::SameBytes(entries_.back().value, value)
                ? entries_.end() - 1
                : std::find_if(entries_.begin(), entries_.end(), [&](const DistinctEntry& e) {
                    return core::SameBytes(e.value, value);
                  });
  if (it != entries_.end()) {
    if (!InWindow(it->last, t, window)) it->first = t;
    it->last = std::max(it->last, t);
  } else if (entries_.size() < std::max<std::size_t>(cap, 1)) {
    entries_.push_back(DistinctEntry{std::string(value), t, t});
  } else {
    // Full: replace the value seen longest ago (bounded memory under a flood of addresses).
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const DistinctEntry& a, const DistinctEntry& b) { return a.last < b.last; });
    *oldest = DistinctEntry{std::string(value), t, t};
  }
  return CountAt(t, window);
}

std::uint64_t DistinctWindow::CountAt(core::Timestamp now, core::Duration window) const {
  return static_cast<std::uint64_t>(
      std::count_if(entries_.begin(), entries_.end(),
                    [&](const DistinctEntry& e) { return InWindow(e.last, now, window); }));
}

core::Timestamp DistinctWindow::FirstAt(core::Timestamp now, core::Duration window) const {
  core::Timestamp first = now;
  for (const DistinctEntry& e : entries_) {
    if (InWindow(e.last, now, window)) {
      first = std::min(first, std::max(e.first, now - window));
    }
  }
  return first;
}

std::vector<std::uint32_t> DistinctWindow::SliceCounts(core::Timestamp now,
                                                       core::Duration window) const {
  const std::int64_t first = SliceIndex(now, window) - kSlices + 1;
  std::vector<std::uint32_t> out(kSlices, 0);
  for (const DistinctEntry& e : entries_) {
    if (!InWindow(e.last, now, window)) continue;
    // A value last seen in the slice before the first, or (out of order) after `now`'s, is
    // counted in the nearest entry, so the entries sum to CountAt.
    const std::int64_t i =
        std::clamp<std::int64_t>(SliceIndex(e.last, window) - first, 0, kSlices - 1);
    if (out[static_cast<std::size_t>(i)] < UINT32_MAX) ++out[static_cast<std::size_t>(i)];
  }
  return out;
}

bool DistinctWindow::Expire(core::Timestamp now, core::Duration window) {
  std::erase_if(entries_, [&](const DistinctEntry& e) { return !InWindow(e.last, now, window); });
  return entries_.empty();
}

DistinctWindow DistinctWindow::FromEntries(std::vector<DistinctEntry> entries) {
  DistinctWindow w;
  w.entries_ = std::move(entries);
  return w;
}

}  // namespace relaywatch::detect
