#include "relaywatch/deliver/exit_status.h"

namespace relaywatch::deliver {

DeliveryStatus StatusOfChild(const ChildOutcome& outcome) {
  switch (outcome.end) {
    case ChildEnd::kExited:
      if (outcome.code == 0) return DeliveryStatus::kOk;
      if (outcome.code == kExitQmailTemporary || outcome.code == kExitTempFail ||
          outcome.code == kExitIoErr || outcome.code == kExitOsErr) {
        return DeliveryStatus::kTemporary;
      }
      return DeliveryStatus::kPermanent;
    case ChildEnd::kSignaled:
    case ChildEnd::kTimedOut:
    case ChildEnd::kNotStarted:
      return DeliveryStatus::kTemporary;
  }
  return DeliveryStatus::kTemporary;
}

DeliveryResult ResultOfChild(const ChildRequest& request, const ChildOutcome& outcome) {
  return DeliveryResult{StatusOfChild(outcome), DescribeOutcome(request, outcome)};
}

}  // namespace relaywatch::deliver
