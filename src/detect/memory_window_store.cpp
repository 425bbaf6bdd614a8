#include "relaywatch/detect/memory_window_store.h"

#include <algorithm>

namespace relaywatch::detect {

MemoryWindowStore::KeyState& MemoryWindowStore::Slot(std::size_t rule, std::string_view key) {
  if (rule >= tables_.size()) {
    tables_.resize(rule + 1);  // moves the tables: forget where their nodes were
    ForgetRecent();
  }
  if (KeyState* known = recent_[rule].Get(key)) return *known;
  Table& table = tables_[rule];
  auto it = table.find(key);
  if (it == table.end()) it = table.emplace(std::string(key), KeyState{}).first;
  recent_[rule].Remember(key, &it->second);
  return it->second;
}

void MemoryWindowStore::ForgetRecent() {
  recent_.assign(tables_.size(), {});
}

WindowCount MemoryWindowStore::Add(std::size_t rule, std::string_view key, core::Timestamp t,
                                   std::uint64_t amount, core::Duration window) {
  KeyState& s = Slot(rule, key);
  std::uint64_t n = s.counts.Add(t, amount, window);
  core::Timestamp newest = std::max(t, s.counts.buckets().back().first);
  return WindowCount{n, s.counts.FirstAt(newest, window)};
}

WindowCount MemoryWindowStore::AddDistinct(std::size_t rule, std::string_view key,
                                           std::string_view value, core::Timestamp t,
                                           core::Duration window, std::size_t cap) {
  KeyState& s = Slot(rule, key);
  std::uint64_t n = s.distinct.Add(value, t, window, cap);
  return WindowCount{n, s.distinct.FirstAt(t, window)};
}

std::uint64_t MemoryWindowStore::Count(std::size_t rule, std::string_view key,
                                       core::Timestamp now, core::Duration window) const {
  if (rule >= tables_.size()) return 0;
  auto it = tables_[rule].find(key);
  if (it == tables_[rule].end()) return 0;
  return it->second.counts.CountAt(now, window) + it->second.distinct.CountAt(now, window);
}

void MemoryWindowStore::Expire(core::Timestamp now, const std::vector<core::Duration>& windows) {
  for (std::size_t r = 0; r < tables_.size() && r < windows.size(); ++r) {
    if (windows[r] <= core::Duration::zero()) continue;
    Table& table = tables_[r];
    for (auto it = table.begin(); it != table.end();) {
      bool counts_empty = it->second.counts.Expire(now, windows[r]);
      bool distinct_empty = it->second.distinct.Expire(now, windows[r]);
      it = (counts_empty && distinct_empty) ? table.erase(it) : std::next(it);
    }
  }
  ForgetRecent();
}

std::vector<std::pair<std::string, std::uint64_t>> MemoryWindowStore::TopKeys(
    std::size_t rule, core::Timestamp now, core::Duration window, std::size_t n) const {
  std::vector<std::pair<std::string, std::uint64_t>> top;
  if (rule >= tables_.size()) return top;
  for (const auto& [key, s] : tables_[rule]) {
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
  std::size_t n = 0;
  for (const Table& t : tables_) n += t.size();
  return n;
}

std::vector<KeyWindowState> MemoryWindowStore::Export(std::size_t rule) const {
  std::vector<KeyWindowState> out;
  if (rule >= tables_.size()) return out;
  out.reserve(tables_[rule].size());
  for (const auto& [key, s] : tables_[rule]) {
    out.push_back(KeyWindowState{key, s.counts.buckets(), s.distinct.entries()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

void MemoryWindowStore::Import(std::size_t rule, std::vector<KeyWindowState> keys) {
  if (rule >= tables_.size()) tables_.resize(rule + 1);
  Table& table = tables_[rule];
  table.clear();
  for (KeyWindowState& k : keys) {
    table[k.key] = KeyState{BucketWindow::FromBuckets(std::move(k.buckets)),
                            DistinctWindow::FromEntries(std::move(k.distinct))};
  }
  ForgetRecent();
}

void MemoryWindowStore::Remap(const std::vector<int>& map, std::size_t rules) {
  std::vector<Table> next(rules);
  for (std::size_t i = 0; i < map.size() && i < tables_.size(); ++i) {
    if (map[i] >= 0 && static_cast<std::size_t>(map[i]) < rules) {
      next[static_cast<std::size_t>(map[i])] = std::move(tables_[i]);
    }
  }
  tables_ = std::move(next);
  ForgetRecent();
}

}  // namespace relaywatch::detect
