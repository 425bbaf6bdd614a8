#include "relaywatch/fleet/fleet_window_store.h"

#include <algorithm>
#include <utility>

#include "relaywatch/detect/bucket_window.h"

namespace relaywatch::fleet {
namespace {

std::int64_t Oldest(core::Timestamp t, core::Duration window) {
  return detect::SliceIndex(t, window) - detect::kSlices;
}

// One entry per address, its newest slice: a Key seen 1,000 times from one address sends it once.
void Collapse(std::vector<std::pair<std::string, std::int64_t>>& values) {
  std::sort(values.begin(), values.end());
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (auto& v : values) {
    if (!out.empty() && out.back().first == v.first) {
      out.back().second = std::max(out.back().second, v.second);
    } else {
      out.push_back(std::move(v));
    }
  }
  values = std::move(out);
}

}  // namespace

FleetWindowStore::FleetWindowStore(std::vector<FleetRule> rules)
    : rules_(std::move(rules)), remote_(rules_.size()), dirty_(rules_.size()) {}

FleetWindowStore::Remote& FleetWindowStore::Mark(std::size_t rule, std::string_view key) {
  auto& map = remote_[rule];
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), Remote{}).first;
  if (!it->second.dirty) {
    it->second.dirty = true;
    dirty_[rule].push_back(it->first);
  }
  return it->second;
}

const FleetWindowStore::Remote* FleetWindowStore::Find(std::size_t rule,
                                                       std::string_view key) const {
  if (rule >= remote_.size()) return nullptr;
  auto it = remote_[rule].find(key);
  return it == remote_[rule].end() ? nullptr : &it->second;
}

std::uint64_t FleetWindowStore::OthersIn(const Remote& r, core::Timestamp t,
                                         core::Duration window) const {
  const std::int64_t oldest = Oldest(t, window);
  std::uint64_t n = 0;
  for (const auto& [slice, count] : r.others) {
    if (slice >= oldest) n += count;
  }
  return n;
}

std::uint64_t FleetWindowStore::Add(std::size_t rule, std::string_view key, core::Timestamp t,
                                    std::uint64_t amount, core::Duration window) {
  const std::uint64_t own = own_.Add(rule, key, t, amount, window);
  return own + OthersIn(Mark(rule, key), t, window);
}

std::uint64_t FleetWindowStore::AddDistinct(std::size_t rule, std::string_view key,
                                            const detect::DistinctValue& value, core::Timestamp t,
                                            core::Duration window, std::size_t cap) {
  const std::uint64_t own = own_.AddDistinct(rule, key, value, t, window, cap);
  Remote& r = Mark(rule, key);
  r.fresh.emplace_back(std::string(value.text), detect::SliceIndex(t, window));
  if (r.fresh.size() > 2 * cap) Collapse(r.fresh);
  return std::max(own, r.fleet_distinct);
}

core::Timestamp FleetWindowStore::FirstAt(std::size_t rule, std::string_view key, core::Timestamp t,
                                          core::Duration window) const {
  core::Timestamp first = own_.FirstAt(rule, key, t, window);
  // The others' oldest slice in the window, when it is older than the node's own first line.
  if (const Remote* r = Find(rule, key); r != nullptr && !rules_[rule].distinct) {
    const std::int64_t oldest = Oldest(t, window);
    const std::int64_t width = std::max<std::int64_t>(window.count() / detect::kSlices, 1);
    for (const auto& [slice, count] : r->others) {
      if (slice < oldest || count == 0) continue;
      core::Timestamp at{core::Duration(slice * width)};
      if (first == core::Timestamp{} || at < first) first = at;
      break;
    }
  }
  return first;
}

std::vector<std::uint32_t> FleetWindowStore::SliceCounts(std::size_t rule, std::string_view key,
                                                         core::Timestamp t,
                                                         core::Duration window) const {
  std::vector<std::uint32_t> out = own_.SliceCounts(rule, key, t, window);
  const Remote* r = Find(rule, key);
  if (r == nullptr || r->others.empty() || rules_[rule].distinct) return out;
  if (out.empty()) out.assign(detect::kSlices, 0);
  const std::int64_t newest = detect::SliceIndex(t, window);
  for (const auto& [slice, count] : r->others) {
    if (slice < newest - detect::kSlices) continue;
    std::int64_t at =
        std::clamp<std::int64_t>(slice - (newest - detect::kSlices + 1), 0, detect::kSlices - 1);
    auto& cell = out[static_cast<std::size_t>(at)];
    cell = static_cast<std::uint32_t>(std::min<std::uint64_t>(cell + count, UINT32_MAX));
  }
  return out;
}

std::uint64_t FleetWindowStore::Count(std::size_t rule, std::string_view key, core::Timestamp now,
                                      core::Duration window) const {
  const std::uint64_t own = own_.Count(rule, key, now, window);
  const Remote* r = Find(rule, key);
  if (r == nullptr) return own;
  if (rules_[rule].distinct) return std::max(own, r->fleet_distinct);
  return own + OthersIn(*r, now, window);
}

std::uint64_t FleetWindowStore::OwnCount(std::size_t rule, std::string_view key,
                                         core::Timestamp now) const {
  return own_.Count(rule, key, now, rules_[rule].window);
}

void FleetWindowStore::Expire(core::Timestamp now, const std::vector<core::Duration>& windows) {
  own_.Expire(now, windows);
  for (std::size_t rule = 0; rule < remote_.size() && rule < windows.size(); ++rule) {
    if (windows[rule] == core::Duration::zero()) continue;
    const std::int64_t oldest = Oldest(now, windows[rule]);
    auto& map = remote_[rule];
    for (auto it = map.begin(); it != map.end();) {
      Remote& r = it->second;
      std::erase_if(r.others, [&](const auto& e) { return e.first < oldest; });
      const bool held = own_.Count(rule, it->first, now, windows[rule]) > 0;
      if (!r.dirty && !held && r.others.empty()) {
        it = map.erase(it);
      } else {
        ++it;
      }
    }
  }
}

std::vector<std::pair<std::string, std::uint64_t>> FleetWindowStore::TopKeys(std::size_t rule,
                                                                             core::Timestamp now,
                                                                             core::Duration window,
                                                                             std::size_t n) const {
  // The node's own Keys, each with its fleet count (the fleet's own top is fleet_view.h's).
  std::vector<std::pair<std::string, std::uint64_t>> top =
      own_.TopKeys(rule, now, window, own_.RuleKeyCount(rule));
  for (auto& [key, count] : top) count = Count(rule, key, now, window);
  std::stable_sort(top.begin(), top.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (top.size() > n) top.resize(n);
  return top;
}

void FleetWindowStore::Import(std::size_t rule, std::vector<detect::KeyWindowState> keys,
                              std::uint64_t evicted) {
  own_.Import(rule, std::move(keys), evicted);
}

CountPush FleetWindowStore::PushCounts(std::size_t rule, std::string_view key,
                                       core::Timestamp now) const {
  CountPush p;
  p.rule = rule;
  p.key = std::string(key);
  p.oldest = Oldest(now, rules_[rule].window);
  if (const detect::BucketWindow* w = own_.CountsOf(rule, key)) {
    for (const detect::Bucket& b : w->buckets()) {
      if (b.index >= p.oldest) p.slices.emplace_back(b.index, b.count);
    }
  }
  return p;
}

Batch FleetWindowStore::TakeDirty(core::Timestamp now) {
  Batch batch;
  for (std::size_t rule = 0; rule < rules_.size(); ++rule) {
    for (const std::string& key : dirty_[rule]) {
      auto it = remote_[rule].find(key);
      if (it == remote_[rule].end()) continue;
      Remote& r = it->second;
      r.dirty = false;
      if (rules_[rule].distinct) {
        Collapse(r.fresh);
        batch.distinct.push_back({rule, key, Oldest(now, rules_[rule].window), std::move(r.fresh)});
        r.fresh.clear();
      } else {
        batch.counts.push_back(PushCounts(rule, key, now));
      }
    }
    dirty_[rule].clear();
  }
  return batch;
}

Batch FleetWindowStore::TakeAll(core::Timestamp now) {
  // Everything is sent below: what was marked is part of it.
  for (std::size_t rule = 0; rule < rules_.size(); ++rule) {
    for (const std::string& key : dirty_[rule]) {
      if (auto it = remote_[rule].find(key); it != remote_[rule].end()) {
        it->second.dirty = false;
        it->second.fresh.clear();
      }
    }
    dirty_[rule].clear();
  }
  Batch batch;
  for (std::size_t rule = 0; rule < rules_.size(); ++rule) {
    const core::Duration window = rules_[rule].window;
    for (const detect::KeyWindowState& k : own_.Export(rule)) {
      if (!rules_[rule].distinct) {
        batch.counts.push_back(PushCounts(rule, k.key, now));
        continue;
      }
      DistinctPush p{rule, k.key, Oldest(now, window), {}};
      for (const detect::DistinctEntry& e : k.distinct) {
        p.values.emplace_back(e.value, detect::SliceIndex(e.last, window));
      }
      batch.distinct.push_back(std::move(p));
    }
  }
  return batch;
}

bool FleetWindowStore::Apply(const CountReply& reply) {
  if (reply.rule >= rules_.size() || rules_[reply.rule].distinct) return false;
  auto it = remote_[reply.rule].find(reply.key);
  if (it == remote_[reply.rule].end()) return false;  // expired here meanwhile
  std::vector<std::pair<std::int64_t, std::uint64_t>> others = reply.others;
  std::sort(others.begin(), others.end());
  std::vector<std::pair<std::int64_t, std::uint64_t>> summed;
  for (const auto& [slice, count] : others) {
    if (!summed.empty() && summed.back().first == slice) {
      summed.back().second += count;
    } else {
      summed.emplace_back(slice, count);
    }
  }
  if (summed == it->second.others) return false;
  it->second.others = std::move(summed);
  return true;
}

bool FleetWindowStore::Apply(const DistinctReply& reply) {
  if (reply.rule >= rules_.size() || !rules_[reply.rule].distinct) return false;
  auto it = remote_[reply.rule].find(reply.key);
  if (it == remote_[reply.rule].end() || it->second.fleet_distinct == reply.count) return false;
  it->second.fleet_distinct = reply.count;
  return true;
}

std::size_t FleetWindowStore::RemoteKeys() const {
  std::size_t n = 0;
  for (const auto& map : remote_) n += map.size();
  return n;
}

std::string PendingBatch::IndexKey(std::size_t rule, const std::string& key) {
  std::string out = std::to_string(rule);
  out.push_back('\0');
  out.append(key);
  return out;
}

void PendingBatch::Add(Batch batch) {
  if (batch_.empty()) {
    batch_ = std::move(batch);
    counts_at_.clear();
    distinct_at_.clear();
    for (std::size_t i = 0; i < batch_.counts.size(); ++i) {
      counts_at_.emplace(IndexKey(batch_.counts[i].rule, batch_.counts[i].key), i);
    }
    for (std::size_t i = 0; i < batch_.distinct.size(); ++i) {
      distinct_at_.emplace(IndexKey(batch_.distinct[i].rule, batch_.distinct[i].key), i);
    }
    return;
  }
  for (CountPush& p : batch.counts) {
    auto [it, added] = counts_at_.emplace(IndexKey(p.rule, p.key), batch_.counts.size());
    if (added) {
      batch_.counts.push_back(std::move(p));
    } else {
      batch_.counts[it->second] = std::move(p);  // the later window holds the earlier one
    }
  }
  for (DistinctPush& p : batch.distinct) {
    auto [it, added] = distinct_at_.emplace(IndexKey(p.rule, p.key), batch_.distinct.size());
    if (added) {
      batch_.distinct.push_back(std::move(p));
      continue;
    }
    DistinctPush& into = batch_.distinct[it->second];
    into.oldest = std::max(into.oldest, p.oldest);
    for (auto& v : p.values) into.values.push_back(std::move(v));
    Collapse(into.values);
  }
}

Batch PendingBatch::Take() {
  counts_at_.clear();
  distinct_at_.clear();
  return std::exchange(batch_, Batch{});
}

}  // namespace relaywatch::fleet
