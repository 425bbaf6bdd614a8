// volume: relayed recipients, or messages, per login.
#include "counters.h"

namespace relaywatch::detect::counters {
namespace {

class VolumeCounter : public RuleCounter {
 public:
  explicit VolumeCounter(CountUnit unit) : unit_(unit) {}
  Counted OnDelivery(const Delivery& d) override {
    return {d.relaying && unit_ == CountUnit::kRecipients, {}, {}};
  }
  bool CountsMessages() const override { return unit_ == CountUnit::kMessages; }

 private:
  CountUnit unit_;
};

}  // namespace

std::unique_ptr<RuleCounter> Volume(const VolumeParams& params) {
  return std::make_unique<VolumeCounter>(params.count);
}

}  // namespace relaywatch::detect::counters
