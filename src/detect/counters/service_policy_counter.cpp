// service-policy: authenticated relaying on a service that is not among the allowed ones (port 25
// AUTH, when only submission should relay).
#include <algorithm>

#include "counters.h"
#include "relaywatch/core/same_bytes.h"

namespace relaywatch::detect::counters {
namespace {

class ServicePolicyCounter : public RuleCounter {
 public:
  explicit ServicePolicyCounter(const ServicePolicyParams& params)
      : allowed_(params.allowed_services.begin(), params.allowed_services.end()) {}

  Counted OnDelivery(const Delivery& d) override {
    if (!d.authenticated || !d.relaying) return {};
    // A few names: compared, not hashed.
    const bool allowed = std::any_of(allowed_.begin(), allowed_.end(), [&](const std::string& s) {
      return core::SameBytes(s, d.service);
    });
    return {!allowed, {}, d.service};
  }

 private:
  std::vector<std::string> allowed_;
};

}  // namespace

std::unique_ptr<RuleCounter> ServicePolicy(const ServicePolicyParams& params) {
  return std::make_unique<ServicePolicyCounter>(params);
}

}  // namespace relaywatch::detect::counters
