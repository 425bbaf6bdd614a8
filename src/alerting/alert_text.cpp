#include "relaywatch/alerting/alert_text.h"

#include "relaywatch/core/text.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

std::string_view KindWord(detect::RuleKind kind) {
  switch (kind) {
    case detect::RuleKind::kVolume:
      return "VOLUME";
    case detect::RuleKind::kSender:
      return "FRAUD";
    case detect::RuleKind::kRemoteIps:
      return "IPS";
    case detect::RuleKind::kServicePolicy:
      return "PORT25";
    case detect::RuleKind::kRcptLimit:
      return "RCPTLIMIT";
    case detect::RuleKind::kGap:
      return "GAP";
  }
  return "ALERT";
}

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

std::string SummaryLine(const Alert& alert) {
  const detect::Finding& f = alert.finding;
  if (alert.state == AlertState::kDigest) {
    return "DIGEST " + std::to_string(alert.digest_count) + " alerts";
  }
  std::string line;
  if (alert.state == AlertState::kOngoing) line = "STILL ";
  if (alert.state == AlertState::kResolved) line = "OK ";
  if (alert.state == AlertState::kTest) line = "TEST ";
  line += KindWord(f.kind);
  line += ' ';
  line += core::SanitizeField(f.key, 64);
  if (f.kind == detect::RuleKind::kSender && !f.detail.empty()) {
    line += " as " + core::SanitizeField(f.detail, 64);
  }
  if (f.kind == detect::RuleKind::kServicePolicy) {
    line += " on " + core::SanitizeField(f.detail.empty() ? f.service : f.detail, 24);
  }
  line += ' ' + std::to_string(f.count);
  if (f.window.count() > 0) line += '/' + core::FormatDuration(f.window);
  if (f.kind == detect::RuleKind::kGap && !f.detail.empty()) {
    line += ' ' + core::SanitizeField(f.detail, 40);
  }
  return line;  // 6 + 9 + 1 + 64 + 4 + 64 + 1 + 20 + 1 + 20 < kMaxSummaryLine
}

}  // namespace relaywatch::alerting
