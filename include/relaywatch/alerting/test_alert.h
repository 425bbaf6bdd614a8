// The alert `relaywatch test-alert` sends: proves a channel reaches the admin, asks for nothing.
//
// It goes through the same renderers and transports as a real alert, so what arrives is what a
// real alert would look like, but every form says TEST (SMS "mx1 TEST ...", JSON "state":"test",
// "kind":"test") so that neither a person nor a hook script acts on it.
#ifndef RELAYWATCH_ALERTING_TEST_ALERT_H_
#define RELAYWATCH_ALERTING_TEST_ALERT_H_

#include <string>
#include <string_view>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

// A kTest alert from `host` for the channel named `channel`, stamped `now` (wall time: a test has
// no log line). Its id is MakeAlertId("test", channel, now); finding.rule is "test", the key is
// empty and finding.detail is "via <channel>".
Alert MakeTestAlert(std::string host, std::string_view channel, core::Timestamp now);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_TEST_ALERT_H_
