#include "relaywatch/app/metrics_file.h"

#include "relaywatch/app/logging.h"
#include "relaywatch/store/atomic_file.h"

namespace relaywatch::app {

void MetricsFile::Tick() {
  armed_ = false;
  if (config_.metrics.textfile.empty()) return;
  armed_ = true;
  Write();
  timer_.expires_after(config_.metrics.every);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Tick();
  });
}

void MetricsFile::Write() {
  const std::string& path = config_.metrics.textfile;
  core::Status st = store::WriteFileAtomic(path, RenderMetrics(data_()), 0644);
  if (!st) {
    if (st.error().message != error_) LogWarning(st.error().message + "; retrying");
    error_ = st.error().message;
  } else if (!error_.empty()) {
    LogInfo("wrote the metrics file " + path + " again");
    error_.clear();
  }
}

}  // namespace relaywatch::app
