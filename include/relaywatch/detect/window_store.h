// WindowStore: where the per-(rule, Key) sliding windows live.
//
// The one narrow interface between detection and its state. The embedded default keeps everything
// in memory and in the checkpoint (MemoryWindowStore); a site with several submission servers
// would implement it on a shared store (Redis) so that one login has one count across all of
// them. Rules are addressed by their index in the Detector's rule list.
#ifndef RELAYWATCH_DETECT_WINDOW_STORE_H_
#define RELAYWATCH_DETECT_WINDOW_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/detect/distinct_window.h"

namespace relaywatch::detect {

// One key's saved window, as the checkpoint holds it.
struct KeyWindowState {
  std::string key;
  std::vector<Bucket> buckets;          // counting rules
  std::vector<DistinctEntry> distinct;  // remote-ips
  friend bool operator==(const KeyWindowState&, const KeyWindowState&) = default;
};

class WindowStore {
 public:
  virtual ~WindowStore() = default;

  // Counts `amount` for (rule, key) at `t`; returns the count in the window after it.
  virtual std::uint64_t Add(std::size_t rule, std::string_view key, core::Timestamp t,
                            std::uint64_t amount, core::Duration window) = 0;
  // Records `value` (a client IP) for (rule, key) at `t`; the count is of distinct values.
  virtual std::uint64_t AddDistinct(std::size_t rule, std::string_view key,
                                    const DistinctValue& value, core::Timestamp t,
                                    core::Duration window, std::size_t cap) = 0;
  // The oldest stamp counted for (rule, key) in the window, just after an Add or AddDistinct at
  // `t`. Asked only when a count reached its limit (a finding says since when), not per line.
  virtual core::Timestamp FirstAt(std::size_t rule, std::string_view key, core::Timestamp t,
                                  core::Duration window) const = 0;
  // The count for (rule, key) in the window ending at `now`; 0 for an unknown key.
  virtual std::uint64_t Count(std::size_t rule, std::string_view key, core::Timestamp now,
                              core::Duration window) const = 0;
  // How the count for (rule, key) developed over the window just after an Add or AddDistinct at
  // `t`: kSlices entries (bucket_window.h), oldest first, the last being `t`'s slice, summing to
  // the count; empty for an unknown key. Asked only when a finding is made, not per line.
  virtual std::vector<std::uint32_t> SliceCounts(std::size_t rule, std::string_view key,
                                                 core::Timestamp t,
                                                 core::Duration window) const = 0;
  // Forgets windows that are empty at `now`; windows[i] is rule i's window (0: skip rule i).
  virtual void Expire(core::Timestamp now, const std::vector<core::Duration>& windows) = 0;
  // The `n` keys with the highest count for `rule` at `now`, highest first.
  virtual std::vector<std::pair<std::string, std::uint64_t>> TopKeys(std::size_t rule,
                                                                     core::Timestamp now,
                                                                     core::Duration window,
                                                                     std::size_t n) const = 0;
  // A pointer-sized slot the store keeps with a Key it holds, for the Detector's observer to
  // find its own record of the Key without a lookup of its own (report's per-login row: one
  // lookup per line instead of two). nullptr when the Key is not held; the slot starts null and
  // is null again whenever the store drops the Key and holds it anew. Not state: not exported.
  virtual void** AnnexOf(std::string_view key) = 0;
  // The stages of Prefetch, in the order they must run for one Key, each some lines after the
  // one before it: each reads only what the one before brought into the cache.
  enum class PrefetchStage { kIndex, kKey, kRow, kWindows };
  // A hint that a line some lines on will count `key`: brings part of what that count will read
  // into the cache, stage by stage (a big site's day counts a different login on nearly every
  // line, and each of its lookups was a chain of cache misses). Changes nothing; a store that
  // has no use for it ignores it. At kWindows it returns the Key's annex (AnnexOf's slot, as
  // held; nullptr when none), so the observer can bring its own record in too.
  // `hash` is KeyHash(key), computed once for all the stages of a Key.
  virtual const void* Prefetch(std::string_view key, std::uint64_t hash,
                               PrefetchStage stage) const {
    (void)key;
    (void)hash;
    (void)stage;
    return nullptr;
  }
  // The hash a Key is filed under, in the embedded store as in report's shards
  // (Detector::ShardOf): std::hash of its bytes.
  static std::uint64_t KeyHash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  // Keys held, over all rules (for status and the memory bound).
  virtual std::size_t KeyCount() const = 0;

  // Caps the keys each rule holds (keys are client-chosen: a flood of forged logins must not
  // exhaust memory): max_keys[i] for rule i, 0 or absent for no cap. A new key of a full rule
  // evicts that rule's idlest key, the one whose newest stamp is oldest (idlest_keys.h); a rule
  // over its new cap is cut down to it at once.
  virtual void SetMaxKeys(const std::vector<std::size_t>& max_keys) = 0;
  // Keys evicted so far: of `rule`, and over all rules.
  virtual std::uint64_t Evicted(std::size_t rule) const = 0;
  virtual std::uint64_t Evicted() const = 0;
  // The keys `rule` holds now.
  virtual std::size_t RuleKeyCount(std::size_t rule) const = 0;

  // A rule's windows, sorted by key (Detector::Snapshot).
  virtual std::vector<KeyWindowState> Export(std::size_t rule) const = 0;
  // Replaces rule's windows with `keys` and its eviction count with `evicted`; over the rule's
  // cap, the idlest are evicted (and counted).
  virtual void Import(std::size_t rule, std::vector<KeyWindowState> keys,
                      std::uint64_t evicted) = 0;
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_WINDOW_STORE_H_
