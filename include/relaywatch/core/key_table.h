// KeyTable: values by string key, each in one allocation with its key's bytes, found through one
// open-addressing array of (hash, pointer).
//
// The window store looks a login up on every counted line, and on a big site's day consecutive
// lines rarely share one. std::unordered_map spends a cache miss on each step of that lookup: the
// bucket, the node before, the node, the key's own heap bytes. Here the probe reads a slot that
// holds the full hash, and the entry it points at holds the key inline, so a lookup touches two
// cache lines. An entry never moves (pointers to it stay valid while it is in the table) and is
// handed back by Take, not freed, so whoever still points at it decides when it goes.
#ifndef RELAYWATCH_CORE_KEY_TABLE_H_
#define RELAYWATCH_CORE_KEY_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

namespace relaywatch::core {

template <typename V>
class KeyTable {
 public:
  class Entry {
   public:
    V value{};
    std::string_view key() const { return {Chars(), size_}; }

   private:
    friend class KeyTable;
    explicit Entry(std::size_t capacity) : capacity_(static_cast<std::uint32_t>(capacity)) {}
    char* Chars() { return reinterpret_cast<char*>(this + 1); }
    const char* Chars() const { return reinterpret_cast<const char*>(this + 1); }
    std::uint64_t hash_ = 0;
    std::uint32_t size_ = 0;
    std::uint32_t capacity_ = 0;  // key bytes allocated after the entry
  };
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

  Entry* Find(std::string_view key) const { return Find(key, Hash(key)); }
  Entry* Find(std::string_view key, std::uint64_t hash) const {
    if (size_ == 0) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.entry == nullptr) return nullptr;
      if (s.hash == hash && s.entry->key() == key) return s.entry;
    }
  }

  // Look-ahead for a Find to come: the first brings the slot `key` hashes to into the cache,
  // the second (once that slot is there) the entry it points at, without reading the entry.
  void PrefetchSlot(std::string_view key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Hash(key) & (slots_.size() - 1)]);
  }
  void PrefetchEntry(std::string_view key) const {
    if (size_ == 0) return;
    const std::uint64_t hash = Hash(key);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask; slots_[i].entry != nullptr; i = (i + 1) & mask) {
      if (slots_[i].hash != hash) continue;
      __builtin_prefetch(slots_[i].entry);  // its header, and the key's first bytes after it
      __builtin_prefetch(reinterpret_cast<const char*>(slots_[i].entry) + 64);
      return;
    }
  }

  // Adds `key` (not in the table): in `reuse` when its key fits (an entry Take handed back, whose
  // value is kept as it is: the caller resets what it must), else in a new allocation with a
  // value-initialised V.
  Entry* Insert(std::string_view key, Owned reuse = nullptr) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    Entry* e = nullptr;
    if (reuse != nullptr && reuse->capacity_ >= key.size()) {
      e = reuse.release();
    } else {
      void* raw = ::operator new(sizeof(Entry) + key.size());
      e = new (raw) Entry(key.size());
    }
    std::memcpy(e->Chars(), key.data(), key.size());
    e->size_ = static_cast<std::uint32_t>(key.size());
    e->hash_ = Hash(key);
    Place(slots_, e);
    ++size_;
    return e;
  }

  // Removes `e` from the table and hands it back (its value as it was).
  Owned Take(Entry* e) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = e->hash_ & mask;
    while (slots_[i].entry != e) i = (i + 1) & mask;
    // Backward shift: entries after the hole that may move into it do, so no probe ever meets a
    // hole before its entry (linear probing needs no tombstones).
    for (std::size_t j = (i + 1) & mask; slots_[j].entry != nullptr; j = (j + 1) & mask) {
      const std::size_t home = slots_[j].hash & mask;
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

  // Calls f(Entry&) for every entry, in no particular order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.entry != nullptr) f(*s.entry);
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
  static void Place(std::vector<Slot>& slots, Entry* e) {
    const std::size_t mask = slots.size() - 1;
    std::size_t i = e->hash_ & mask;
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
