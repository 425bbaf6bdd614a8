// U64Set, U32Set: a set of 64-bit (32-bit) values, in one open-addressing array.
//
// `report` keeps them per login for its distinct client IPs (an IPv4 address as itself in a
// U32Set, any other as a 64-bit hash), and inserts one value per authenticated line.
// std::unordered_set spends a node, a division and a cache miss on each; this spends 1.3 to 2.7
// times the value's size per value and a multiply, and a probe usually stays in one cache line.
#ifndef RELAYWATCH_CORE_U64_SET_H_
#define RELAYWATCH_CORE_U64_SET_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "relaywatch/core/fibonacci_slot.h"

namespace relaywatch::core {

template <typename UInt>
class FlatSet {
 public:
  // Adds `v`; true when it was not there yet.
  bool insert(UInt v) {
    if (v == 0) {  // 0 marks an empty slot, so it is kept aside
      if (has_zero_) return false;
      has_zero_ = true;
      ++size_;
      return true;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    if (!Place(slots_, v)) return false;
    ++size_;
    return true;
  }
  bool contains(UInt v) const {
    if (v == 0) return has_zero_;
    if (slots_.empty()) return false;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Home(v, slots_.size());; i = (i + 1) & mask) {
      if (slots_[i] == v) return true;
      if (slots_[i] == 0) return false;
    }
  }
  std::size_t size() const { return size_; }
  // Brings the array into the cache for an insert to come, when it is small enough that the
  // insert's slot is likely in it (a login's addresses of a day: a few cache lines); a big set's
  // slot is anywhere, and a prefetch of all of it would cost more than the miss.
  void Prefetch() const {
    if (slots_.size() * sizeof(UInt) > kPrefetchBytes) return;
    for (std::size_t i = 0; i < slots_.size(); i += 64 / sizeof(UInt))
      __builtin_prefetch(&slots_[i]);
  }
  static constexpr std::size_t kPrefetchBytes = 256;
  bool empty() const { return size_ == 0; }

 private:
  // Small integers and values that differ only in their high bits spread as hashes do.
  static std::size_t Home(UInt v, std::size_t size) { return FibonacciSlot(v, size); }
  // Puts `v` (not 0) in `slots` (a power of two, never full); false when it was there.
  static bool Place(std::vector<UInt>& slots, UInt v) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = Home(v, slots.size());; i = (i + 1) & mask) {
      if (slots[i] == v) return false;
      if (slots[i] == 0) {
        slots[i] = v;
        return true;
      }
    }
  }
  void Grow() {
    std::vector<UInt> bigger(slots_.empty() ? 8 : slots_.size() * 2, 0);
    for (UInt v : slots_) {
      if (v != 0) Place(bigger, v);
    }
    slots_.swap(bigger);
  }

  // Load factor at most 3/4: report keeps one set per login for a whole range (20,000 logins with
  // a few hundred addresses each over ten days), and at 1/2 the sets were half of its memory.
  std::vector<UInt> slots_;
  std::size_t size_ = 0;
  bool has_zero_ = false;
};

using U64Set = FlatSet<std::uint64_t>;
using U32Set = FlatSet<std::uint32_t>;

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_U64_SET_H_
