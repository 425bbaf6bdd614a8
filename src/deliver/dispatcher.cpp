#include "relaywatch/deliver/dispatcher.h"

#include <algorithm>
#include <chrono>

#include "relaywatch/core/text.h"

namespace relaywatch::deliver {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr core::Duration kFirstRetry = seconds(30);
constexpr core::Duration kMaxRetry = minutes(30);
// The longest sleep: the loop looks again at least this often (a clock step, a prune due).
constexpr core::Duration kMaxIdle = minutes(1);
constexpr core::Duration kPruneEvery = std::chrono::hours(1);

// ": detail" when the transport said something (already one escaped line: channel.h).
std::string Detail(const std::string& detail) {
  if (detail.empty()) return "";
  return ": " + detail;
}

}  // namespace

core::Duration RetryDelay(std::uint32_t failed_attempts) {
  core::Duration d = kFirstRetry;
  for (std::uint32_t i = 1; i < failed_attempts && d < kMaxRetry; ++i) d *= 2;
  return std::min(d, kMaxRetry);
}

Dispatcher::Dispatcher(store::Spool& spool, std::vector<DispatchChannel> channels,
                       DispatcherOptions options)
    : spool_(spool), options_(std::move(options)) {
  for (DispatchChannel& c : channels) {
    if (!c.channel) continue;
    const std::string name = c.channel->name();
    if (!store::IsValidChannelName(name)) {
      Log("error", "unable to send via channel " + core::EscapeForLog(name) +
                       ": the name is not a safe file name; ignoring the channel");
      continue;
    }
    auto slot = std::make_unique<Slot>(std::move(c.channel), name, c.max_per_hour);
    slot->counters.channel = name;
    // The cap goes on from the previous start or config: a daemon restarted (or crash-looping
    // under supervise) must not send a fresh hour's worth each time.
    slot->cap.Restore(spool_.LoadSendTimes(name));
    // The pending entries are read by the first pass, on the channel's thread; failed/ is only
    // listed, never opened.
    slot->counters.in_failed = spool_.Failed(name);
    slot->failed_read = std::chrono::steady_clock::now();
    slots_.push_back(std::move(slot));
  }
}

Dispatcher::~Dispatcher() { Stop(); }

core::Timestamp Dispatcher::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
}

void Dispatcher::Log(std::string_view level, const std::string& message) const {
  if (options_.log) options_.log(level, message);
}

template <typename F>
void Dispatcher::Count(Slot& slot, F f) {
  std::lock_guard lock(counters_mu_);
  f(slot.counters);
}

void Dispatcher::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stop_requested_) return;
  started_ = true;
  for (const std::unique_ptr<Slot>& slot : slots_) {
    slot->thread = std::thread([this, s = slot.get()] { Loop(*s); });
  }
}

void Dispatcher::Notify() {
  {
    std::lock_guard lock(mu_);
    for (const std::unique_ptr<Slot>& slot : slots_) slot->notified = true;
  }
  cv_.notify_all();
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  for (const std::unique_ptr<Slot>& slot : slots_) {
    if (slot->thread.joinable()) slot->thread.join();
  }
}

void Dispatcher::Loop(Slot& slot) {
  std::unique_lock lock(mu_);
  while (!stop_requested_) {
    slot.notified = false;
    lock.unlock();
    const std::optional<core::Timestamp> next = RunSlot(slot);
    lock.lock();
    if (stop_requested_ || slot.notified) continue;
    core::Duration wait = kMaxIdle;
    if (next) wait = std::clamp(*next - Now(), core::Duration::zero(), kMaxIdle);
    if (wait <= core::Duration::zero()) continue;
    cv_.wait_for(lock, wait, [this, &slot] { return stop_requested_ || slot.notified; });
  }
}

std::optional<core::Timestamp> Dispatcher::RunSlot(Slot& slot) {
  std::lock_guard run(slot.run_mu);
  if (stopping_) return std::nullopt;
  const core::Timestamp now = Now();
  std::uint64_t given_up = 0;
  Count(slot, [&given_up](ChannelCounters& c) { given_up = c.given_up; });
  std::optional<core::Timestamp> next = RunChannel(slot, now);
  Prune(slot, now);
  // failed/ as the status shows it: after a give-up at once, and once a second for the admin's
  // own moves; never from Counters(), which must not wait for the disk.
  const auto read_at = std::chrono::steady_clock::now();
  bool gave_up = false;
  Count(slot, [&](ChannelCounters& c) { gave_up = c.given_up != given_up; });
  if (gave_up || read_at - slot.failed_read >= std::chrono::seconds(1)) {
    const std::size_t in_failed = spool_.Failed(slot.name);
    slot.failed_read = read_at;
    Count(slot, [in_failed](ChannelCounters& c) { c.in_failed = in_failed; });
  }
  return next;
}

std::optional<core::Timestamp> Dispatcher::RunOnce() {
  std::optional<core::Timestamp> next;
  for (const std::unique_ptr<Slot>& slot : slots_) {
    if (stopping_) break;
    const std::optional<core::Timestamp> due = RunSlot(*slot);
    if (due && (!next || *due < *next)) next = due;
  }
  return next;
}

bool Dispatcher::TooOld(const store::SpoolEntry& e, core::Timestamp now) const {
  core::Timestamp since = e.first_spooled;
  // A digest's line times are those of the alerts it folded, which were judged already.
  if (e.alert.state != alerting::AlertState::kDigest) since = std::min(since, e.alert.finding.last);
  return now >= since && now - since >= options_.max_age;
}

void Dispatcher::SaveSendTimes(Slot& slot) {
  if (slot.max_per_hour == 0) return;
  if (core::Status saved = spool_.SaveSendTimes(slot.name, slot.cap.SendTimes()); !saved) {
    Log("warning",
        saved.error().message + "; after a restart this channel's hourly cap starts from zero");
  }
}

void Dispatcher::GiveUp(Slot& slot, const store::SpoolEntry& e, const std::string& message) {
  const std::string kept = spool_.ChannelDir(slot.name) + "/failed/" + e.alert.id;
  if (core::Status moved = spool_.GiveUp(slot.name, e.alert.id); !moved) {
    Log("error", message + "; " + moved.error().message + "; trying again at the next pass");
    return;
  }
  slot.admitted.erase(e.alert.id);
  Count(slot, [](ChannelCounters& c) { ++c.given_up; });
  Log("error", message + "; kept in " + core::EscapeForLog(kept));
}

void Dispatcher::MarkDone(Slot& slot, const std::string& id, core::Timestamp now) {
  if (core::Status removed = spool_.Remove(slot.name, id, now); !removed) {
    // Sent already: remember it here so this process does not send it again, and retry.
    slot.done.insert(id);
    Log("error", "unable to record alert " + id + " as sent via " + slot.name + ": " +
                     removed.error().message + "; trying again at the next pass");
    return;
  }
  slot.done.erase(id);
  slot.admitted.erase(id);
}

void Dispatcher::SpoolDigestIfDue(Slot& slot, core::Timestamp now) {
  if (slot.held.empty()) return;
  std::optional<alerting::Alert> digest = slot.cap.TakeDigest(now);
  if (!digest) return;
  SaveSendTimes(slot);
  const std::size_t n = slot.held.size();
  if (core::Status put = spool_.Put(slot.name, *digest, now); !put) {
    // The held alerts are still in the spool: they go through the cap again, nothing is lost.
    Log("error", "unable to spool digest " + digest->id + " via " + slot.name + ": " +
                     put.error().message + "; its " + std::to_string(n) +
                     " alerts will be tried again");
    slot.held.clear();
    return;
  }
  for (const std::string& id : slot.held) MarkDone(slot, id, now);
  slot.held.clear();
  Count(slot, [](ChannelCounters& c) { ++c.digests; });
  Log("info", "spooled digest " + digest->id + " via " + slot.name + " for " + std::to_string(n) +
                  " held alerts");
}

std::optional<core::Timestamp> Dispatcher::RunChannel(Slot& slot, core::Timestamp now) {
  SpoolDigestIfDue(slot, now);
  std::optional<core::Timestamp> next;
  auto consider = [&next](core::Timestamp t) {
    if (!next || t < *next) next = t;
  };
  const std::string max_age = core::FormatDuration(options_.max_age);
  const std::vector<store::SpoolEntry> entries = spool_.List(slot.name);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const store::SpoolEntry& e = entries[i];
    if (stopping_) return now;
    const std::string& id = e.alert.id;
    if (slot.held.count(id) != 0) continue;
    if (slot.done.count(id) != 0) {
      MarkDone(slot, id, now);
      continue;
    }
    if (TooOld(e, now)) {
      if (e.attempts > 0) {
        GiveUp(slot, e,
               "giving up on alert " + id + " via " + slot.name +
                   ": not delivered within alerts.max_age (" + max_age + "); last error" +
                   (e.last_error.empty() ? ": none" : Detail(e.last_error)));
      } else {
        GiveUp(slot, e,
               "not sending alert " + id + " via " + slot.name +
                   ": it is older than alerts.max_age (" + max_age + ")");
      }
      continue;
    }
    if (e.next_attempt > now) {
      consider(e.next_attempt);
      continue;
    }
    if (e.alert.state != alerting::AlertState::kDigest && slot.admitted.count(id) == 0) {
      if (slot.cap.Admit(now, e.alert) == alerting::RateCap::Decision::kFold) {
        slot.held.insert(id);
        Count(slot, [](ChannelCounters& c) { ++c.folded; });
        Log("info", "holding alert " + id + " via " + slot.name + " for a digest: max_per_hour (" +
                        std::to_string(slot.max_per_hour) + ") reached");
        continue;
      }
      slot.admitted.insert(id);
      SaveSendTimes(slot);
    }

    const DeliveryResult r = slot.channel->Deliver(e.alert, now);
    if (r.status == DeliveryStatus::kOk) {
      MarkDone(slot, id, now);
      Count(slot, [](ChannelCounters& c) { ++c.sent; });
      Log("info", "delivered alert " + id + " via " + slot.name + Detail(r.detail));
    } else if (r.status == DeliveryStatus::kPermanent) {
      GiveUp(
          slot, e,
          "unable to deliver alert " + id + " via " + slot.name + Detail(r.detail) + "; giving up");
    } else {
      const std::uint32_t attempts = e.attempts + 1;
      const core::Duration delay = RetryDelay(attempts);
      // From when it failed: an attempt that ran to its timeout must not eat the wait.
      const core::Timestamp failed_at = std::max(now, Now());
      Count(slot, [](ChannelCounters& c) { ++c.failed; });
      Log("warning", "unable to deliver alert " + id + " via " + slot.name + Detail(r.detail) +
                         "; retrying in " + core::FormatDuration(delay));
      if (core::Status s = spool_.Reschedule(slot.name, id, attempts, failed_at + delay, r.detail);
          !s) {
        Log("error", s.error().message);
      }
      consider(failed_at + delay);
      // The rest of this channel waits for the next pass, after the other channels had theirs.
      for (std::size_t j = i + 1; j < entries.size(); ++j) {
        if (slot.held.count(entries[j].alert.id) == 0) {
          consider(std::max(entries[j].next_attempt, now));
        }
      }
      break;
    }
  }
  if (std::optional<core::Timestamp> digest_due = slot.cap.DigestDueAt()) {
    consider(std::max(*digest_due, now));
  }
  Count(slot, [&slot](ChannelCounters& c) { c.held = slot.held.size(); });
  return next;
}

void Dispatcher::Prune(Slot& slot, core::Timestamp now) {
  if (slot.last_prune && now >= *slot.last_prune && now - *slot.last_prune < kPruneEvery) return;
  slot.last_prune = now;
  // Markers outlive every replay that could re-spool their alert: those are within max_age.
  spool_.Prune(slot.name, now - 2 * options_.max_age);
}

std::vector<ChannelCounters> Dispatcher::Counters() const {
  std::vector<ChannelCounters> out;
  {
    std::lock_guard lock(counters_mu_);
    for (const std::unique_ptr<Slot>& slot : slots_) out.push_back(slot->counters);
  }
  for (ChannelCounters& c : out) c.pending = spool_.PendingNow(c.channel);
  return out;
}

}  // namespace relaywatch::deliver
