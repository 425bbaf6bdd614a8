// AlertEnv: the environment variables an exec hook gets besides the Alert's JSON on stdin.
//
// RELAYWATCH_ID, _RULE, _KIND, _USER, _COUNT, _LIMIT, _HOST (the contract), plus _STATE (new,
// ongoing, resolved, digest, test) and _TEXT (the SMS line: printable ASCII, at most 160). KIND is
// the rule kind's config name, or "digest" / "test" for those states, as in the JSON, so a hook
// that acts on kinds never acts on a digest or a test by mistake. The values are raw log text
// here; ExecTransport sanitizes every value on its way out (exec_transport.h).
#ifndef RELAYWATCH_DELIVER_ALERT_ENV_H_
#define RELAYWATCH_DELIVER_ALERT_ENV_H_

#include "relaywatch/alerting/alert.h"
#include "relaywatch/deliver/exec_transport.h"

namespace relaywatch::deliver {

EnvVars AlertEnv(const alerting::Alert& alert);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_ALERT_ENV_H_
