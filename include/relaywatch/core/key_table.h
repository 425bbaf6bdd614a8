// KeyTable: values by string key, each in one allocation with its key's bytes, found through one
// open-addressing array of (hash, pointer).
//
// The window store looks a login up on every counted line, and on a big site's day consecutive
// lines rarely share one. std::unordered_map spends a cache miss on each step of that lookup: the
// bucket, the node before, the node, the key's own heap bytes. Here the probe reads a slot that
// holds the full hash, and the entry it points at holds the key right after its value: the slot's
// line, then the entry's one or two. An entry never moves (pointers to it stay valid while it is
// in the table) and is handed back by Take, not freed, so whoever still points at it decides when
// it goes.
#ifndef RELAYWATCH_CORE_KEY_TABLE_H_
#define RELAYWATCH_CORE_KEY_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/core/fibonacci_slot.h"

namespace relaywatch::core {

template <typename V>
class KeyTable {
 public:
  // Key bytes are allocated in steps of this: an entry handed back takes most new keys.
  static constexpr std::size_t kKeyStep = 32;

  class Entry {
   public:
    V value{};
    std::string_view key() const { return {Chars(), size_}; }
    // The longest key this entry can take when reused (Insert's `reuse`).
    std::size_t capacity() const { return capacity_; }

    // The key's bytes live after the entry: a copy would not have them.
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

   private:
    friend class KeyTable;
    explicit Entry(std::size_t capacity) : capacity_(static_cast<std::uint32_t>(capacity)) {}
    char* Chars() { return reinterpret_cast<char*>(this + 1); }
    const char* Chars() const { return reinterpret_cast<const char*>(this + 1); }
    std::uint64_t hash_ = 0;
    std::uint32_t size_ = 0;
    std::uint32_t capacity_ = 0;  // key bytes allocated after the entry
  };
  static_assert(alignof(Entry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  // Frees an entry Take handed back.
  struct Free {
    void operator()(Entry* e) const {
      e->~Entry();
      ::operator delete(e);
    }
  };
  using Owned = std::unique_ptr<Entry, Free>;

  KeyTable() = default;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  ~KeyTable() { Clear(); }

  static std::uint64_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

  Entry* Find(std::string_view key) { return Find(key, Hash(key)); }
  const Entry* Find(std::string_view key) const { return Find(key, Hash(key)); }
  Entry* Find(std::string_view key, std::uint64_t hash) {
    return const_cast<Entry*>(std::as_const(*this).Find(key, hash));
  }
  const Entry* Find(std::string_view key, std::uint64_t hash) const {
    if (size_ == 0) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Home(hash);; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.entry == nullptr) return nullptr;
      if (s.hash == hash && s.entry->key() == key) return s.entry;
    }
  }

  // Look-ahead for a Find to come: the first brings the slot `key` hashes to into the cache,
  // the second (once that slot is there) the entry it points at, without reading the entry.
  // Both take the key's Hash.
  void PrefetchSlot(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Home(hash)]);
  }
  void PrefetchEntry(std::uint64_t hash) const {
    if (size_ == 0) return;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Home(hash); slots_[i].entry != nullptr; i = (i + 1) & mask) {
      if (slots_[i].hash != hash) continue;
      // Its header, and the line after it, where a key longer than a few bytes goes on (an
      // address, never read through: a prefetch of it cannot fault).
      const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(slots_[i].entry);
      __builtin_prefetch(reinterpret_cast<const void*>(at));
      __builtin_prefetch(reinterpret_cast<const void*>(at + 64));
      return;
    }
  }

  // Adds `key` (not in the table). When `reuse` holds an entry (one Take handed back) whose
  // capacity() takes the key, that entry is used, its value kept as it is (the caller resets what
  // it must), and `reuse` is left empty; otherwise `reuse` is left alone and a new entry with a
  // value-initialised V is made.
  Entry* Insert(std::string_view key, Owned* reuse = nullptr) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    Entry* e = nullptr;
    if (reuse != nullptr && *reuse != nullptr && (*reuse)->capacity_ >= key.size()) {
      e = reuse->release();
    } else {
      const std::size_t capacity = (key.size() + kKeyStep - 1) / kKeyStep * kKeyStep;
      void* raw = ::operator new(sizeof(Entry) + capacity);
      e = new (raw) Entry(capacity);
    }
    if (!key.empty()) std::memcpy(e->Chars(), key.data(), key.size());
    e->size_ = static_cast<std::uint32_t>(key.size());
    e->hash_ = Hash(key);
    Place(slots_, e);
    ++size_;
    return e;
  }

  // Removes `e` (an entry of this table) and hands it back, its value as it was.
  Owned Take(Entry* e) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = Home(e->hash_);
    for (std::size_t probes = 0; slots_[i].entry != e; i = (i + 1) & mask) {
      if (slots_[i].entry == nullptr || ++probes > slots_.size()) {
        throw std::logic_error("KeyTable::Take: the entry is not in this table");
      }
    }
    // Backward shift: entries after the hole that may move into it do, so no probe ever meets a
    // hole before its entry (linear probing needs no tombstones).
    for (std::size_t j = (i + 1) & mask; slots_[j].entry != nullptr; j = (j + 1) & mask) {
      const std::size_t home = Home(slots_[j].hash);
      // Slot j's entry may fill hole i when its home is not in (i, j], cyclically.
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = Slot{};
    --size_;
    return Owned(e);
  }

  std::size_t size() const { return size_; }
  // How many slots a Find of `key` reads (how the tests see that keys spread).
  std::size_t Probes(std::string_view key) const {
    if (slots_.empty()) return 0;
    const std::uint64_t hash = Hash(key);
    const std::size_t mask = slots_.size() - 1;
    std::size_t n = 1;
    for (std::size_t i = Home(hash); slots_[i].entry != nullptr; i = (i + 1) & mask, ++n) {
      if (slots_[i].hash == hash && slots_[i].entry->key() == key) break;
    }
    return n;
  }

  // Calls f(Entry&) for every entry, in no particular order; f must not insert nor take.
  template <typename F>
  void ForEach(F&& f) {
    for (const Slot& s : slots_) {
      if (s.entry != nullptr) f(*s.entry);
    }
  }
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.entry != nullptr) f(static_cast<const Entry&>(*s.entry));
    }
  }

  void Clear() {
    for (Slot& s : slots_) {
      if (s.entry != nullptr) Free{}(s.entry);
    }
    slots_.clear();
    size_ = 0;
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    Entry* entry = nullptr;
  };
  // The slot a hash starts its probe at. Not its low bits: report's shards split the Keys by the
  // same hash modulo their number, so all of a shard's Keys share them.
  std::size_t Home(std::uint64_t hash) const { return Home(hash, slots_.size()); }
  static std::size_t Home(std::uint64_t hash, std::size_t size) {
    return FibonacciSlot(hash, size);
  }
  static void Place(std::vector<Slot>& slots, Entry* e) {
    const std::size_t mask = slots.size() - 1;
    std::size_t i = Home(e->hash_, slots.size());
    while (slots[i].entry != nullptr) i = (i + 1) & mask;
    slots[i] = Slot{e->hash_, e};
  }
  void Grow() {
    std::vector<Slot> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (const Slot& s : slots_) {
      if (s.entry != nullptr) Place(bigger, s.entry);
    }
    slots_.swap(bigger);
  }

  std::vector<Slot> slots_;  // a power of two, at most 3/4 full
  std::size_t size_ = 0;
};

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_KEY_TABLE_H_
