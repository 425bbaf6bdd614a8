#include "relaywatch/deliver/alert_env.h"

#include <string>

#include "relaywatch/alerting/alert_text.h"
#include "relaywatch/alerting/render_sms.h"

namespace relaywatch::deliver {

EnvVars AlertEnv(const alerting::Alert& alert) {
  const detect::Finding& f = alert.finding;
  return {
      {"RELAYWATCH_ID", alert.id},
      {"RELAYWATCH_RULE", f.rule},
      {"RELAYWATCH_KIND", std::string(alerting::AlertKindName(alert))},
      {"RELAYWATCH_USER", f.key},
      {"RELAYWATCH_COUNT", std::to_string(f.count)},
      {"RELAYWATCH_LIMIT", std::to_string(f.limit)},
      {"RELAYWATCH_HOST", alert.host},
      {"RELAYWATCH_STATE", std::string(alerting::AlertStateName(alert.state))},
      {"RELAYWATCH_TEXT", alerting::RenderSms(alert)},
  };
}

}  // namespace relaywatch::deliver
