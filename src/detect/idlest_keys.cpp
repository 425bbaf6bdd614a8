#include "relaywatch/detect/idlest_keys.h"

#include <algorithm>

namespace relaywatch::detect {

void IdlestKeys::BeginWalk(std::size_t size) {
  keep_ = std::clamp<std::size_t>(size / 8, 1, 65536);
  offered_.clear();
  offered_.reserve(size);
  queue_.clear();
}

void IdlestKeys::EndWalk() {
  // Oldest stamp first; equal stamps by key, so the choice does not depend on the table's order.
  const std::size_t keep = std::min(keep_, offered_.size());
  std::nth_element(offered_.begin(), offered_.begin() + static_cast<long>(keep), offered_.end());
  offered_.resize(keep);
  std::sort(offered_.begin(), offered_.end());
  queue_.reserve(keep);
  for (auto it = offered_.rbegin(); it != offered_.rend(); ++it) {
    queue_.push_back(Candidate{std::string(it->second), it->first});
  }
  std::vector<std::pair<core::Timestamp, std::string_view>>().swap(offered_);
}

std::optional<IdlestKeys::Candidate> IdlestKeys::Next() {
  if (queue_.empty()) return std::nullopt;
  Candidate c = std::move(queue_.back());
  queue_.pop_back();
  return c;
}

}  // namespace relaywatch::detect
