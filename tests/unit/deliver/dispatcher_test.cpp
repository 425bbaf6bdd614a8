#include "relaywatch/deliver/dispatcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/alerting/test_alert.h"
#include "relaywatch/deliver/fake_channel.h"
#include "test_files.h"

namespace relaywatch::deliver {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Exists;
using testing::TempDir;

// Wall time when the first alert is spooled: 2026-11-28T03:20:00Z.
const core::Timestamp kT0 = core::Timestamp(seconds(1795836000));

alerting::Alert Volume(const std::string& key, core::Timestamp last = kT0 - minutes(2)) {
  alerting::Alert a;
  a.host = "mx1.example.com";
  a.finding.rule = "hourly-volume";
  a.finding.kind = detect::RuleKind::kVolume;
  a.finding.key = key;
  a.finding.count = 612;
  a.finding.limit = 500;
  a.finding.window = hours(1);
  a.finding.first = last - minutes(40);
  a.finding.last = last;
  a.finding.service = "submission";
  a.id = alerting::MakeAlertId(a.finding.rule, key, last);
  return a;
}

// A spool, a fake clock and a log, with one Dispatcher at a time over them.
class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { spool_ = std::make_unique<store::Spool>(dir_.path(), LogTo()); }

  store::LogFn LogTo() {
    return [this](std::string_view level, std::string_view message) {
      std::lock_guard lock(log_mu_);
      log_.push_back(std::string(level) + ": " + std::string(message));
      log_cv_.notify_all();
    };
  }

  std::unique_ptr<Dispatcher> Make(std::vector<DispatchChannel> channels,
                                   core::Duration max_age = hours(48), bool real_clock = false) {
    DispatcherOptions o;
    o.max_age = max_age;
    if (!real_clock) o.clock = [this] { return now_; };
    o.log = LogTo();
    return std::make_unique<Dispatcher>(*spool_, std::move(channels), std::move(o));
  }

  // Simulates a restart: a new Spool over the same directory.
  void Restart() { spool_ = std::make_unique<store::Spool>(dir_.path(), LogTo()); }

  std::vector<std::string> Log() {
    std::lock_guard lock(log_mu_);
    return log_;
  }
  void ClearLog() {
    std::lock_guard lock(log_mu_);
    log_.clear();
  }
  std::string Failed(const std::string& channel, const std::string& id) {
    return dir_ / ("spool/" + channel + "/failed/" + id);
  }

  TempDir dir_;
  std::unique_ptr<store::Spool> spool_;
  core::Timestamp now_ = kT0;
  std::mutex log_mu_;
  std::condition_variable log_cv_;
  std::vector<std::string> log_;
};

std::vector<std::string> Keys(const std::vector<alerting::Alert>& alerts) {
  std::vector<std::string> out;
  for (const alerting::Alert& a : alerts) out.push_back(a.finding.key);
  return out;
}

TEST(RetryDelayTest, DoublesFromThirtySecondsUpToHalfAnHour) {
  EXPECT_EQ(RetryDelay(0), seconds(30));
  EXPECT_EQ(RetryDelay(1), seconds(30));
  EXPECT_EQ(RetryDelay(2), minutes(1));
  EXPECT_EQ(RetryDelay(3), minutes(2));
  EXPECT_EQ(RetryDelay(4), minutes(4));
  EXPECT_EQ(RetryDelay(5), minutes(8));
  EXPECT_EQ(RetryDelay(6), minutes(16));
  EXPECT_EQ(RetryDelay(7), minutes(30));
  EXPECT_EQ(RetryDelay(4000000000u), minutes(30));
}

TEST_F(DispatcherTest, DeliversASpooledAlertAndTakesItOutOfTheSpool) {
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 20}});
  const alerting::Alert a = Volume("bob@example.com");
  ASSERT_TRUE(spool_->Put("phone", a, kT0));
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  ASSERT_EQ(phone->delivered().size(), 1u);
  EXPECT_EQ(phone->delivered()[0].id, a.id);
  EXPECT_EQ(phone->attempts()[0].now, kT0);
  EXPECT_EQ(spool_->Pending("phone"), 0u);
  EXPECT_TRUE(Exists(dir_ / ("spool/phone/sent/" + a.id)));
  EXPECT_EQ(Log(), std::vector<std::string>{"info: delivered alert " + a.id +
                                            " via phone: delivered by fake channel phone"});
  const std::vector<ChannelCounters> c = d->Counters();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].channel, "phone");
  EXPECT_EQ(c[0].sent, 1u);
  EXPECT_EQ(c[0].pending, 0u);
}

TEST_F(DispatcherTest, NeverLosesAnAlertWhenTheChannelFailsNTimesThenRecovers) {
  auto phone = std::make_shared<FakeChannel>("phone");
  phone->FailNext(5, DeliveryStatus::kTemporary, "421 4.3.0 try later");
  auto d = Make({{phone, 20}});
  const alerting::Alert a = Volume("bob@example.com");
  ASSERT_TRUE(spool_->Put("phone", a, kT0));

  std::vector<core::Duration> waits;
  for (int pass = 0; pass < 10; ++pass) {
    std::optional<core::Timestamp> next = d->RunOnce();
    if (!next) break;
    waits.push_back(*next - now_);
    std::vector<store::SpoolEntry> pending = spool_->List("phone");
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].attempts, static_cast<std::uint32_t>(pass + 1));
    EXPECT_EQ(pending[0].last_error, "421 4.3.0 try later");
    now_ = *next;
  }
  EXPECT_EQ(waits, (std::vector<core::Duration>{seconds(30), minutes(1), minutes(2), minutes(4),
                                                minutes(8)}));
  EXPECT_EQ(phone->calls(), 6u);
  ASSERT_EQ(phone->delivered().size(), 1u);
  EXPECT_EQ(phone->delivered()[0].id, a.id);
  EXPECT_EQ(spool_->Pending("phone"), 0u);
  const std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0], "warning: unable to deliver alert " + a.id +
                        " via phone: 421 4.3.0 try later; retrying in 30s");
  EXPECT_EQ(log[4], "warning: unable to deliver alert " + a.id +
                        " via phone: 421 4.3.0 try later; retrying in 8m");
  const ChannelCounters c = d->Counters()[0];
  EXPECT_EQ(c.failed, 5u);
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.given_up, 0u);
}

TEST_F(DispatcherTest, ARestartedDispatcherSendsWhatWasPendingFirstOldestFirst) {
  {
    auto down = std::make_shared<FakeChannel>("phone");
    down->FailNext(100, DeliveryStatus::kTemporary, "connection refused");
    auto d = Make({{down, 20}});
    ASSERT_TRUE(spool_->Put("phone", Volume("first@example.com"), kT0));
    ASSERT_TRUE(spool_->Put("phone", Volume("second@example.com"), kT0 + seconds(1)));
    now_ = kT0 + seconds(2);
    // The first fails; the channel's pass ends there and asks to come back at once.
    EXPECT_EQ(d->RunOnce(), now_);
    EXPECT_EQ(down->calls(), 1u);
  }  // the daemon dies
  Restart();
  now_ = kT0 + minutes(5);
  ASSERT_TRUE(spool_->Put("phone", Volume("third@example.com"), now_));
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 20}});
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  EXPECT_EQ(
      Keys(phone->delivered()),
      (std::vector<std::string>{"first@example.com", "second@example.com", "third@example.com"}));
  EXPECT_EQ(spool_->Pending("phone"), 0u);
}

TEST_F(DispatcherTest, GivesUpOnAPermanentFailureAndKeepsTheAlertForTheAdmin) {
  auto phone = std::make_shared<FakeChannel>("phone");
  phone->FailCall(1, DeliveryStatus::kPermanent, "550 5.1.1 no such user");
  auto d = Make({{phone, 20}});
  const alerting::Alert a = Volume("bob@example.com");
  const alerting::Alert b = Volume("suzy@example.com");
  ASSERT_TRUE(spool_->Put("phone", a, kT0));
  ASSERT_TRUE(spool_->Put("phone", b, kT0 + seconds(1)));
  now_ = kT0 + seconds(1);
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  EXPECT_EQ(Keys(phone->delivered()), std::vector<std::string>{"suzy@example.com"});
  EXPECT_TRUE(Exists(Failed("phone", a.id)));
  EXPECT_EQ(Log()[0], "error: unable to deliver alert " + a.id +
                          " via phone: 550 5.1.1 no such user; giving up; kept in " +
                          Failed("phone", a.id));
  // Replayed after a crash: not tried again.
  ASSERT_TRUE(spool_->Put("phone", a, now_));
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  EXPECT_EQ(phone->calls(), 2u);
  EXPECT_EQ(d->Counters()[0].given_up, 1u);
  EXPECT_EQ(d->Counters()[0].in_failed, 1u);
  // After a restart the count of this start is 0, but failed/ still shows the lost alert.
  d.reset();
  Restart();
  auto again = Make({{phone, 20}});
  EXPECT_EQ(again->Counters()[0].given_up, 0u);
  EXPECT_EQ(again->Counters()[0].in_failed, 1u);
}

TEST_F(DispatcherTest, GivesUpRetryingOnceAnAlertIsOlderThanMaxAge) {
  auto phone = std::make_shared<FakeChannel>("phone");
  phone->FailNext(100, DeliveryStatus::kTemporary, "421 try later");
  auto d = Make({{phone, 20}}, minutes(10));
  const alerting::Alert a = Volume("bob@example.com", kT0);
  ASSERT_TRUE(spool_->Put("phone", a, kT0));
  for (int pass = 0; pass < 20; ++pass) {
    std::optional<core::Timestamp> next = d->RunOnce();
    if (!next) break;
    now_ = *next;
  }
  // Tried at 0, 30s, 1m30s, 3m30s, 7m30s; at 15m30s it is past max_age.
  EXPECT_EQ(phone->calls(), 5u);
  EXPECT_EQ(now_, kT0 + minutes(15) + seconds(30));
  EXPECT_EQ(spool_->Pending("phone"), 0u);
  EXPECT_TRUE(Exists(Failed("phone", a.id)));
  EXPECT_EQ(Log().back(), "error: giving up on alert " + a.id +
                              " via phone: not delivered within alerts.max_age (10m); last error: "
                              "421 try later; kept in " +
                              Failed("phone", a.id));
  EXPECT_EQ(d->Counters()[0].given_up, 1u);
}

TEST_F(DispatcherTest, DoesNotPageAnAlertWhoseLinesAreOlderThanMaxAge) {
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 20}}, hours(48));
  const alerting::Alert old = Volume("bob@example.com", kT0 - hours(72));  // a warm start replay
  ASSERT_TRUE(spool_->Put("phone", old, kT0));
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  EXPECT_EQ(phone->calls(), 0u);
  EXPECT_TRUE(Exists(Failed("phone", old.id)));
  EXPECT_EQ(Log(), std::vector<std::string>{"error: not sending alert " + old.id +
                                            " via phone: it is older than alerts.max_age (2d); "
                                            "kept in " +
                                            Failed("phone", old.id)});
}

TEST_F(DispatcherTest, FoldsTheOverflowIntoOneDigestAndDropsNothing) {
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 2}});
  std::vector<alerting::Alert> alerts;
  for (int i = 0; i < 5; ++i) {
    alerts.push_back(Volume("u" + std::to_string(i) + "@example.com"));
    ASSERT_TRUE(spool_->Put("phone", alerts.back(), kT0 + seconds(i)));
  }
  now_ = kT0 + seconds(10);
  // Two go out; three are held until the first send leaves the sliding hour.
  EXPECT_EQ(d->RunOnce(), now_ + hours(1));
  EXPECT_EQ(Keys(phone->delivered()),
            (std::vector<std::string>{"u0@example.com", "u1@example.com"}));
  ChannelCounters c = d->Counters()[0];
  EXPECT_EQ(c.pending, 3u);
  EXPECT_EQ(c.held, 3u);
  EXPECT_EQ(c.folded, 3u);
  // Nothing due before then: a pass changes nothing.
  now_ += minutes(30);
  EXPECT_EQ(d->RunOnce(), kT0 + seconds(10) + hours(1));
  EXPECT_EQ(phone->calls(), 2u);

  now_ = kT0 + seconds(10) + hours(1);
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  const std::vector<alerting::Alert> sent = phone->delivered();
  ASSERT_EQ(sent.size(), 3u);
  const alerting::Alert& digest = sent[2];
  EXPECT_EQ(digest.state, alerting::AlertState::kDigest);
  EXPECT_EQ(digest.digest_count, 3u);
  for (int i = 2; i < 5; ++i) {
    EXPECT_NE(digest.digest_text.find("u" + std::to_string(i) + "@example.com"), std::string::npos)
        << digest.digest_text;
  }
  EXPECT_EQ(spool_->Pending("phone"), 0u);
  for (const alerting::Alert& a : alerts) {
    EXPECT_TRUE(Exists(dir_ / ("spool/phone/sent/" + a.id))) << a.id;
  }
  EXPECT_TRUE(Exists(dir_ / ("spool/phone/sent/" + digest.id)));
  c = d->Counters()[0];
  EXPECT_EQ(c.sent, 3u);
  EXPECT_EQ(c.digests, 1u);
  EXPECT_EQ(c.held, 0u);
}

TEST_F(DispatcherTest, ARestartKeepsTheCapAndWhatItHeldGoesIntoTheDigest) {
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 2}});
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        spool_->Put("phone", Volume("u" + std::to_string(i) + "@example.com"), kT0 + seconds(i)));
  }
  now_ = kT0 + seconds(10);
  EXPECT_EQ(d->RunOnce(), now_ + hours(1));
  EXPECT_EQ(phone->calls(), 2u);
  // svc -t (or a crash loop, or a reload) a minute later: the hour's two sends still count.
  d.reset();
  Restart();
  now_ += minutes(1);
  d = Make({{phone, 2}});
  EXPECT_EQ(d->RunOnce(), kT0 + seconds(10) + hours(1));
  EXPECT_EQ(phone->calls(), 2u);
  EXPECT_EQ(d->Counters()[0].held, 3u);
  now_ = kT0 + seconds(10) + hours(1);
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  ASSERT_EQ(phone->delivered().size(), 3u);
  EXPECT_EQ(phone->delivered()[2].state, alerting::AlertState::kDigest);
  EXPECT_EQ(phone->delivered()[2].digest_count, 3u);
}

TEST_F(DispatcherTest, ADamagedSendTimesFileStartsTheCapFromZeroAndSaysSo) {
  auto phone = std::make_shared<FakeChannel>("phone");
  std::filesystem::create_directories(dir_ / "spool/phone");
  testing::WriteFile(dir_ / "spool/phone/send-times", "1795836000000000000\nnot a time\n");
  auto d = Make({{phone, 2}});
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(spool_->Put("phone", Volume("u" + std::to_string(i) + "@example.com"), kT0));
  }
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  EXPECT_EQ(phone->delivered().size(), 2u);
  EXPECT_EQ(Log()[0], "warning: ignoring " + (dir_ / "spool/phone/send-times") +
                          ": not one time per line; this channel's hourly cap starts from zero");
}

TEST_F(DispatcherTest, DeliversTheSameAlertSpooledTwiceOnce) {
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 20}});
  const alerting::Alert a = Volume("bob@example.com");
  ASSERT_TRUE(spool_->Put("phone", a, kT0));
  ASSERT_TRUE(spool_->Put("phone", a, kT0 + seconds(1)));
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  // The daemon crashed before its checkpoint and replays the line: same id again.
  Restart();
  auto again = Make({{phone, 20}});
  ASSERT_TRUE(spool_->Put("phone", a, kT0 + seconds(2)));
  EXPECT_EQ(again->RunOnce(), std::nullopt);
  EXPECT_EQ(phone->calls(), 1u);
}

TEST_F(DispatcherTest, AChannelThatIsDownDoesNotHoldUpTheOthers) {
  auto phone = std::make_shared<FakeChannel>("phone");
  phone->FailNext(100, DeliveryStatus::kTemporary, "connect to 192.0.2.1:25: timed out");
  auto admins = std::make_shared<FakeChannel>("admins");
  auto d = Make({{phone, 20}, {admins, 20}});
  for (const char* key : {"a@example.com", "b@example.com"}) {
    ASSERT_TRUE(spool_->Put("phone", Volume(key), kT0));
    ASSERT_TRUE(spool_->Put("admins", Volume(key), kT0));
  }
  EXPECT_EQ(d->RunOnce(), kT0);  // phone has another due entry: come back at once
  EXPECT_EQ(phone->calls(), 1u);
  EXPECT_EQ(admins->delivered().size(), 2u);
  EXPECT_EQ(d->RunOnce(), kT0 + seconds(30));  // phone's second entry failed too
  EXPECT_EQ(phone->calls(), 2u);
  EXPECT_EQ(spool_->Pending("phone"), 2u);
}

// A mail server that accepts the connection and never answers: each attempt runs to its timeout
// (moving the test's clock by it) and fails temporarily.
class TimingOutChannel final : public Channel {
 public:
  TimingOutChannel(core::Timestamp& now, core::Duration timeout) : now_(now), timeout_(timeout) {}
  const std::string& name() const override { return name_; }
  DeliveryResult Deliver(const alerting::Alert&, core::Timestamp) override {
    ++calls;
    now_ += timeout_;
    return {DeliveryStatus::kTemporary, "read from 192.0.2.1:25: timed out"};
  }
  int calls = 0;

 private:
  const std::string name_ = "mail";
  core::Timestamp& now_;
  const core::Duration timeout_;
};

TEST_F(DispatcherTest, TheRetryWaitCountsFromWhenTheAttemptFailed) {
  auto mail = std::make_shared<TimingOutChannel>(now_, seconds(30));
  auto d = Make({{mail, 20}});
  ASSERT_TRUE(spool_->Put("mail", Volume("a@example.com"), kT0));
  EXPECT_EQ(d->RunOnce(), kT0 + seconds(60));  // failed at +30s, then the 30s wait
  EXPECT_EQ(mail->calls, 1);
  EXPECT_EQ(d->RunOnce(), kT0 + seconds(60));  // at +30s: not again at once
  EXPECT_EQ(mail->calls, 1);
  now_ = kT0 + seconds(60);
  EXPECT_EQ(d->RunOnce(), kT0 + seconds(150));  // failed at +90s, then 1m
  EXPECT_EQ(mail->calls, 2);
}

// A channel whose Deliver blocks until the test releases it: a mail server that hangs.
class HangingChannel final : public Channel {
 public:
  const std::string& name() const override { return name_; }
  DeliveryResult Deliver(const alerting::Alert&, core::Timestamp) override {
    std::unique_lock lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
    return {DeliveryStatus::kTemporary, "timed out"};
  }
  bool WaitEntered() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [this] { return entered_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  const std::string name_ = "mail";
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
};

TEST_F(DispatcherTest, AHangingChannelDoesNotDelayTheOthers) {
  auto mail = std::make_shared<HangingChannel>();
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{mail, 20}, {phone, 20}}, hours(48), /*real_clock=*/true);
  const core::Timestamp wall =
      std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
  const alerting::Alert a = Volume("suzy@example.com", wall);
  ASSERT_TRUE(spool_->Put("mail", a, wall));
  ASSERT_TRUE(spool_->Put("phone", a, wall));
  d->Start();
  d->Notify();
  ASSERT_TRUE(mail->WaitEntered());
  {
    // The SMS goes out while the mail server still hangs.
    std::unique_lock lock(log_mu_);
    EXPECT_TRUE(log_cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      for (const std::string& line : log_) {
        if (line.rfind("info: delivered alert " + a.id + " via phone", 0) == 0) return true;
      }
      return false;
    }));
  }
  EXPECT_EQ(phone->delivered().size(), 1u);
  mail->Release();
  d->Stop();
  EXPECT_EQ(spool_->Pending("mail"), 1u);  // still to retry, never lost
}

TEST_F(DispatcherTest, SendsATestAlertEvenWhenTheCapIsReached) {
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 1}});
  ASSERT_TRUE(spool_->Put("phone", Volume("a@example.com"), kT0));
  ASSERT_TRUE(spool_->Put("phone", alerting::MakeTestAlert("mx1", "phone", kT0), kT0));
  EXPECT_EQ(d->RunOnce(), std::nullopt);
  EXPECT_EQ(phone->delivered().size(), 2u);
}

TEST_F(DispatcherTest, SkipsAChannelWhoseNameIsNotASafeFileName) {
  auto bad = std::make_shared<FakeChannel>("../x");
  auto d = Make({{bad, 20}});
  EXPECT_TRUE(d->Counters().empty());
  EXPECT_EQ(Log(), std::vector<std::string>{"error: unable to send via channel ../x: the name is "
                                            "not a safe file name; ignoring the channel"});
}

TEST_F(DispatcherTest, TheThreadSendsWhenNotifiedAndStopsPromptly) {
  auto phone = std::make_shared<FakeChannel>("phone");
  auto d = Make({{phone, 20}}, hours(48), /*real_clock=*/true);
  d->Start();
  // Idle now: it would sleep a minute unless woken.
  const core::Timestamp wall =
      std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
  const alerting::Alert a = Volume("bob@example.com", wall);
  ASSERT_TRUE(spool_->Put("phone", a, wall));
  d->Notify();
  {
    std::unique_lock lock(log_mu_);
    const bool delivered = log_cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      return !log_.empty() && log_.back().rfind("info: delivered alert " + a.id, 0) == 0;
    });
    ASSERT_TRUE(delivered);
  }
  const auto before = std::chrono::steady_clock::now();
  d->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  EXPECT_EQ(phone->delivered().size(), 1u);
  d->Stop();  // again: nothing
}

}  // namespace
}  // namespace relaywatch::deliver
