#include "relaywatch/alerting/mute_list.h"

#include <algorithm>

#include "relaywatch/core/text.h"

namespace relaywatch::alerting {

const Mute* MuteList::Match(std::string_view key, std::string_view rule,
                            core::Timestamp now) const {
  const Mute* best = nullptr;
  for (const Mute& m : mutes_) {
    if (m.key != key || now >= m.until) continue;
    if (!m.rule.empty() && m.rule != rule) continue;
    if (best == nullptr) {
      best = &m;
    } else if (best->rule.empty() != m.rule.empty()) {
      if (!m.rule.empty()) best = &m;  // the rule's own mute first
    } else if (m.until > best->until) {
      best = &m;
    }
  }
  return best;
}

bool MuteList::Add(Mute m) {
  for (Mute& old : mutes_) {
    if (old.key == m.key && old.rule == m.rule) {
      old = std::move(m);
      return true;
    }
  }
  if (mutes_.size() >= kMaxMutes) return false;
  mutes_.push_back(std::move(m));
  return true;
}

std::size_t MuteList::Remove(std::string_view key, std::string_view rule, bool all_rules) {
  return std::erase_if(
      mutes_, [&](const Mute& m) { return m.key == key && (all_rules || m.rule == rule); });
}

std::size_t MuteList::Prune(core::Timestamp now) {
  return std::erase_if(mutes_, [&](const Mute& m) { return now >= m.until; });
}

std::string DescribeMute(const Mute& m) {
  std::string out = "muted until " + core::FormatLocal(m.until, core::LocalZone::Fixed(0)) +
                    " UTC by " + core::EscapeForLog(m.by);
  if (!m.reason.empty()) out += " (" + core::EscapeForLog(m.reason) + ")";
  return out;
}

}  // namespace relaywatch::alerting
