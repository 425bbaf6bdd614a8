// rcpt-limit: chkuser's "intrusion threshold ... max number of allowed rcpt" for a login.
#include "counters.h"

namespace relaywatch::detect::counters {
namespace {

class RcptLimitCounter : public RuleCounter {
 public:
  bool CountsRcptLimitHits() const override { return true; }
};

}  // namespace

std::unique_ptr<RuleCounter> RcptLimit(const RcptLimitParams&) {
  return std::make_unique<RcptLimitCounter>();
}

}  // namespace relaywatch::detect::counters
