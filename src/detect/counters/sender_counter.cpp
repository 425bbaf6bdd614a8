// sender: an authenticated recipient whose envelope sender the login may not use.
#include "counters.h"
#include "relaywatch/core/same_bytes.h"
#include "relaywatch/detect/sender_policy.h"
#include "relaywatch/parse/address.h"

namespace relaywatch::detect::counters {
namespace {

class SenderCounter : public RuleCounter {
 public:
  SenderCounter(const SenderParams& params, const std::string& default_domain)
      : check_(params, default_domain) {}

  Counted OnDelivery(const Delivery& d) override {
    if (!d.authenticated || Allowed(d.key, d.sender)) return {};
    foreign_ = parse::NormalizeLogin(d.sender);
    return {true, {}, foreign_};
  }

 private:
  // A session's lines all ask about the same login and sender: the answer is kept.
  bool Allowed(std::string_view key, std::string_view sender) {
    // Most lines: the login sending as itself, which is allowed (SenderPolicyCheck::Allowed's
    // first answer), without copying either into the kept answer.
    if (core::SameBytes(key, sender)) return true;
    if (!known_ || !core::SameBytes(key, key_) || !core::SameBytes(sender, sender_)) {
      key_.assign(key);
      sender_.assign(sender);
      allowed_ = check_.Allowed(key, sender);
      known_ = true;
    }
    return allowed_;
  }

  SenderPolicyCheck check_;
  std::string key_, sender_, foreign_;
  bool allowed_ = false;
  bool known_ = false;
};

}  // namespace

std::unique_ptr<RuleCounter> Sender(const SenderParams& params, const std::string& default_domain) {
  return std::make_unique<SenderCounter>(params, default_domain);
}

}  // namespace relaywatch::detect::counters
