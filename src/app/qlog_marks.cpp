#include "relaywatch/app/qlog_marks.h"

#include <algorithm>
#include <variant>

namespace relaywatch::app {

bool QlogMarks::Known(const std::string& service) const {
  return std::find(known_.begin(), known_.end(), service) != known_.end();
}

void QlogMarks::See(const follow::ReadLine& line) {
  const auto* q = std::get_if<parse::QlogEvent>(&line.decoded.event);
  const bool envelope = q != nullptr && q->kind == parse::QlogKind::kEnvelope;
  // The mark is made known before its line is counted (report_count.cpp), the line may be the
  // qlogenvelope line itself.
  if (!line.qlog_from_here && !envelope) return;  // nearly every line
  const std::string& service = services_.at(line.input);
  if (Known(service)) return;
  if (!line.qlog_from_here) unmarked_ = true;
  known_.push_back(service);
}

}  // namespace relaywatch::app
