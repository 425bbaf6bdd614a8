// DistinctWindow: how many distinct values (client IPs) one Key used in a sliding window.
//
// Each value keeps its last stamp; the count is the number seen within the window (exact times,
// no slices). Memory is capped: at `cap` values the oldest is replaced, so a botnet of a million
// addresses costs `cap` entries and the count saturates at `cap` — enough to know the limit was
// reached. Callers pick cap >= the rule's limit.
//
// An IPv4 address in its canonical text (parse::Ipv4Bits), nearly every value, is kept as its 32
// bits, 24 bytes with its stamps instead of 48 with a string: with 100,000 logins from fresh
// addresses these windows were the daemon's largest part. Other values keep their text.
// entries() gives both back as DistinctEntry, the checkpoint's form, in the order they came.
#ifndef RELAYWATCH_DETECT_DISTINCT_WINDOW_H_
#define RELAYWATCH_DETECT_DISTINCT_WINDOW_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::detect {

// A value to count (a client address) with its IPv4 bits, parse::Ipv4Bits(text): worked out
// once per line by the Detector (or by the parser) for every rule and table that keeps
// addresses as bits. Made from text alone, it parses the bits itself.
struct DistinctValue {
  DistinctValue(std::string_view value, std::optional<std::uint32_t> bits)
      : text(value), ipv4(bits) {}
  DistinctValue(std::string_view value);  // NOLINT: text alone, as tests and callers write it
  DistinctValue(const char* value) : DistinctValue(std::string_view(value)) {}         // NOLINT
  DistinctValue(const std::string& value) : DistinctValue(std::string_view(value)) {}  // NOLINT
  std::string_view text;
  std::optional<std::uint32_t> ipv4;
};

struct DistinctEntry {
  std::string value;
  core::Timestamp last{};
  core::Timestamp first{};  // first stamp of this value in the current run of the window
  friend bool operator==(const DistinctEntry&, const DistinctEntry&) = default;
};

class DistinctWindow {
 public:
  // Records `value` at `t`; returns the distinct count in the window ending at `t`.
  std::uint64_t Add(const DistinctValue& value, core::Timestamp t, core::Duration window,
                    std::size_t cap);
  std::uint64_t CountAt(core::Timestamp now, core::Duration window) const;
  core::Timestamp FirstAt(core::Timestamp now, core::Duration window) const;
  // The values counted at `now` by the slice (bucket_window.h) of their last stamp: kSlices
  // entries, oldest first, summing to CountAt.
  std::vector<std::uint32_t> SliceCounts(core::Timestamp now, core::Duration window) const;
  // Drops values not seen within the window ending at `now`; true when none is left.
  bool Expire(core::Timestamp now, core::Duration window);

  bool empty() const { return seen_.empty(); }
  // Brings the first values into the cache (WindowStore::Prefetch): a login's window of an hour
  // seldom holds more than a few.
  void Prefetch() const {
    if (!seen_.empty()) __builtin_prefetch(seen_.data());
  }
  std::size_t size() const { return seen_.size(); }
  // The values with their stamps, in the order they were first added (a replaced value's place
  // is its successor's).
  std::vector<DistinctEntry> entries() const;
  static DistinctWindow FromEntries(std::vector<DistinctEntry> entries);

 private:
  // A value: its IPv4 bits, or (text != kV4) the index of its text in texts_.
  struct Seen {
    std::uint32_t v4 = 0;
    std::uint32_t text = kV4;
    core::Timestamp last{};
    core::Timestamp first{};
  };
  static constexpr std::uint32_t kV4 = UINT32_MAX;

  // The entry holding `value` (`v4`: its IPv4 bits, parse::Ipv4Bits), or end.
  std::vector<Seen>::iterator Find(std::string_view value, std::optional<std::uint32_t> v4);
  Seen Make(std::string_view value, std::optional<std::uint32_t> v4, core::Timestamp t);
  void DropText(std::uint32_t index);

  std::vector<Seen> seen_;
  // The values that are no IPv4 address (IPv6, "unknown"); made for the first one: nearly every
  // address is IPv4, so most windows never need them.
  std::unique_ptr<std::vector<std::string>> texts_;
  std::vector<std::string>& Texts();
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_DISTINCT_WINDOW_H_
