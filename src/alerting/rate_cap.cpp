#include "relaywatch/alerting/rate_cap.h"

#include <algorithm>
#include <chrono>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/alerting/alert_text.h"
#include "relaywatch/core/text.h"

namespace relaywatch::alerting {
namespace {

constexpr core::Duration kHour = std::chrono::hours(1);

}  // namespace

RateCap::RateCap(std::uint32_t max_per_hour) : max_per_hour_(max_per_hour) {}

void RateCap::Expire(core::Timestamp now) {
  // A message sent exactly one hour ago no longer counts. A clock stepped back leaves the
  // entries in place: the cap errs on the side of fewer messages.
  while (!sent_.empty() && sent_.front() <= now && now - sent_.front() >= kHour) {
    sent_.pop_front();
  }
}

void RateCap::Restore(std::vector<core::Timestamp> times) {
  if (max_per_hour_ == 0) return;
  std::sort(times.begin(), times.end());
  sent_.assign(times.begin(), times.end());
}

bool RateCap::HasRoom() const { return max_per_hour_ == 0 || sent_.size() < max_per_hour_; }

RateCap::Decision RateCap::Admit(core::Timestamp now, const Alert& a) {
  if (a.state == AlertState::kTest) return Decision::kSend;
  Expire(now);
  if (folded_ == 0 && HasRoom()) {
    if (max_per_hour_ != 0) sent_.push_back(now);
    return Decision::kSend;
  }
  if (folded_ == 0) {
    host_ = a.host;
    first_ = a.finding.last;
    last_ = a.finding.last;
    ids_hash_ = Fnv1a64("");
  }
  ++folded_;
  if (a.finding.last < first_) first_ = a.finding.last;
  if (a.finding.last > last_) last_ = a.finding.last;
  ids_hash_ = Fnv1a64(a.id + '\n', ids_hash_);
  if (line_count_ < kMaxDigestLines) {
    lines_ += SummaryLine(a);
    lines_ += '\n';
    ++line_count_;
  }
  return Decision::kFold;
}

std::optional<Alert> RateCap::TakeDigest(core::Timestamp now) {
  Expire(now);
  if (folded_ == 0 || !HasRoom()) return std::nullopt;
  Alert d;
  d.state = AlertState::kDigest;
  d.host = host_;
  d.digest_count = folded_;
  d.digest_text = std::move(lines_);
  if (folded_ > line_count_) {
    d.digest_text += "... and " + std::to_string(folded_ - line_count_) + " more\n";
  }
  d.finding.rule = "digest";
  d.finding.count = folded_;
  d.finding.first = first_;
  d.finding.last = last_;
  // The folded ids and the send time name the digest: a retry of the same digest keeps its id.
  d.id = MakeAlertId("digest", std::to_string(ids_hash_), now);
  if (max_per_hour_ != 0) sent_.push_back(now);
  folded_ = 0;
  lines_.clear();
  line_count_ = 0;
  host_.clear();
  return d;
}

std::optional<core::Timestamp> RateCap::DigestDueAt() const {
  if (folded_ == 0) return std::nullopt;
  if (HasRoom()) return core::Timestamp::min();  // entries expire only when asked: room already
  return sent_.front() + kHour;
}

}  // namespace relaywatch::alerting
