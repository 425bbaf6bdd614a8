#include "relaywatch/detect/memory_window_store.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace relaywatch::detect {

bool MemoryWindowStore::Row::empty() const {
  return std::all_of(by_rule.begin(), by_rule.end(), [](const KeyState& s) { return s.empty(); });
}

MemoryWindowStore::KeyState& MemoryWindowStore::Slot(std::size_t rule, std::string_view key) {
  Row* row = recent_.Get(key);
  if (row == nullptr) {
    auto it = rows_.find(key);
    if (it == rows_.end()) it = rows_.emplace(std::string(key), Row{}).first;
    row = &it->second;  // nodes stay put when the table grows: only an erase moves them
    recent_.Remember(key, row);
  }
  if (row->by_rule.size() <= rule) row->by_rule.resize(rule + 1);
  KeyState& s = row->by_rule[rule];
  if (s.empty()) {
    // A new key for this rule. Evicting erases only other Keys' rows: `row` (which recent_ holds)
    // and `s` stay put.
    MakeRoom(rule, 1);
    ++Keys(rule).live;
  }
  return s;
}

MemoryWindowStore::RuleKeys& MemoryWindowStore::Keys(std::size_t rule) {
  if (keys_.size() <= rule) keys_.resize(rule + 1);
  return keys_[rule];
}

void MemoryWindowStore::MakeRoom(std::size_t rule, std::size_t room_for) {
  RuleKeys& k = Keys(rule);
  while (k.max > 0 && k.live + room_for > k.max && EvictIdlest(rule)) {
  }
}

bool MemoryWindowStore::EvictIdlest(std::size_t rule) {
  RuleKeys& k = keys_[rule];
  for (int walk = 0; walk < 2; ++walk) {
    while (std::optional<IdlestKeys::Candidate> c = k.idlest.Next()) {
      auto it = rows_.find(c->key);
      if (it == rows_.end() || rule >= it->second.by_rule.size()) continue;
      KeyState& s = it->second.by_rule[rule];
      if (s.empty() || s.last != c->last) continue;  // expired, or counted since the walk
      s = KeyState{};
      --k.live;
      ++k.evicted;
      ++evicted_total_;
      if (it->second.empty()) {
        if (recent_.Get(c->key) != nullptr) recent_.Forget();
        rows_.erase(it);
      }
      return true;
    }
    k.idlest.BeginWalk(k.live);
    for (const auto& [key, row] : rows_) {
      if (rule < row.by_rule.size() && !row.by_rule[rule].empty()) {
        k.idlest.Offer(key, row.by_rule[rule].last);
      }
    }
    k.idlest.EndWalk();
  }
  return false;
}

void MemoryWindowStore::CountLive() {
  for (RuleKeys& k : keys_) k.live = 0;
  for (const auto& [key, row] : rows_) {
    for (std::size_t r = 0; r < row.by_rule.size(); ++r) {
      if (!row.by_rule[r].empty()) ++Keys(r).live;
    }
  }
}

void MemoryWindowStore::SetMaxKeys(const std::vector<std::size_t>& max_keys) {
  for (std::size_t r = 0; r < std::max(max_keys.size(), keys_.size()); ++r) {
    Keys(r).max = r < max_keys.size() ? max_keys[r] : 0;
    MakeRoom(r, 0);
  }
}

std::uint64_t MemoryWindowStore::Evicted(std::size_t rule) const {
  return rule < keys_.size() ? keys_[rule].evicted : 0;
}

std::size_t MemoryWindowStore::RuleKeyCount(std::size_t rule) const {
  return rule < keys_.size() ? keys_[rule].live : 0;
}

const MemoryWindowStore::KeyState* MemoryWindowStore::Find(std::size_t rule,
                                                           std::string_view key) const {
  auto it = rows_.find(key);
  if (it == rows_.end() || rule >= it->second.by_rule.size()) return nullptr;
  return &it->second.by_rule[rule];
}

std::uint64_t MemoryWindowStore::Add(std::size_t rule, std::string_view key, core::Timestamp t,
                                     std::uint64_t amount, core::Duration window) {
  KeyState& s = Slot(rule, key);
  s.last = std::max(s.last, t);
  return s.counts.Add(t, amount, window);
}

std::uint64_t MemoryWindowStore::AddDistinct(std::size_t rule, std::string_view key,
                                             std::string_view value, core::Timestamp t,
                                             core::Duration window, std::size_t cap) {
  KeyState& s = Slot(rule, key);
  s.last = std::max(s.last, t);
  return s.distinct.Add(value, t, window, cap);
}

core::Timestamp MemoryWindowStore::FirstAt(std::size_t rule, std::string_view key,
                                           core::Timestamp t, core::Duration window) const {
  const KeyState* s = Find(rule, key);
  if (s == nullptr) return t;
  if (!s->distinct.entries().empty()) return s->distinct.FirstAt(t, window);
  if (s->counts.buckets().empty()) return t;
  // "Now" for a bucket window is the newest stamp it has seen (lines may come out of order).
  const core::Timestamp newest = std::max(t, s->counts.buckets().back().first);
  return s->counts.FirstAt(newest, window);
}

std::vector<std::uint32_t> MemoryWindowStore::SliceCounts(std::size_t rule, std::string_view key,
                                                          core::Timestamp t,
                                                          core::Duration window) const {
  const KeyState* s = Find(rule, key);
  if (s == nullptr) return {};
  if (!s->distinct.entries().empty()) return s->distinct.SliceCounts(t, window);
  if (s->counts.buckets().empty()) return {};
  // As FirstAt: "now" for a bucket window is the newest stamp it has seen.
  return s->counts.SliceCounts(std::max(t, s->counts.buckets().back().first), window);
}

std::uint64_t MemoryWindowStore::Count(std::size_t rule, std::string_view key, core::Timestamp now,
                                       core::Duration window) const {
  const KeyState* s = Find(rule, key);
  if (s == nullptr) return 0;
  return s->counts.CountAt(now, window) + s->distinct.CountAt(now, window);
}

void MemoryWindowStore::Expire(core::Timestamp now, const std::vector<core::Duration>& windows) {
  for (RuleKeys& k : keys_) k.live = 0;  // counted again below, over the keys that stay
  for (auto it = rows_.begin(); it != rows_.end();) {
    std::vector<KeyState>& by_rule = it->second.by_rule;
    bool all_empty = true;
    for (std::size_t r = 0; r < by_rule.size(); ++r) {
      KeyState& s = by_rule[r];
      if (r < windows.size() && windows[r] > core::Duration::zero()) {
        // Both, not &&: each drops what fell out of its window.
        const bool counts_empty = s.counts.Expire(now, windows[r]);
        const bool distinct_empty = s.distinct.Expire(now, windows[r]);
        all_empty = all_empty && counts_empty && distinct_empty;
      } else {
        all_empty = all_empty && s.empty();
      }
      if (!s.empty()) ++Keys(r).live;
    }
    it = all_empty ? rows_.erase(it) : std::next(it);
  }
  recent_.Forget();
}

std::vector<std::pair<std::string, std::uint64_t>> MemoryWindowStore::TopKeys(std::size_t rule,
                                                                              core::Timestamp now,
                                                                              core::Duration window,
                                                                              std::size_t n) const {
  std::vector<std::pair<std::string, std::uint64_t>> top;
  for (const auto& [key, row] : rows_) {
    if (rule >= row.by_rule.size()) continue;
    const KeyState& s = row.by_rule[rule];
    std::uint64_t c = s.counts.CountAt(now, window) + s.distinct.CountAt(now, window);
    if (c > 0) top.emplace_back(key, c);
  }
  auto by_count = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  std::size_t keep = std::min(n, top.size());
  std::partial_sort(top.begin(), top.begin() + static_cast<long>(keep), top.end(), by_count);
  top.resize(keep);
  return top;
}

std::size_t MemoryWindowStore::KeyCount() const {
  // (rule, Key) pairs with a window, as one table per rule would hold them.
  std::size_t n = 0;
  for (const auto& [key, row] : rows_) {
    for (const KeyState& s : row.by_rule) n += s.empty() ? 0 : 1;
  }
  return n;
}

std::vector<KeyWindowState> MemoryWindowStore::Export(std::size_t rule) const {
  std::vector<KeyWindowState> out;
  for (const auto& [key, row] : rows_) {
    if (rule >= row.by_rule.size() || row.by_rule[rule].empty()) continue;
    const KeyState& s = row.by_rule[rule];
    out.push_back(KeyWindowState{key, s.counts.buckets(), s.distinct.entries()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

void MemoryWindowStore::Import(std::size_t rule, std::vector<KeyWindowState> keys,
                               std::uint64_t evicted) {
  for (auto& [key, row] : rows_) {
    if (rule < row.by_rule.size()) row.by_rule[rule] = KeyState{};
  }
  std::erase_if(rows_, [](const auto& kv) { return kv.second.empty(); });
  recent_.Forget();
  // All of them first, then the cap: the idlest go, whatever order the checkpoint had.
  const std::size_t max = std::exchange(Keys(rule).max, 0);
  for (KeyWindowState& k : keys) {
    // The newest stamp the checkpoint keeps: the oldest of the newest slice, or of an address.
    core::Timestamp last{};
    if (!k.buckets.empty()) last = k.buckets.back().first;
    for (const DistinctEntry& e : k.distinct) last = std::max(last, e.last);
    Slot(rule, k.key) = KeyState{BucketWindow::FromBuckets(std::move(k.buckets)),
                                 DistinctWindow::FromEntries(std::move(k.distinct)), last};
  }
  CountLive();  // a key with no bucket and no address holds nothing
  Keys(rule).max = max;
  Keys(rule).idlest.Clear();
  evicted_total_ = evicted_total_ - Keys(rule).evicted + evicted;
  Keys(rule).evicted = evicted;
  MakeRoom(rule, 0);
}

}  // namespace relaywatch::detect
