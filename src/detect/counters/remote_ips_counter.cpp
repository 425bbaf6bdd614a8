// remote-ips: the distinct client addresses of a login's authenticated recipients.
#include "counters.h"

namespace relaywatch::detect::counters {
namespace {

class RemoteIpsCounter : public RuleCounter {
 public:
  Counted OnDelivery(const Delivery& d) override {
    if (!d.authenticated || d.ip.empty()) return {};
    return {true, DistinctValue(d.ip, d.ipv4), {}};
  }
};

}  // namespace

std::unique_ptr<RuleCounter> RemoteIps(const RemoteIpsParams&) {
  return std::make_unique<RemoteIpsCounter>();
}

}  // namespace relaywatch::detect::counters
