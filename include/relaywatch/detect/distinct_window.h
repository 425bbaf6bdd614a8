// DistinctWindow: how many distinct values (client IPs) one Key used in a sliding window.
//
// Each value keeps its last stamp; the count is the number seen within the window (exact times,
// no slices). Memory is capped: at `cap` values the oldest is replaced, so a botnet of a million
// addresses costs `cap` entries and the count saturates at `cap` — enough to know the limit was
// reached. Callers pick cap >= the rule's limit.
#ifndef RELAYWATCH_DETECT_DISTINCT_WINDOW_H_
#define RELAYWATCH_DETECT_DISTINCT_WINDOW_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::detect {

struct DistinctEntry {
  std::string value;
  core::Timestamp last{};
  core::Timestamp first{};  // first stamp of this value in the current run of the window
  friend bool operator==(const DistinctEntry&, const DistinctEntry&) = default;
};

class DistinctWindow {
 public:
  // Records `value` at `t`; returns the distinct count in the window ending at `t`.
  std::uint64_t Add(std::string_view value, core::Timestamp t, core::Duration window,
                    std::size_t cap);
  std::uint64_t CountAt(core::Timestamp now, core::Duration window) const;
  core::Timestamp FirstAt(core::Timestamp now, core::Duration window) const;
  // The values counted at `now` by the slice (bucket_window.h) of their last stamp: kSlices
  // entries, oldest first, summing to CountAt.
  std::vector<std::uint32_t> SliceCounts(core::Timestamp now, core::Duration window) const;
  // Drops values not seen within the window ending at `now`; true when none is left.
  bool Expire(core::Timestamp now, core::Duration window);

  const std::vector<DistinctEntry>& entries() const { return entries_; }
  static DistinctWindow FromEntries(std::vector<DistinctEntry> entries);

 private:
  std::vector<DistinctEntry> entries_;
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_DISTINCT_WINDOW_H_
