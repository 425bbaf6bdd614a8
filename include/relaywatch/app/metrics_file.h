// MetricsFile: metrics.textfile, rewritten every metrics.every while the config sets it.
//
// Each write is whole (store::WriteFileAtomic: a temporary ".<name>.tmp", which node_exporter's
// textfile collector skips, as it reads *.prom only, renamed over the file), mode 0644 so the
// collector may read it. A failed write is logged once and retried at the next tick; the first
// one that works again says so.
#ifndef RELAYWATCH_APP_METRICS_FILE_H_
#define RELAYWATCH_APP_METRICS_FILE_H_

#include <functional>
#include <string>

#include "relaywatch/app/metrics.h"
#include "relaywatch/config/config.h"
#include "relaywatch/follow/asio.h"

namespace relaywatch::app {

class MetricsFile {
 public:
  // `config` is the daemon's, read at each tick (a reload may set, change or clear the file);
  // `data` gives the figures as of now.
  MetricsFile(net::io_context& io, const config::Config& config, std::function<MetricsData()> data)
      : config_(config), data_(std::move(data)), timer_(io) {}

  // Writes now and arms the timer, unless it is armed already or no file is configured.
  void Start() {
    if (!armed_) Tick();
  }
  void Stop() { timer_.cancel(); }

 private:
  void Tick();
  void Write();

  const config::Config& config_;
  std::function<MetricsData()> data_;
  net::steady_timer timer_;
  bool armed_ = false;
  std::string error_;  // the last write's failure, said once
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_METRICS_FILE_H_
