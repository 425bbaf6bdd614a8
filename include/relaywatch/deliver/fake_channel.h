// FakeChannel: a Channel for tests of the dispatcher and the daemon. It records every Deliver
// call and fails chosen calls on demand, in the spirit of Beast's test::fail_count.
//
// By default every call succeeds (kOk) and the Alert lands in delivered(). FailCall(n, ...) makes
// the n-th call (1-based, counting every call since construction) fail; FailNext(k, ...) makes
// the next k calls fail. A failed call is recorded in attempts() but not in delivered(). All
// members are safe to use from the dispatcher's thread and the test's thread at once.
#ifndef RELAYWATCH_DELIVER_FAKE_CHANNEL_H_
#define RELAYWATCH_DELIVER_FAKE_CHANNEL_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "relaywatch/deliver/channel.h"

namespace relaywatch::deliver {

class FakeChannel final : public Channel {
 public:
  struct Attempt {
    alerting::Alert alert;
    core::Timestamp now;
    DeliveryResult result;
  };

  explicit FakeChannel(std::string name = "fake") : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }

  DeliveryResult Deliver(const alerting::Alert& alert, core::Timestamp now) override {
    std::lock_guard lock(mu_);
    ++calls_;
    DeliveryResult result{DeliveryStatus::kOk, "delivered by fake channel " + name_};
    if (auto it = fail_at_.find(calls_); it != fail_at_.end()) {
      result = it->second;
      fail_at_.erase(it);
    } else if (fail_next_ > 0) {
      --fail_next_;
      result = fail_next_result_;
    }
    attempts_.push_back(Attempt{alert, now, result});
    if (result.status == DeliveryStatus::kOk) delivered_.push_back(alert);
    return result;
  }

  // The `n`-th call (1-based, counting all calls so far and to come) returns {status, detail}.
  void FailCall(std::uint64_t n, DeliveryStatus status, std::string detail = "injected failure") {
    std::lock_guard lock(mu_);
    fail_at_[n] = DeliveryResult{status, std::move(detail)};
  }

  // The next `k` calls (after any FailCall'ed one) return {status, detail}.
  void FailNext(std::uint64_t k, DeliveryStatus status, std::string detail = "injected failure") {
    std::lock_guard lock(mu_);
    fail_next_ = k;
    fail_next_result_ = DeliveryResult{status, std::move(detail)};
  }

  std::uint64_t calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // The Alerts of the calls that returned kOk, in call order.
  std::vector<alerting::Alert> delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  // Every call, in order, with what it returned.
  std::vector<Attempt> attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  const std::string name_;
  mutable std::mutex mu_;
  std::uint64_t calls_ = 0;
  std::map<std::uint64_t, DeliveryResult> fail_at_;
  std::uint64_t fail_next_ = 0;
  DeliveryResult fail_next_result_;
  std::vector<alerting::Alert> delivered_;
  std::vector<Attempt> attempts_;
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_FAKE_CHANNEL_H_
