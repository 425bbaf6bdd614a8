#include "relaywatch/alerting/alert_text.h"

#include "relaywatch/core/text.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

std::string_view KindWord(detect::RuleKind kind) { return detect::RuleKindInfoOf(kind).verdict; }

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kNew:
      return "new";
    case AlertState::kOngoing:
      return "ongoing";
    case AlertState::kResolved:
      return "resolved";
    case AlertState::kDigest:
      return "digest";
    case AlertState::kTest:
      return "test";
  }
  return "new";
}

std::string_view AlertKindName(const Alert& alert) {
  if (alert.state == AlertState::kDigest) return "digest";
  if (alert.state == AlertState::kTest) return "test";
  return detect::RuleKindName(alert.finding.kind);
}

std::optional<std::string> ShownDetail(const detect::Finding& f) {
  switch (detect::RuleKindInfoOf(f.kind).detail) {
    case detect::DetailShown::kNever:
      break;
    case detect::DetailShown::kWhenPresent:
      if (!f.detail.empty()) return f.detail;
      break;
    case detect::DetailShown::kOrService:
      return f.detail.empty() ? f.service : f.detail;
  }
  return std::nullopt;
}

std::string SummaryLine(const Alert& alert) {
  const detect::Finding& f = alert.finding;
  if (alert.state == AlertState::kDigest) {
    return "DIGEST " + std::to_string(alert.digest_count) + " alerts";
  }
  std::string line;
  if (alert.state == AlertState::kOngoing) line = "STILL ";
  if (alert.state == AlertState::kResolved) line = "OK ";
  if (alert.state == AlertState::kTest) line = "TEST ";
  const detect::RuleKindInfo& kind = detect::RuleKindInfoOf(f.kind);
  line += kind.verdict;
  line += ' ';
  line += core::SanitizeField(f.key, 64);
  const std::optional<std::string> detail = ShownDetail(f);
  if (detail && !kind.detail_last) {
    line += kind.summary_detail_lead;
    line += core::SanitizeField(*detail, kind.summary_detail_max);
  }
  line += ' ' + std::to_string(f.count);
  if (f.window.count() > 0) line += '/' + core::FormatDuration(f.window);
  if (detail && kind.detail_last) {
    line += kind.summary_detail_lead;
    line += core::SanitizeField(*detail, kind.summary_detail_max);
  }
  return line;  // 6 + 9 + 1 + 64 + 4 + 64 + 1 + 20 + 1 + 20 < kMaxSummaryLine
}

}  // namespace relaywatch::alerting
