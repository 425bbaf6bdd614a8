#include "relaywatch/detect/sample_book.h"

#include <algorithm>
#include <optional>

namespace relaywatch::detect {
namespace {

void Bump(std::vector<std::pair<std::string, std::uint64_t>>& v, std::string_view value,
          std::size_t cap) {
  if (value.empty()) return;
  for (auto& [s, n] : v) {
    if (s == value) {
      ++n;
      return;
    }
  }
  if (v.size() < cap) v.emplace_back(std::string(value), 1);
}

std::vector<std::pair<std::string, std::uint64_t>> Top(
    std::vector<std::pair<std::string, std::uint64_t>> v, std::size_t n) {
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > n) v.resize(n);
  return v;
}

}  // namespace

void SampleBook::Note(std::string_view key, bool open, std::string_view sender, std::string_view ip,
                      std::string_view rcpt, core::Timestamp t) {
  if (!open && pages_.empty()) return;
  Page* page = recent_.Get(key);
  if (page == nullptr) {
    auto it = pages_.find(key);
    if (it == pages_.end()) {
      if (!open) return;
      if (max_pages_ > 0 && pages_.size() >= max_pages_) EvictIdlest();
      it = pages_.emplace(std::string(key), Page{}).first;
    }
    page = &it->second;
    recent_.Remember(key, page);
  }
  Page& p = *page;
  Bump(p.senders, sender, kTop);
  Bump(p.ips, ip, kTop);
  if (!rcpt.empty() && p.recipients.size() < kShown &&
      std::find(p.recipients.begin(), p.recipients.end(), rcpt) == p.recipients.end()) {
    p.recipients.emplace_back(rcpt);
  }
  p.last = std::max(p.last, t);
}

void SampleBook::EvictIdlest() {
  recent_.Forget();
  for (int walk = 0; walk < 2; ++walk) {
    while (std::optional<IdlestKeys::Candidate> c = idlest_.Next()) {
      auto it = pages_.find(c->key);
      if (it == pages_.end() || it->second.last != c->last) continue;  // gone, or noted since
      pages_.erase(it);
      return;
    }
    idlest_.BeginWalk(pages_.size());
    for (const auto& [key, page] : pages_) idlest_.Offer(key, page.last);
    idlest_.EndWalk();
  }
}

KeySample SampleBook::SampleOf(std::string_view key) const {
  auto it = pages_.find(key);
  if (it == pages_.end()) return {};
  return KeySample{Top(it->second.senders, kShown), Top(it->second.ips, kShown),
                   it->second.recipients};
}

void SampleBook::Expire(core::Timestamp now, core::Duration longest_window) {
  std::erase_if(pages_, [&](const auto& kv) { return now - kv.second.last >= longest_window; });
  recent_.Forget();
}

std::vector<SamplePage> SampleBook::Snapshot() const {
  std::vector<SamplePage> out;
  out.reserve(pages_.size());
  for (const auto& [key, p] : pages_) out.push_back({key, p.senders, p.ips, p.recipients, p.last});
  std::sort(out.begin(), out.end(),
            [](const SamplePage& a, const SamplePage& b) { return a.key < b.key; });
  return out;
}

void SampleBook::Restore(std::vector<SamplePage> pages) {
  pages_.clear();
  recent_.Forget();
  idlest_.Clear();
  for (SamplePage& p : pages) {
    if (max_pages_ > 0 && pages_.size() >= max_pages_) EvictIdlest();
    pages_.emplace(std::move(p.key),
                   Page{std::move(p.senders), std::move(p.ips), std::move(p.recipients), p.last});
  }
}

}  // namespace relaywatch::detect
