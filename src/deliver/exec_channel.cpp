#include "relaywatch/deliver/exec_channel.h"

#include <utility>

#include "relaywatch/alerting/render_json.h"
#include "relaywatch/deliver/alert_env.h"

namespace relaywatch::deliver {

ExecChannel::ExecChannel(std::string name, ExecOptions options)
    : name_(std::move(name)), transport_(std::move(options)) {}

DeliveryResult ExecChannel::Deliver(const alerting::Alert& alert, core::Timestamp /*now*/) {
  return transport_.Send(alerting::RenderJson(alert), AlertEnv(alert));
}

}  // namespace relaywatch::deliver
