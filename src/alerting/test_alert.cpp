#include "relaywatch/alerting/test_alert.h"

#include "relaywatch/alerting/alert_id.h"

namespace relaywatch::alerting {

Alert MakeTestAlert(std::string host, std::string_view channel, core::Timestamp now) {
  Alert a;
  a.id = MakeAlertId("test", channel, now);
  a.state = AlertState::kTest;
  a.host = std::move(host);
  a.finding.rule = "test";
  a.finding.detail = "via " + std::string(channel);
  a.finding.first = now;
  a.finding.last = now;
  return a;
}

}  // namespace relaywatch::alerting
