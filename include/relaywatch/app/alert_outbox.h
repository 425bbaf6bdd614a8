// AlertOutbox: alerts from the pipeline to the channels: the spool, and the dispatcher thread.
//
// Put spools the alert for every channel (store/spool.h) on the daemon's thread, BEFORE the
// checkpoint that records it, and wakes the dispatcher, which sends on its own thread. A crash
// before that checkpoint replays the same lines and puts the same deterministic id again; the
// spool ignores an id it has pending, sent or given up, so the alert goes out once, never twice.
#ifndef RELAYWATCH_APP_ALERT_OUTBOX_H_
#define RELAYWATCH_APP_ALERT_OUTBOX_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"

namespace relaywatch::app {

class AlertOutbox {
 public:
  using Log = std::function<void(std::string_view level, std::string_view msg)>;
  AlertOutbox(const config::Config& config, Log log);
  ~AlertOutbox();

  void Start();  // the dispatcher thread
  void Stop();
  void Put(const alerting::Alert& alert, core::Timestamp now);
  void Reconfigure(const config::Config& config);
  std::size_t Pending() const;
  std::string StatusJson() const;
  std::string StatusText() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_ALERT_OUTBOX_H_
