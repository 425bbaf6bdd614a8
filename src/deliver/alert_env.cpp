#include "relaywatch/deliver/alert_env.h"

#include <string>

#include "relaywatch/alerting/alert_text.h"
#include "relaywatch/alerting/render_sms.h"
#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::deliver {
namespace {

std::string KindName(const alerting::Alert& alert) {
  if (alert.state == alerting::AlertState::kDigest) return "digest";
  if (alert.state == alerting::AlertState::kTest) return "test";
  return std::string(detect::RuleKindName(alert.finding.kind));
}

}  // namespace

EnvVars AlertEnv(const alerting::Alert& alert) {
  const detect::Finding& f = alert.finding;
  return {
      {"RELAYWATCH_ID", alert.id},
      {"RELAYWATCH_RULE", f.rule},
      {"RELAYWATCH_KIND", KindName(alert)},
      {"RELAYWATCH_USER", f.key},
      {"RELAYWATCH_COUNT", std::to_string(f.count)},
      {"RELAYWATCH_LIMIT", std::to_string(f.limit)},
      {"RELAYWATCH_HOST", alert.host},
      {"RELAYWATCH_STATE", std::string(alerting::AlertStateName(alert.state))},
      {"RELAYWATCH_TEXT", alerting::RenderSms(alert)},
  };
}

}  // namespace relaywatch::deliver
