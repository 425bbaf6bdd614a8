#include "relaywatch/detect/memory_window_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "relaywatch/core/prefetch.h"

namespace relaywatch::detect {

bool MemoryWindowStore::Row::empty() const {
  return std::all_of(by_rule.begin(), by_rule.end(), [](const KeyState& s) { return s.empty(); });
}

MemoryWindowStore::KeyState& MemoryWindowStore::Slot(std::size_t rule, std::string_view key,
                                                     core::Timestamp t) {
  Entry* entry = Lookup(key);
  if (entry == nullptr) {
    entry = NewRow(key);  // entries stay put when the table grows
    recent_.Remember(key, entry);
  }
  Row& row = entry->value;
  if (row.by_rule.size() <= rule) row.by_rule.resize(rule + 1);
  if (row.by_rule[rule].empty()) {
    // A new key for this rule. Evicting erases only other Keys' rows (those whose window for
    // this rule holds something): `row` (which recent_ holds) stays put.
    MakeRoom(rule, 1);
    ++Keys(rule).live;
    if (!row.by_rule[rule].queued) Queue(rule, entry, t);
  }
  return row.by_rule[rule];
}

MemoryWindowStore::Entry* MemoryWindowStore::Lookup(std::string_view key) {
  if (Entry* recent = recent_.Get(key)) return recent;
  Entry* entry = rows_.Find(key);
  if (entry != nullptr) recent_.Remember(key, entry);
  return entry;
}

void** MemoryWindowStore::AnnexOf(std::string_view key) {
  Entry* entry = Lookup(key);  // the row the line's Add just used, as a rule
  return entry != nullptr ? &entry->value.annex : nullptr;
}

MemoryWindowStore::Entry* MemoryWindowStore::NewRow(std::string_view key) {
  if (pool_.empty()) return rows_.Insert(key);
  // A reused entry keeps its Row: its generation, moved on by EraseRow, must not restart. One
  // too small for the key stays in the pool (a stale Due may still point at it) and gets a new
  // entry: the pool is freed only once the queues are compacted.
  Entry* row = rows_.Insert(key, &pool_.back());
  if (pool_.back() == nullptr) pool_.pop_back();
  return row;
}

void MemoryWindowStore::EraseRow(Entry* row) {
  recent_.Forget();
  for (std::size_t r = 0; r < row->value.by_rule.size(); ++r) {
    Unqueue(r, row->value.by_rule[r]);
  }
  Table::Owned taken = rows_.Take(row);
  ++taken->value.gen;
  taken->value.by_rule.clear();
  taken->value.annex = nullptr;
  pool_.push_back(std::move(taken));
}

void MemoryWindowStore::Queue(std::size_t rule, Entry* row, core::Timestamp at) {
  KeyState& s = row->value.by_rule[rule];
  s.queued = true;
  ++s.seq;
  RuleKeys& k = Keys(rule);
  k.due.push_back(Due{row, row->value.gen, s.seq, at});
  ++k.queued;
}

void MemoryWindowStore::Unqueue(std::size_t rule, KeyState& s) {
  if (!s.queued) return;
  s.queued = false;  // its entry is stale from now on
  --keys_[rule].queued;
}

bool MemoryWindowStore::Valid(const Due& d, std::size_t rule) const {
  const Row& row = d.row->value;
  return row.gen == d.gen && rule < row.by_rule.size() && row.by_rule[rule].queued &&
         row.by_rule[rule].seq == d.seq;
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
      Entry* e = rows_.Find(c->key);
      if (e == nullptr || rule >= e->value.by_rule.size()) continue;
      KeyState& s = e->value.by_rule[rule];
      if (s.empty() || s.last != c->last) continue;  // expired, or counted since the walk
      s.Clear();
      Unqueue(rule, s);
      --k.live;
      ++k.evicted;
      ++evicted_total_;
      if (e->value.empty()) EraseRow(e);
      CompactIfStale();
      return true;
    }
    k.idlest.BeginWalk(k.live);
    rows_.ForEach([&](const Entry& e) {
      const Row& row = e.value;
      if (rule < row.by_rule.size() && !row.by_rule[rule].empty()) {
        k.idlest.Offer(e.key(), row.by_rule[rule].last);
      }
    });
    k.idlest.EndWalk();
  }
  return false;
}

void MemoryWindowStore::CountLive() {
  for (RuleKeys& k : keys_) k.live = 0;
  rows_.ForEach([&](const Entry& e) {
    for (std::size_t r = 0; r < e.value.by_rule.size(); ++r) {
      if (!e.value.by_rule[r].empty()) ++Keys(r).live;
    }
  });
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
  const Entry* e = rows_.Find(key);
  if (e == nullptr || rule >= e->value.by_rule.size()) return nullptr;
  return &e->value.by_rule[rule];
}

std::uint64_t MemoryWindowStore::Add(std::size_t rule, std::string_view key, core::Timestamp t,
                                     std::uint64_t amount, core::Duration window) {
  KeyState& s = Slot(rule, key, t);
  s.last = std::max(s.last, t);
  return s.counts().Add(t, amount, window);
}

std::uint64_t MemoryWindowStore::AddDistinct(std::size_t rule, std::string_view key,
                                             const DistinctValue& value, core::Timestamp t,
                                             core::Duration window, std::size_t cap) {
  KeyState& s = Slot(rule, key, t);
  s.last = std::max(s.last, t);
  return s.distinct().Add(value, t, window, cap);
}

core::Timestamp MemoryWindowStore::FirstAt(std::size_t rule, std::string_view key,
                                           core::Timestamp t, core::Duration window) const {
  const KeyState* s = Find(rule, key);
  if (s == nullptr) return t;
  if (const DistinctWindow* d = s->distinct_if()) return d->empty() ? t : d->FirstAt(t, window);
  const BucketWindow& c = *s->counts_if();
  if (c.buckets().empty()) return t;
  // "Now" for a bucket window is the newest stamp it has seen (lines may come out of order).
  const core::Timestamp newest = std::max(t, c.buckets().back().first);
  return c.FirstAt(newest, window);
}

std::vector<std::uint32_t> MemoryWindowStore::SliceCounts(std::size_t rule, std::string_view key,
                                                          core::Timestamp t,
                                                          core::Duration window) const {
  const KeyState* s = Find(rule, key);
  if (s == nullptr) return {};
  if (const DistinctWindow* d = s->distinct_if()) {
    return d->empty() ? std::vector<std::uint32_t>() : d->SliceCounts(t, window);
  }
  const BucketWindow& c = *s->counts_if();
  if (c.buckets().empty()) return {};
  // As FirstAt: "now" for a bucket window is the newest stamp it has seen.
  return c.SliceCounts(std::max(t, c.buckets().back().first), window);
}

std::uint64_t MemoryWindowStore::Count(std::size_t rule, std::string_view key, core::Timestamp now,
                                       core::Duration window) const {
  const KeyState* s = Find(rule, key);
  if (s == nullptr) return 0;
  return s->CountAt(now, window);
}

void MemoryWindowStore::Expire(core::Timestamp now, const std::vector<core::Duration>& windows) {
  for (std::size_t r = 0; r < windows.size() && r < keys_.size(); ++r) {
    if (windows[r] > core::Duration::zero()) ExpireRule(r, now, windows[r]);
  }
  CompactIfStale();
}

void MemoryWindowStore::PrefetchDue(const std::deque<Due>& due, std::size_t rule) {
  // A sweep visits keys that lie at random in memory, each a chain of three reads: its table
  // entry, its rule's state (through the entry's row), the window (through the state). Those of
  // the entries some places ahead are asked for now, each stage nearer the front than the one
  // it reads through. A queued entry is never freed (EraseRow keeps it in pool_), so reading a
  // stale one is safe; it is only a wasted prefetch.
  constexpr std::size_t kEntryAhead = 12, kStateAhead = 6, kWindowAhead = 2;
  if (due.size() > kEntryAhead) __builtin_prefetch(due[kEntryAhead].row);
  if (due.size() > kStateAhead) {
    const std::vector<KeyState>& states = due[kStateAhead].row->value.by_rule;
    if (rule < states.size()) __builtin_prefetch(&states[rule]);
  }
  if (due.size() > kWindowAhead) {
    const std::vector<KeyState>& states = due[kWindowAhead].row->value.by_rule;
    if (rule < states.size()) std::visit([](const auto& w) { w.Prefetch(); }, states[rule].window);
  }
}

void MemoryWindowStore::ExpireRule(std::size_t rule, core::Timestamp now, core::Duration window) {
  RuleKeys& k = keys_[rule];
  const core::Timestamp cutoff = now - window;
  while (!k.due.empty() && k.due.front().at < cutoff) {
    PrefetchDue(k.due, rule);
    Due d = k.due.front();
    k.due.pop_front();
    if (!Valid(d, rule)) continue;
    KeyState& s = d.row->value.by_rule[rule];
    const bool was_empty = s.empty();
    const bool now_empty = std::visit([&](auto& w) { return w.Expire(now, window); }, s.window);
    if (!now_empty) {
      d.at = std::max(s.last, cutoff);  // counted since: due when its newest stamp is
      k.due.push_back(d);
      continue;
    }
    if (!was_empty) --k.live;
    s.Clear();
    Unqueue(rule, s);
    if (d.row->value.empty()) EraseRow(d.row);
  }
}

void MemoryWindowStore::CompactIfStale() {
  std::size_t entries = 0, valid = 0;
  for (const RuleKeys& k : keys_) {
    entries += k.due.size();
    valid += k.queued;
  }
  if (entries <= 2 * valid + 4096 && pool_.size() <= rows_.size() + 4096) return;
  for (std::size_t r = 0; r < keys_.size(); ++r) {
    std::erase_if(keys_[r].due, [&](const Due& d) { return !Valid(d, r); });
  }
  // No entry points into the pool now: its entries may go.
  pool_.clear();
}

std::vector<std::pair<std::string, std::uint64_t>> MemoryWindowStore::TopKeys(std::size_t rule,
                                                                              core::Timestamp now,
                                                                              core::Duration window,
                                                                              std::size_t n) const {
  std::vector<std::pair<std::string, std::uint64_t>> top;
  rows_.ForEach([&](const Entry& e) {
    if (rule >= e.value.by_rule.size()) return;
    std::uint64_t c = e.value.by_rule[rule].CountAt(now, window);
    if (c > 0) top.emplace_back(e.key(), c);
  });
  auto by_count = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  std::size_t keep = std::min(n, top.size());
  std::partial_sort(top.begin(), top.begin() + static_cast<long>(keep), top.end(), by_count);
  top.resize(keep);
  return top;
}

const void* MemoryWindowStore::Prefetch(std::string_view key, std::uint64_t hash,
                                        PrefetchStage stage) const {
  // KeyTable files a key under std::hash, as KeyHash does (memory_window_store_test checks it).
  if (stage == PrefetchStage::kIndex) {
    rows_.PrefetchSlot(hash);
    return nullptr;
  }
  if (stage == PrefetchStage::kKey) {
    rows_.PrefetchEntry(hash);
    return nullptr;
  }
  const Entry* e = rows_.Find(key, hash);
  if (e == nullptr) return nullptr;
  const Row& row = e->value;
  if (stage == PrefetchStage::kRow) {
    core::PrefetchBytes(row.by_rule.data(), row.by_rule.size() * sizeof(KeyState));
    if (row.annex != nullptr) __builtin_prefetch(row.annex);  // the observer's record
    return nullptr;
  }
  for (const KeyState& s : row.by_rule) {
    if (const BucketWindow* c = s.counts_if()) {
      c->Prefetch();
    } else {
      s.distinct_if()->Prefetch();
    }
  }
  return row.annex;
}

std::size_t MemoryWindowStore::KeyCount() const {
  // (rule, Key) pairs with a window, as one table per rule would hold them.
  std::size_t n = 0;
  rows_.ForEach([&](const Entry& e) {
    for (const KeyState& s : e.value.by_rule) n += s.empty() ? 0 : 1;
  });
  return n;
}

std::vector<KeyWindowState> MemoryWindowStore::Export(std::size_t rule) const {
  std::vector<KeyWindowState> out;
  rows_.ForEach([&](const Entry& e) {
    if (rule >= e.value.by_rule.size() || e.value.by_rule[rule].empty()) return;
    const KeyState& s = e.value.by_rule[rule];
    KeyWindowState k{std::string(e.key()), {}, {}};
    if (const BucketWindow* c = s.counts_if()) k.buckets = c->buckets();
    if (const DistinctWindow* d = s.distinct_if()) k.distinct = d->entries();
    out.push_back(std::move(k));
  });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

void MemoryWindowStore::Import(std::size_t rule, std::vector<KeyWindowState> keys,
                               std::uint64_t evicted) {
  std::vector<Entry*> emptied;
  rows_.ForEach([&](Entry& e) {
    if (rule >= e.value.by_rule.size()) return;
    KeyState& s = e.value.by_rule[rule];
    s.Clear();
    Unqueue(rule, s);
    if (e.value.empty()) emptied.push_back(&e);
  });
  for (Entry* row : emptied) EraseRow(row);
  Keys(rule).due.clear();
  recent_.Forget();
  // All of them first, then the cap: the idlest go, whatever order the checkpoint had. Queued
  // by their newest stamp, oldest first, as their lines would have queued them.
  const std::size_t max = std::exchange(Keys(rule).max, 0);
  std::vector<std::pair<core::Timestamp, std::size_t>> order;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    // The newest stamp the checkpoint keeps: the oldest of the newest slice, or of an address.
    core::Timestamp last{};
    if (!keys[i].buckets.empty()) last = keys[i].buckets.back().first;
    for (const DistinctEntry& e : keys[i].distinct) last = std::max(last, e.last);
    if (!keys[i].buckets.empty() || !keys[i].distinct.empty()) order.emplace_back(last, i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [last, i] : order) {
    KeyState& s = Slot(rule, keys[i].key, last);
    // One kind per rule; a checkpoint with both for one Key (never written) keeps the values.
    if (!keys[i].distinct.empty()) {
      s.distinct() = DistinctWindow::FromEntries(std::move(keys[i].distinct));
    } else {
      s.counts() = BucketWindow::FromBuckets(std::move(keys[i].buckets));
    }
    s.last = last;
  }
  CountLive();
  Keys(rule).max = max;
  Keys(rule).idlest.Clear();
  evicted_total_ = evicted_total_ - Keys(rule).evicted + evicted;
  Keys(rule).evicted = evicted;
  MakeRoom(rule, 0);
}

const BucketWindow* MemoryWindowStore::CountsOf(std::size_t rule, std::string_view key) const {
  const KeyState* s = Find(rule, key);
  return s ? s->counts_if() : nullptr;
}

const DistinctWindow* MemoryWindowStore::DistinctOf(std::size_t rule, std::string_view key) const {
  const KeyState* s = Find(rule, key);
  return s ? s->distinct_if() : nullptr;
}

}  // namespace relaywatch::detect
