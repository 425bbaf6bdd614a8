// U64Set: a set of 64-bit values, in one open-addressing array.
//
// `report` keeps one per login for its distinct client IPs (as hashes), and inserts one value per
// authenticated line. std::unordered_set spends a node, a division and a cache miss on each; this
// spends 8 to 16 bytes per value and a multiply, and a probe usually stays in one cache line.
#ifndef RELAYWATCH_CORE_U64_SET_H_
#define RELAYWATCH_CORE_U64_SET_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace relaywatch::core {

class U64Set {
 public:
  // Adds `v`; true when it was not there yet.
  bool insert(std::uint64_t v) {
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
  bool contains(std::uint64_t v) const {
    if (v == 0) return has_zero_;
    if (slots_.empty()) return false;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Home(v, slots_.size());; i = (i + 1) & mask) {
      if (slots_[i] == v) return true;
      if (slots_[i] == 0) return false;
    }
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  // Fibonacci hashing: the top bits of the product, which every bit of `v` reaches, so small
  // integers and values that differ only in their high bits spread as well as hashes do.
  static std::size_t Home(std::uint64_t v, std::size_t size) {
    const int bits = std::countr_zero(size);  // size is a power of two, at least 8
    return static_cast<std::size_t>((v * 0x9E3779B97F4A7C15ull) >> (64 - bits));
  }
  // Puts `v` (not 0) in `slots` (a power of two, never full); false when it was there.
  static bool Place(std::vector<std::uint64_t>& slots, std::uint64_t v) {
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
    std::vector<std::uint64_t> bigger(slots_.empty() ? 8 : slots_.size() * 2, 0);
    for (std::uint64_t v : slots_) {
      if (v != 0) Place(bigger, v);
    }
    slots_.swap(bigger);
  }

  // Load factor at most 3/4: report keeps one set per login for a whole range (20,000 logins with
  // a few hundred addresses each over ten days), and at 1/2 the sets were half of its memory.
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
  bool has_zero_ = false;
};

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_U64_SET_H_
