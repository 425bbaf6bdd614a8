// MemoryWindowStore: the embedded WindowStore, in memory, saved in the checkpoint.
//
// Memory grows with active keys and their non-empty slices, not with lines: Expire drops a key
// as soon as its windows are all empty, and a rule holds at most its max_keys keys (SetMaxKeys:
// a new key of a full rule evicts the rule's idlest, whose row goes at once).
//
// Expire costs what it drops, not what the store holds: each rule queues its keys by when they
// are due (Due: their first stamp, then their newest), and a sweep looks only at the front, the
// keys whose newest stamp left the window; a key still counted is trimmed and put back at the
// end. (Sweeping every key of a rule four times a window was a fifth of report's time on a big
// site's day.) A Due points at its row's table entry, which an erase does not free but keeps for
// the next new key (pool_), so an entry outliving its row is recognised by the row's generation
// and skipped; the pool is freed once the queues are compacted. A Key has one
// row holding its window for every rule, so a line that several rules count looks its Key up once,
// not once per rule. Export/Import move a rule's windows to and from the Detector's snapshot
// (detector_state.h).
#ifndef RELAYWATCH_DETECT_MEMORY_WINDOW_STORE_H_
#define RELAYWATCH_DETECT_MEMORY_WINDOW_STORE_H_

#include <cstdint>
#include <deque>
#include <string>
#include <variant>
#include <vector>

#include "relaywatch/core/key_table.h"
#include "relaywatch/core/recent_key.h"
#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/detect/distinct_window.h"
#include "relaywatch/detect/idlest_keys.h"
#include "relaywatch/detect/window_store.h"

namespace relaywatch::detect {

class MemoryWindowStore : public WindowStore {
 public:
  MemoryWindowStore() = default;

  std::uint64_t Add(std::size_t rule, std::string_view key, core::Timestamp t, std::uint64_t amount,
                    core::Duration window) override;
  std::uint64_t AddDistinct(std::size_t rule, std::string_view key, const DistinctValue& value,
                            core::Timestamp t, core::Duration window, std::size_t cap) override;
  core::Timestamp FirstAt(std::size_t rule, std::string_view key, core::Timestamp t,
                          core::Duration window) const override;
  std::vector<std::uint32_t> SliceCounts(std::size_t rule, std::string_view key, core::Timestamp t,
                                         core::Duration window) const override;
  std::uint64_t Count(std::size_t rule, std::string_view key, core::Timestamp now,
                      core::Duration window) const override;
  void Expire(core::Timestamp now, const std::vector<core::Duration>& windows) override;
  std::vector<std::pair<std::string, std::uint64_t>> TopKeys(std::size_t rule, core::Timestamp now,
                                                             core::Duration window,
                                                             std::size_t n) const override;
  void** AnnexOf(std::string_view key) override;
  const void* Prefetch(std::string_view key, std::uint64_t hash,
                       PrefetchStage stage) const override;
  std::size_t KeyCount() const override;
  void SetMaxKeys(const std::vector<std::size_t>& max_keys) override;
  std::uint64_t Evicted(std::size_t rule) const override;
  std::uint64_t Evicted() const override { return evicted_total_; }
  std::size_t RuleKeyCount(std::size_t rule) const override;

  std::vector<KeyWindowState> Export(std::size_t rule) const override;
  // One Key's windows of `rule`, as held now (nullptr: not held): what a fleet node sends.
  const BucketWindow* CountsOf(std::size_t rule, std::string_view key) const;
  const DistinctWindow* DistinctOf(std::size_t rule, std::string_view key) const;
  void Import(std::size_t rule, std::vector<KeyWindowState> keys, std::uint64_t evicted) override;

 private:
  struct KeyState {
    // A rule counts amounts (BucketWindow) or, remote-ips, distinct values (DistinctWindow),
    // never both: one of the two, 56 bytes a state instead of 80 (every login has one per rule).
    std::variant<BucketWindow, DistinctWindow> window;
    core::Timestamp last{};  // the newest stamp counted: how idle the Key is, for eviction
    bool queued = false;     // one valid Due entry in its rule's queue
    std::uint32_t seq = 0;   // that entry's number (older entries of the state are stale)
    // The window of the kind asked for; an empty state takes that kind.
    BucketWindow& counts() {
      if (!std::holds_alternative<BucketWindow>(window)) window.emplace<BucketWindow>();
      return std::get<BucketWindow>(window);
    }
    DistinctWindow& distinct() {
      if (!std::holds_alternative<DistinctWindow>(window)) window.emplace<DistinctWindow>();
      return std::get<DistinctWindow>(window);
    }
    const BucketWindow* counts_if() const { return std::get_if<BucketWindow>(&window); }
    const DistinctWindow* distinct_if() const { return std::get_if<DistinctWindow>(&window); }
    std::uint64_t CountAt(core::Timestamp now, core::Duration w) const {
      return std::visit([&](const auto& x) { return x.CountAt(now, w); }, window);
    }
    bool empty() const {
      const BucketWindow* c = counts_if();
      return c != nullptr ? c->buckets().empty() : distinct_if()->empty();
    }
    void Clear() {
      window = BucketWindow();
      last = {};
    }
  };
  // A Key's windows, by rule index, up to the highest rule that has counted the Key: a login
  // counted only by the volume rules holds two windows, whatever the number of rules.
  struct Row {
    std::vector<KeyState> by_rule;
    std::uint32_t gen = 0;  // changes when the row is erased: its old Due entries are stale
    void* annex = nullptr;  // AnnexOf
    bool empty() const;
  };
  using Table = core::KeyTable<Row>;
  using Entry = Table::Entry;
  struct Due {
    Entry* row;  // an entry of rows_ or of pool_: never freed while a queue holds it
    std::uint32_t gen;
    std::uint32_t seq;
    core::Timestamp at;  // due once `at` is out of the rule's window
  };

  // Per rule: how many keys it holds and may hold, what it evicted, its eviction candidates,
  // its sweep queue.
  struct RuleKeys {
    std::size_t live = 0;
    std::size_t max = 0;  // 0: no cap
    std::uint64_t evicted = 0;
    IdlestKeys idlest;
    std::deque<Due> due;     // by `at`, nearly: a key put back goes to the end
    std::size_t queued = 0;  // the valid entries in `due`
  };

  KeyState& Slot(std::size_t rule, std::string_view key, core::Timestamp t);
  // The Key's row, the one looked up last first (recent_); nullptr when it has none.
  Entry* Lookup(std::string_view key);
  const KeyState* Find(std::size_t rule, std::string_view key) const;
  RuleKeys& Keys(std::size_t rule);
  // Evicts rule's idlest keys until it holds fewer than `room_for` below its cap.
  void MakeRoom(std::size_t rule, std::size_t room_for);
  bool EvictIdlest(std::size_t rule);
  void CountLive();
  Entry* NewRow(std::string_view key);
  // Removes the row from the table (its entry kept in pool_, its generation moved on).
  void EraseRow(Entry* row);
  void Queue(std::size_t rule, Entry* row, core::Timestamp at);
  void Unqueue(std::size_t rule, KeyState& s);
  bool Valid(const Due& d, std::size_t rule) const;
  void ExpireRule(std::size_t rule, core::Timestamp now, core::Duration window);
  // Brings in what the sweep of `rule` will read for the entries some places behind due's front.
  static void PrefetchDue(const std::deque<Due>& due, std::size_t rule);
  // Drops the stale entries of the queues and frees pool_ when they outgrow what is live.
  void CompactIfStale();
  Table rows_;
  std::vector<RuleKeys> keys_;
  std::uint64_t evicted_total_ = 0;
  // The row looked up last (a line's rules, and a session's lines, name one Key); every erase
  // forgets it.
  core::RecentKey<Entry> recent_;
  std::vector<Table::Owned> pool_;  // erased rows' entries, reused for new keys
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_MEMORY_WINDOW_STORE_H_
