#include "relaywatch/detect/distinct_window.h"

#include <algorithm>
#include <optional>

#include "relaywatch/core/same_bytes.h"
#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/parse/ip_address.h"

namespace relaywatch::detect {
namespace {

bool InWindow(core::Timestamp seen, core::Timestamp now, core::Duration window) {
  return now - seen < window;
}

}  // namespace

std::vector<DistinctWindow::Seen>::iterator DistinctWindow::Find(std::string_view value,
                                                                 std::optional<std::uint32_t> v4) {
  if (v4) {
    // A session's lines come from one address, most often the one added last.
    if (!seen_.empty() && seen_.back().text == kV4 && seen_.back().v4 == *v4)
      return seen_.end() - 1;
    return std::find_if(seen_.begin(), seen_.end(),
                        [&](const Seen& e) { return e.text == kV4 && e.v4 == *v4; });
  }
  return std::find_if(seen_.begin(), seen_.end(), [&](const Seen& e) {
    return e.text != kV4 && core::SameBytes((*texts_)[e.text], value);
  });
}

DistinctWindow::Seen DistinctWindow::Make(std::string_view value, std::optional<std::uint32_t> v4,
                                          core::Timestamp t) {
  Seen e;
  e.last = e.first = t;
  if (v4) {
    e.v4 = *v4;
  } else {
    e.text = static_cast<std::uint32_t>(Texts().size());
    Texts().emplace_back(value);
  }
  return e;
}

std::vector<std::string>& DistinctWindow::Texts() {
  if (!texts_) texts_ = std::make_unique<std::vector<std::string>>();
  return *texts_;
}

// Removes texts_[index], which no entry names any more, keeping the others' indexes right.
void DistinctWindow::DropText(std::uint32_t index) {
  texts_->erase(texts_->begin() + index);
  for (Seen& e : seen_) {
    if (e.text != kV4 && e.text > index) --e.text;
  }
}

DistinctValue::DistinctValue(std::string_view value) : text(value), ipv4(parse::Ipv4Bits(value)) {}

std::uint64_t DistinctWindow::Add(const DistinctValue& distinct, core::Timestamp t,
                                  core::Duration window, std::size_t cap) {
  const std::string_view value = distinct.text;
  const std::optional<std::uint32_t> v4 = distinct.ipv4;
  auto it = Find(value, v4);
  if (it != seen_.end()) {
    if (!InWindow(it->last, t, window)) it->first = t;
    it->last = std::max(it->last, t);
  } else if (seen_.size() < std::max<std::size_t>(cap, 1)) {
    seen_.push_back(Make(value, v4, t));
  } else {
    // Full: replace the value seen longest ago (bounded memory under a flood of addresses).
    auto oldest = std::min_element(seen_.begin(), seen_.end(),
                                   [](const Seen& a, const Seen& b) { return a.last < b.last; });
    const std::uint32_t old_text = oldest->text;
    const std::size_t at = static_cast<std::size_t>(oldest - seen_.begin());
    seen_[at] = Make(value, v4, t);
    if (old_text != kV4) DropText(old_text);
  }
  return CountAt(t, window);
}

std::uint64_t DistinctWindow::CountAt(core::Timestamp now, core::Duration window) const {
  return static_cast<std::uint64_t>(std::count_if(
      seen_.begin(), seen_.end(), [&](const Seen& e) { return InWindow(e.last, now, window); }));
}

core::Timestamp DistinctWindow::FirstAt(core::Timestamp now, core::Duration window) const {
  core::Timestamp first = now;
  for (const Seen& e : seen_) {
    if (InWindow(e.last, now, window)) {
      first = std::min(first, std::max(e.first, now - window));
    }
  }
  return first;
}

std::vector<std::uint32_t> DistinctWindow::SliceCounts(core::Timestamp now,
                                                       core::Duration window) const {
  const std::int64_t first = SliceIndex(now, window) - kSlices + 1;
  std::vector<std::uint32_t> out(kSlices, 0);
  for (const Seen& e : seen_) {
    if (!InWindow(e.last, now, window)) continue;
    // A value last seen in the slice before the first, or (out of order) after `now`'s, is
    // counted in the nearest entry, so the entries sum to CountAt.
    const std::int64_t i =
        std::clamp<std::int64_t>(SliceIndex(e.last, window) - first, 0, kSlices - 1);
    if (out[static_cast<std::size_t>(i)] < UINT32_MAX) ++out[static_cast<std::size_t>(i)];
  }
  return out;
}

bool DistinctWindow::Expire(core::Timestamp now, core::Duration window) {
  const bool texts = texts_ && !texts_->empty();
  std::erase_if(seen_, [&](const Seen& e) { return !InWindow(e.last, now, window); });
  if (texts) {  // keep the texts still named, in their order
    std::vector<std::string> kept;
    for (Seen& e : seen_) {
      if (e.text == kV4) continue;
      kept.push_back(std::move((*texts_)[e.text]));
      e.text = static_cast<std::uint32_t>(kept.size() - 1);
    }
    *texts_ = std::move(kept);
  }
  return seen_.empty();
}

std::vector<DistinctEntry> DistinctWindow::entries() const {
  std::vector<DistinctEntry> out;
  out.reserve(seen_.size());
  for (const Seen& e : seen_) {
    out.push_back(
        DistinctEntry{e.text == kV4 ? parse::Ipv4Text(e.v4) : (*texts_)[e.text], e.last, e.first});
  }
  return out;
}

DistinctWindow DistinctWindow::FromEntries(std::vector<DistinctEntry> entries) {
  DistinctWindow w;
  w.seen_.reserve(entries.size());
  for (DistinctEntry& e : entries) {
    Seen s = w.Make(e.value, parse::Ipv4Bits(e.value), e.last);
    s.first = e.first;
    w.seen_.push_back(s);
  }
  return w;
}

}  // namespace relaywatch::detect
