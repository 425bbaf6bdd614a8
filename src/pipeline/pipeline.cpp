#include "relaywatch/pipeline/pipeline.h"

#include <algorithm>

#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/parse/event.h"

namespace relaywatch::pipeline {
namespace {

std::unique_ptr<detect::WindowStore> OrMemory(std::unique_ptr<detect::WindowStore> store) {
  return store ? std::move(store) : std::make_unique<detect::MemoryWindowStore>();
}

}  // namespace

alerting::LedgerOptions LedgerOptionsFrom(const config::Config& config) {
  alerting::LedgerOptions o;
  o.repeat = config.alerts.repeat;
  o.escalate = config.alerts.escalate;
  o.resolved = config.alerts.resolved;
  o.host = config.hostname;
  return o;
}

core::Duration WarmUp(const config::Config& config) {
  core::Duration longest_window{}, longest_period{};
  for (const auto& r : config.rules) {
    longest_window = std::max(longest_window, r.window);
    longest_period = std::max(longest_period, config.alerts.repeat.value_or(r.window));
  }
  return std::max(longest_window + longest_window / detect::kSlices, 2 * longest_period);
}

Pipeline::Pipeline(const config::Config& config, std::unique_ptr<detect::WindowStore> store)
    : store_(OrMemory(std::move(store))),
      evictions_seen_(store_->Evicted()),
      detector_(config.rules, config.default_domain, *store_),
      ledger_(LedgerOptionsFrom(config)) {}

Pipeline::~Pipeline() = default;

std::size_t Pipeline::AddSource(std::string service) {
  services_.push_back(std::move(service));
  return services_.size() - 1;
}

namespace {

// StatsBits' bits.
constexpr std::uint8_t kStamped = 1, kCut = 2, kChkuser = 4, kRelay = 8;

}  // namespace

void Pipeline::CountLine(std::uint8_t bits) {
  ++stats_.lines;
  if (!(bits & kStamped)) ++stats_.unstamped;
  if (bits & kCut) ++stats_.long_lines;
  if (bits & kChkuser) ++stats_.chkuser;
  if (bits & kRelay) ++stats_.relay;
}

void Pipeline::OnLine(std::size_t source_id, const decode::DecodedLine& d) {
  const std::string& service = services_[source_id];
  const bool quiet = quiet_until_ && d.line.time < *quiet_until_;

  if (!quiet) {
    CountLine(StatsBits(d));
    if (const auto* m = std::get_if<parse::MalformedEvent>(&d.event)) {
      stats_.CountMalformed(m->reason, d.raw);
    }
    if (line_observer_) line_observer_(LineView{d, service});
  }

  findings_.clear();
  detector_.OnEvent(detect::EventContext{d.line.time, service}, d.event, findings_);
  if (const std::uint64_t evicted = store_->Evicted(); evicted != evictions_seen_) {
    stats_.evicted_keys += evicted - evictions_seen_;
    evictions_seen_ = evicted;
  }
  for (detect::Finding& f : findings_) {
    if (!quiet) ++stats_.findings;
    std::optional<alerting::Alert> alert = ledger_.Admit(f);
    if (alert) Emit(std::move(*alert), quiet);
  }
  Maintain(d.line.time, quiet);
}

std::size_t Pipeline::ShardNeeding(const decode::DecodedLine& d) const {
  // A malformed line's reason and text go into every shard's stats; an observer sees every line.
  if (line_observer_ || std::holds_alternative<parse::MalformedEvent>(d.event)) {
    return detect::Detector::kAllShards;
  }
  return detector_.ShardNeeding(d.event);
}

std::uint8_t Pipeline::StatsBits(const decode::DecodedLine& d) {
  std::uint8_t bits = (d.line.stamped ? kStamped : 0) | (d.cut ? kCut : 0);
  if (const auto* c = std::get_if<parse::ChkuserEvent>(&d.event)) {
    bits |= kChkuser;
    if (c->verdict == parse::ChkuserVerdict::kRelayingRcpt) bits |= kRelay;
  }
  return bits;
}

void Pipeline::OnOthersLine(core::Timestamp time, std::uint8_t bits) {
  const bool quiet = quiet_until_ && time < *quiet_until_;
  if (!quiet) CountLine(bits);  // as OnLine counts a line that is not malformed
  // Detector::OnEvent of a line another shard counts changes nothing but this (ShardNeeding);
  // Expire gives up no key, so the evictions OnLine checks for stay as they are.
  detector_.Expire(time);
  Maintain(time, quiet);
}

void Pipeline::Emit(alerting::Alert&& alert, bool quiet) {
  if (quiet) return;  // the ledger remembers it; nobody is told
  ++stats_.alerts;
  if (alert_sink_) alert_sink_(std::move(alert));
}

void Pipeline::Maintain(core::Timestamp now, bool quiet) {
  // Every 5 minutes of event time: a resolution notice may come that much after the period
  // ended, and the ledger's sweep over every entry costs nothing per line.
  std::int64_t slot =
      std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count() / 5;
  if (slot == maintenance_slot_) return;
  maintenance_slot_ = slot;
  auto count_now = [&](const std::string& rule, const std::string& key) {
    return detector_.CountNow(detector_.RuleIndex(rule), key, now);
  };
  for (alerting::Alert& a : ledger_.Resolve(now, count_now)) Emit(std::move(a), quiet);
  ledger_.Prune(now);
}

void Pipeline::Recheck(std::size_t rule, std::string_view key, core::Timestamp now) {
  findings_.clear();
  detector_.Recheck(rule, key, now, findings_);
  for (detect::Finding& f : findings_) {
    ++stats_.findings;
    std::optional<alerting::Alert> alert = ledger_.Admit(f);
    if (alert) Emit(std::move(*alert), false);
  }
}

void Pipeline::InjectFinding(detect::Finding finding) {
  std::optional<alerting::Alert> alert = ledger_.Admit(finding);
  if (alert) Emit(std::move(*alert), false);
}

PipelineState Pipeline::Snapshot() const {
  return PipelineState{detector_.Snapshot(), ledger_.Entries(), stats_, maintenance_slot_};
}

void Pipeline::Restore(PipelineState state) {
  detector_.Restore(std::move(state.detector));
  ledger_.Restore(std::move(state.ledger));
  stats_ = std::move(state.stats);
  maintenance_slot_ = state.maintenance_slot;
  // The evictions restored are in the restored stats already. (Those a lowered max_keys makes
  // while restoring are counted per rule in the store, not in stats.evicted_keys.)
  evictions_seen_ = store_->Evicted();
}

}  // namespace relaywatch::pipeline
