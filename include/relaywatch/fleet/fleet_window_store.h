// FleetWindowStore: a node's windows, plus what the other nodes of the fleet counted.
//
// A WindowStore (detect/window_store.h) around the node's own MemoryWindowStore. Every count it
// returns is the fleet's: this node's own count, exact and at once, plus the other nodes' counts
// of the same Key as Redis last reported them (per slice, so they slide out of the window like
// the node's own). Remote-ips counts the union: the larger of the node's distinct count and the
// fleet's last reported one.
//
// What goes to Redis and back passes through here as plain values, with no I/O: TakeDirty gives
// the windows of the Keys counted since the last call (TakeAll: every Key held, after a
// reconnect, when Redis may have lost what it had), the link sends them, and Apply takes each
// answer. The node's own counts are absolute (the whole window of the Key, not what changed), so
// sending them twice is harmless (fleet_keys.h). Only the node's own windows go to the
// checkpoint (Export/Import): the others' come back from Redis after a restart.
#ifndef RELAYWATCH_FLEET_FLEET_WINDOW_STORE_H_
#define RELAYWATCH_FLEET_FLEET_WINDOW_STORE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "relaywatch/core/string_map.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/detect/window_store.h"

namespace relaywatch::fleet {

// A rule as the store and the link know it.
struct FleetRule {
  std::string id;  // fleet_keys.h RuleId
  core::Duration window{};
  bool distinct = false;  // remote-ips
};

// One Key's window of one rule, as this node counts it: its slices (index, count), all of them.
struct CountPush {
  std::size_t rule = 0;
  std::string key;
  std::int64_t oldest = 0;  // the oldest slice the window counts now: older ones are dropped
  std::vector<std::pair<std::int64_t, std::uint64_t>> slices;
};

// The addresses a remote-ips Key was seen from since the last push, with their newest slice.
struct DistinctPush {
  std::size_t rule = 0;
  std::string key;
  std::int64_t oldest = 0;
  std::vector<std::pair<std::string, std::int64_t>> values;
};

struct Batch {
  std::vector<CountPush> counts;
  std::vector<DistinctPush> distinct;
  bool empty() const { return counts.empty() && distinct.empty(); }
};

// Batches waiting to be sent, merged into one: a Key's later window replaces its earlier one (both
// are absolute), a remote-ips Key's addresses add up. When Redis is slower than the batches come,
// they wait here as one batch no larger than the Keys counted meanwhile, instead of a queue
// that grows with time; and the Keys counted again meanwhile go once.
class PendingBatch {
 public:
  void Add(Batch batch);
  Batch Take();
  bool empty() const { return batch_.empty(); }
  std::size_t size() const { return batch_.counts.size() + batch_.distinct.size(); }

 private:
  static std::string IndexKey(std::size_t rule, const std::string& key);
  Batch batch_;
  core::StringMap<std::size_t> counts_at_, distinct_at_;  // (rule, Key) -> index in batch_
};

// Redis's answer for a CountPush: the other nodes' counts by slice (one entry per node and
// slice, in any order) and the fleet's total in the window.
struct CountReply {
  std::size_t rule = 0;
  std::string key;
  std::vector<std::pair<std::int64_t, std::uint64_t>> others;
  std::uint64_t total = 0;
};

struct DistinctReply {
  std::size_t rule = 0;
  std::string key;
  std::uint64_t count = 0;  // distinct addresses fleet-wide in the window
};

class FleetWindowStore : public detect::WindowStore {
 public:
  explicit FleetWindowStore(std::vector<FleetRule> rules);

  std::uint64_t Add(std::size_t rule, std::string_view key, core::Timestamp t, std::uint64_t amount,
                    core::Duration window) override;
  std::uint64_t AddDistinct(std::size_t rule, std::string_view key,
                            const detect::DistinctValue& value, core::Timestamp t,
                            core::Duration window, std::size_t cap) override;
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
  void** AnnexOf(std::string_view key) override { return own_.AnnexOf(key); }
  std::size_t KeyCount() const override { return own_.KeyCount(); }
  void SetMaxKeys(const std::vector<std::size_t>& max_keys) override { own_.SetMaxKeys(max_keys); }
  std::uint64_t Evicted(std::size_t rule) const override { return own_.Evicted(rule); }
  std::uint64_t Evicted() const override { return own_.Evicted(); }
  std::size_t RuleKeyCount(std::size_t rule) const override { return own_.RuleKeyCount(rule); }
  std::vector<detect::KeyWindowState> Export(std::size_t rule) const override {
    return own_.Export(rule);
  }
  void Import(std::size_t rule, std::vector<detect::KeyWindowState> keys,
              std::uint64_t evicted) override;

  // The windows of the Keys counted since the last call; `now` says which slices are still in.
  Batch TakeDirty(core::Timestamp now);
  // Every window held, for a Redis that may have lost its copy.
  Batch TakeAll(core::Timestamp now);
  // Takes an answer; true when the others' count of the Key changed (its limit may now be met).
  bool Apply(const CountReply& reply);
  bool Apply(const DistinctReply& reply);

  const std::vector<FleetRule>& rules() const { return rules_; }
  // This node's own count, without the others'.
  std::uint64_t OwnCount(std::size_t rule, std::string_view key, core::Timestamp now) const;
  // Keys with something of the other nodes' (memory bound, status).
  std::size_t RemoteKeys() const;

 private:
  struct Remote {
    std::vector<std::pair<std::int64_t, std::uint64_t>> others;  // by slice, ascending, summed
    std::uint64_t fleet_distinct = 0;
    std::vector<std::pair<std::string, std::int64_t>> fresh;  // addresses not yet pushed
    bool dirty = false;
  };
  Remote& Mark(std::size_t rule, std::string_view key);
  const Remote* Find(std::size_t rule, std::string_view key) const;
  std::uint64_t OthersIn(const Remote& r, core::Timestamp t, core::Duration window) const;
  CountPush PushCounts(std::size_t rule, std::string_view key, core::Timestamp now) const;

  std::vector<FleetRule> rules_;
  detect::MemoryWindowStore own_;
  std::vector<core::StringMap<Remote>> remote_;  // by rule
  std::vector<std::vector<std::string>> dirty_;  // by rule: Keys marked since the last take
};

}  // namespace relaywatch::fleet

#endif  // RELAYWATCH_FLEET_FLEET_WINDOW_STORE_H_
