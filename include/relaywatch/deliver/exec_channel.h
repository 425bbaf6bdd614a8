// ExecChannel: the json format (config `via: exec`): the Alert as RenderJson's object on the
// program's stdin and as AlertEnv's variables in its environment (exec_transport.h, alert_env.h).
#ifndef RELAYWATCH_DELIVER_EXEC_CHANNEL_H_
#define RELAYWATCH_DELIVER_EXEC_CHANNEL_H_

#include <string>

#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/exec_transport.h"

namespace relaywatch::deliver {

class ExecChannel final : public Channel {
 public:
  ExecChannel(std::string name, ExecOptions options);

  const std::string& name() const override { return name_; }
  // `now` is unused: the JSON carries event times only.
  DeliveryResult Deliver(const alerting::Alert& alert, core::Timestamp now) override;

 private:
  std::string name_;
  ExecTransport transport_;
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_EXEC_CHANNEL_H_
