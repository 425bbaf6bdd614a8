// QlogMarks: whether a routed `report` met a qlog log its reader had not marked first.
//
// A service's first qlogenvelope line, when the service is not yet known to log them, is counted
// against the service's last chkuser recipient (detect::Detector::OnQlogEnvelope), which in a
// routed count only the shard of that chkuser line's login has seen (Detector::ShardNeeding).
// report's reader marks a qlog log before that line (follow/stored_logs.h: qlog_from_here), so
// that it never counts so; should a qlogenvelope line still come first, the count is not exact
// and is made again on one Pipeline (ReportCount::qlog_unmarked). Shown every line in order, on
// the decoding thread; a service is known as the Detector knows it: from a mark or from an
// earlier qlogenvelope line.
#ifndef RELAYWATCH_APP_QLOG_MARKS_H_
#define RELAYWATCH_APP_QLOG_MARKS_H_

#include <string>
#include <vector>

#include "relaywatch/follow/decode_thread.h"

namespace relaywatch::app {

class QlogMarks {
 public:
  // `services`: each input's service, by the reader's input index.
  explicit QlogMarks(std::vector<std::string> services) : services_(std::move(services)) {}
  void See(const follow::ReadLine& line);
  // Some qlogenvelope line came on a service not known to log them.
  bool unmarked() const { return unmarked_; }

 private:
  bool Known(const std::string& service) const;
  std::vector<std::string> services_;
  std::vector<std::string> known_;  // one entry per service at most
  bool unmarked_ = false;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_QLOG_MARKS_H_
