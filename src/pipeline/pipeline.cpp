#include "relaywatch/pipeline/pipeline.h"

#include "relaywatch/parse/parser.h"

namespace relaywatch::pipeline {
namespace {

constexpr std::string_view kDamagedStamp =
    "stamp: '@' without a TAI64N label (24 hex digits and a space)";

}  // namespace

alerting::LedgerOptions LedgerOptionsFrom(const config::Config& config) {
  alerting::LedgerOptions o;
  o.repeat = config.alerts.repeat;
  o.escalate = config.alerts.escalate;
  o.resolved = config.alerts.resolved;
  o.host = config.hostname;
  return o;
}

Pipeline::Pipeline(const config::Config& config, core::LocalZone zone, detect::WindowStore& store)
    : zone_(std::move(zone)),
      evictions_seen_(store.Evicted()),
      detector_(config.rules, config.default_domain, store),
      ledger_(LedgerOptionsFrom(config)),
      host_(config.hostname) {}

std::size_t Pipeline::AddSource(std::string service) {
  sources_.push_back(Source{std::move(service), stamp::Stamper(zone_), std::nullopt});
  return sources_.size() - 1;
}

std::optional<core::Timestamp> Pipeline::LastStamp(std::size_t source) const {
  return sources_[source].last;
}

void Pipeline::OnLine(std::size_t source_id, std::string_view raw) {
  Source& src = sources_[source_id];
  stamp::Line line = src.stamper.Stamp(raw);
  if (!line.stamped) line.time = src.last.value_or(core::Timestamp{});
  OnStampedLine(source_id, raw, line, parse::ParseEvent(line.tag, line.text));
}

void Pipeline::OnStampedLine(std::size_t source_id, std::string_view raw, const stamp::Line& line,
                             const parse::Event& event) {
  Source& src = sources_[source_id];
  if (line.stamped) src.last = line.time;
  const bool quiet = quiet_until_ && line.time < *quiet_until_;

  if (!quiet) {
    ++stats_.lines;
    if (!line.stamped) ++stats_.unstamped;
    if (!line.stamped && raw.starts_with('@')) {
      // multilog's stamp, damaged: what follows it cannot be read as a line either.
      stats_.CountMalformed(kDamagedStamp, raw);
    } else if (const auto* m = std::get_if<parse::MalformedEvent>(&event)) {
      stats_.CountMalformed(m->reason, raw);
    } else if (const auto* c = std::get_if<parse::ChkuserEvent>(&event)) {
      ++stats_.chkuser;
      if (c->verdict == parse::ChkuserVerdict::kRelayingRcpt) ++stats_.relay;
    }
    if (line_observer_) line_observer_(LineView{line, event, src.service});
  }

  findings_.clear();
  detector_.OnEvent(detect::EventContext{line.time, src.service}, event, findings_);
  if (const std::uint64_t evicted = detector_.store().Evicted(); evicted != evictions_seen_) {
    stats_.evicted_keys += evicted - evictions_seen_;
    evictions_seen_ = evicted;
  }
  for (detect::Finding& f : findings_) {
    if (!quiet) ++stats_.findings;
    std::optional<alerting::Alert> alert = ledger_.Admit(f);
    if (alert) Emit(std::move(*alert), quiet);
  }
  Maintain(line.time, quiet);
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
  if (slot == last_maintenance_minute_) return;
  last_maintenance_minute_ = slot;
  auto count_now = [&](const std::string& rule, const std::string& key) {
    return detector_.CountNow(detector_.RuleIndex(rule), key, now);
  };
  for (alerting::Alert& a : ledger_.Resolve(now, count_now)) Emit(std::move(a), quiet);
  ledger_.Prune(now);
}

void Pipeline::InjectFinding(detect::Finding finding) {
  std::optional<alerting::Alert> alert = ledger_.Admit(finding);
  if (alert) Emit(std::move(*alert), false);
}

}  // namespace relaywatch::pipeline
