// Daemon: `relaywatch run` — followers, pipeline, spool and checkpoint on one io_context.
//
// Lines flow follower -> Pipeline -> Ledger -> spool, all on the io_context's thread; the
// dispatcher sends from the spool on its own thread. Exactly once: every admitted alert is in the
// spool (under its deterministic id) before the checkpoint that holds the positions, windows and
// ledger that produced it; the checkpoint is written after each read burst, at most every 200 ms,
// and at shutdown. SIGHUP reloads the config (a bad one is logged and the old one kept), SIGTERM
// and SIGINT finish the burst, checkpoint and return 0.
#ifndef RELAYWATCH_APP_DAEMON_H_
#define RELAYWATCH_APP_DAEMON_H_

#include <memory>
#include <string>

#include "relaywatch/config/config.h"

namespace relaywatch::app {

class Daemon {
 public:
  Daemon(std::string config_path, config::Config config);
  ~Daemon();
  // Runs until SIGTERM/SIGINT; returns the exit code.
  int Run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

int RunCommand(const std::vector<std::string>& args);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_DAEMON_H_
