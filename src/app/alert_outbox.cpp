#include "relaywatch/app/alert_outbox.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "relaywatch/app/local_zone.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/core/text.h"
#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/dispatcher.h"
#include "relaywatch/store/checkpoint_store.h"
#include "relaywatch/store/spool.h"

namespace relaywatch::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Clock::duration kFirstRetry = std::chrono::seconds(1);
constexpr Clock::duration kMaxRetry = std::chrono::seconds(10);
constexpr Clock::duration kReadSpoolAtStart = std::chrono::seconds(2);

core::Timestamp WallNow() {
  return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
}

std::vector<std::string> ChannelNames(const config::Config& config) {
  std::vector<std::string> out;
  for (const config::ChannelConfig& cc : config.alerts.channels) out.push_back(cc.name);
  return out;
}

std::string Plural(std::size_t n, std::string_view what) {
  return std::to_string(n) + " " + std::string(what) + (n == 1 ? "" : "s");
}

}  // namespace

class AlertOutbox::Impl {
 public:
  // One item of the queue, handled by the writer thread in order.
  struct Task {
    enum class Kind { kAlert, kCheckpoint, kReconfigure } kind = Kind::kAlert;
    // An alert's number; for a checkpoint, the number of the next alert: it waits for all below.
    std::uint64_t seq = 0;
    alerting::Alert alert;
    std::vector<std::string> channels;
    std::unique_ptr<state::Checkpoint> checkpoint;
    std::unique_ptr<config::Config> config;
  };
  // An alert with the channels whose spool does not have it yet. Writer thread only.
  struct Unspooled {
    std::uint64_t seq = 0;
    alerting::Alert alert;
    std::vector<std::string> channels;
  };
  struct Waiting {
    std::unique_ptr<state::Checkpoint> checkpoint;
    std::uint64_t needs_below = 0;  // every alert numbered below is spooled first
    bool said = false;              // the log told that it waits
  };

  Impl(const config::Config& config, Log log)
      : log_(std::move(log)),
        state_dir_(config.state_dir),
        spool_(config.state_dir, log_),
        channel_names_(ChannelNames(config)),
        dispatcher_(MakeDispatcher(config)) {}

  std::shared_ptr<deliver::Dispatcher> MakeDispatcher(const config::Config& config) {
    std::vector<deliver::DispatchChannel> channels;
    core::LocalZone zone = SystemLocalZone();
    for (const config::ChannelConfig& cc : config.alerts.channels) {
      for (const std::string& warning : deliver::ChannelFileWarnings(cc)) log_("warning", warning);
      channels.push_back({std::shared_ptr<deliver::Channel>(deliver::MakeChannel(cc, zone)),
                          cc.max_per_hour.value_or(config.alerts.max_per_hour)});
    }
    deliver::DispatcherOptions opts;
    opts.max_age = config.alerts.max_age;
    opts.log = log_;
    return std::make_shared<deliver::Dispatcher>(spool_, std::move(channels), opts);
  }

  std::shared_ptr<deliver::Dispatcher> dispatcher() const {
    std::lock_guard lock(dispatcher_mu_);
    return dispatcher_;
  }

  // ---- the reading thread's side: queue and return, no I/O under any lock taken here.

  void Put(const alerting::Alert& alert) {
    {
      std::lock_guard lock(mu_);
      if (channel_names_.empty()) return;
      Task t;
      t.kind = Task::Kind::kAlert;
      t.seq = next_seq_++;
      t.alert = alert;
      t.channels = channel_names_;
      CountUnspooled(t.channels, +1);
      tasks_.push_back(std::move(t));
    }
    unspooled_ += 1;
    cv_.notify_one();
  }

  void Commit(state::Checkpoint checkpoint) {
    {
      std::lock_guard lock(mu_);
      Task t;
      t.kind = Task::Kind::kCheckpoint;
      t.seq = next_seq_;
      t.checkpoint = std::make_unique<state::Checkpoint>(std::move(checkpoint));
      committing_ = true;
      tasks_.push_back(std::move(t));
    }
    cv_.notify_one();
  }

  void Reconfigure(const config::Config& config) {
    {
      std::lock_guard lock(mu_);
      channel_names_ = ChannelNames(config);
      Task t;
      t.kind = Task::Kind::kReconfigure;
      t.config = std::make_unique<config::Config>(config);
      tasks_.push_back(std::move(t));
    }
    cv_.notify_one();
  }

  // Under mu_ or not: counts_mu_ is the innermost lock.
  void CountUnspooled(const std::vector<std::string>& channels, int delta) {
    std::lock_guard lock(counts_mu_);
    for (const std::string& ch : channels) {
      std::size_t& n = unspooled_by_channel_[ch];
      n = delta > 0 ? n + 1 : (n > 0 ? n - 1 : 0);
    }
  }

  std::size_t UnspooledVia(const std::string& channel) const {
    std::lock_guard lock(counts_mu_);
    auto it = unspooled_by_channel_.find(channel);
    return it == unspooled_by_channel_.end() ? 0 : it->second;
  }

  // ---- the writer thread.

  void set_claim_gate(ClaimGate gate) { gate_ = std::move(gate); }

  void Start() {
    started_ = true;
    dispatcher()->Start();
    saver_ = std::thread([this] { Save(); });
    writer_ = std::thread([this] { Run(); });
    // The status counts what an earlier run left pending from the start on; but a spool that
    // does not answer must not keep the daemon from reading.
    std::unique_lock lock(mu_);
    ready_cv_.wait_for(lock, kReadSpoolAtStart, [this] { return ready_; });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (writer_.joinable()) writer_.join();
    // The writer has handed over its last checkpoint: the saver writes it, then ends.
    {
      std::lock_guard lock(save_mu_);
      save_stop_ = true;
    }
    save_cv_.notify_one();
    if (saver_.joinable()) saver_.join();
    dispatcher()->Stop();
  }

  void Run() {
    std::unique_lock lock(mu_);
    const std::vector<std::string> channels = channel_names_;
    lock.unlock();
    for (const std::string& ch : channels) spool_.Pending(ch);
    lock.lock();
    ready_ = true;
    ready_cv_.notify_all();
    while (true) {
      if (tasks_.empty() && !stop_) {
        auto woken = [this] { return stop_ || !tasks_.empty(); };
        if (held_.empty()) {
          cv_.wait(lock, woken);
        } else {
          cv_.wait_until(lock, retry_at_, woken);
        }
      }
      std::deque<Task> batch;
      batch.swap(tasks_);
      const bool stopping = stop_;
      lock.unlock();
      Handle(batch, stopping);
      lock.lock();
      if (stopping && tasks_.empty()) break;
    }
    lock.unlock();
    if (!held_.empty()) {
      log_("error", "stopping with " + Plural(held_.size(), "alert") + " not in the spool (" +
                        last_error_ +
                        "); the checkpoint stays at the last one written before them, so the "
                        "next start reads their lines again and spools them");
    }
  }

  void Handle(std::deque<Task>& batch, bool stopping) {
    bool spooled = false;
    std::vector<Unspooled> fresh;
    for (Task& t : batch) {
      if (t.kind == Task::Kind::kAlert) {
        fresh.push_back({t.seq, std::move(t.alert), std::move(t.channels)});
        continue;
      }
      // What was queued before a checkpoint or a reload is spooled before it.
      spooled |= SpoolFresh(fresh);
      if (t.kind == Task::Kind::kCheckpoint) {
        waiting_ = Waiting{std::move(t.checkpoint), t.seq, false};
        HandOverWaiting();
      } else {
        Swap(*t.config);
      }
    }
    spooled |= SpoolFresh(fresh);
    if (!held_.empty() && (stopping || Clock::now() >= retry_at_)) spooled |= Retry();
    if (spooled) dispatcher()->Notify();
    HandOverWaiting();
  }

  // Spools `items` (everything not yet in the spool of each of its channels), one PutMany per
  // channel. Returns what is left, in order; `wrote` is set when any file was written.
  std::vector<Unspooled> SpoolItems(std::vector<Unspooled> items, bool& wrote,
                                    std::vector<std::string>& errors) {
    std::map<std::string, std::vector<std::size_t>> by_channel;
    for (std::size_t i = 0; i < items.size(); ++i) {
      for (const std::string& ch : items[i].channels) by_channel[ch].push_back(i);
    }
    std::vector<std::vector<std::string>> left(items.size());
    std::vector<bool> taken(items.size(), false);  // by the spool of some channel
    for (auto& [ch, idx] : by_channel) {
      std::vector<const alerting::Alert*> alerts;
      std::vector<std::size_t> writing;
      for (std::size_t i : idx) {
        const alerting::Alert& a = items[i].alert;
        if (!store::IsValidChannelName(ch) || !store::IsValidAlertId(a.id)) {
          // Never writable: say so, and do not hold the checkpoints for it.
          log_("error", "unable to spool alert " + core::EscapeForLog(a.id) + " via " +
                            core::EscapeForLog(ch) + ": not a safe file name; dropping it");
          CountUnspooled({ch}, -1);
          continue;
        }
        alerts.push_back(&a);
        writing.push_back(i);
      }
      if (alerts.empty()) continue;
      const std::vector<core::Status> st = spool_.PutMany(ch, alerts, WallNow());
      for (std::size_t k = 0; k < writing.size(); ++k) {
        if (st[k]) {
          wrote = true;
          taken[writing[k]] = true;
          CountUnspooled({ch}, -1);
          continue;
        }
        ++spool_errors_;
        last_error_ = st[k].error().message;
        left[writing[k]].push_back(ch);
        errors.push_back("unable to spool alert " + items[writing[k]].alert.id + " via " +
                         core::EscapeForLog(ch) + ": " + st[k].error().message);
      }
    }
    std::vector<Unspooled> out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (left[i].empty()) {
        if (taken[i]) ++spooled_;
        unspooled_ -= 1;
        continue;
      }
      items[i].channels = std::move(left[i]);
      out.push_back(std::move(items[i]));
    }
    return out;
  }

  // The claim gate's verdicts: alerts another node pages leave the queue here, unspooled.
  void Gate(std::vector<Unspooled>& fresh) {
    if (!gate_ || fresh.empty()) return;
    std::vector<alerting::Alert*> alerts;
    for (Unspooled& u : fresh) alerts.push_back(&u.alert);
    const auto spooled = [this](std::string_view id) {
      for (const std::string& ch : Names()) {
        if (spool_.Knows(ch, id)) return true;
      }
      return false;
    };
    const std::vector<std::optional<std::string>> verdicts = gate_(alerts, spooled);
    std::vector<Unspooled> kept;
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      if (i >= verdicts.size() || !verdicts[i]) {
        kept.push_back(std::move(fresh[i]));
        continue;
      }
      log_("info", "alert " + fresh[i].alert.id + " not paged: " + *verdicts[i]);
      CountUnspooled(fresh[i].channels, -1);
      unspooled_ -= 1;
    }
    fresh = std::move(kept);
  }

  std::vector<std::string> Names() {
    std::lock_guard lock(mu_);
    return channel_names_;
  }

  bool SpoolFresh(std::vector<Unspooled>& fresh) {
    Gate(fresh);
    if (fresh.empty()) return false;
    bool wrote = false;
    std::vector<std::string> errors;
    std::vector<Unspooled> left = SpoolItems(std::move(fresh), wrote, errors);
    fresh.clear();
    // The spool takes writes again: the alerts it refused need not wait for their retry.
    if (wrote && !held_.empty()) retry_at_ = Clock::now();
    if (left.empty()) return wrote;
    if (held_.empty()) {
      backoff_ = kFirstRetry;
      retry_at_ = Clock::now() + backoff_;
    }
    for (Unspooled& u : left) held_.push_back(std::move(u));
    const std::string tail = "; keeping it in memory (" + Plural(held_.size(), "alert") +
                             " not in the spool, checkpoints wait for them), trying again in " +
                             core::FormatDuration(backoff_);
    for (const std::string& e : errors) log_("error", e + tail);
    return wrote;
  }

  // The oldest unspooled alert first; when the spool takes it, all the others.
  bool Retry() {
    bool wrote = false;
    std::vector<std::string> errors;
    std::vector<Unspooled> probe;
    probe.push_back(std::move(held_.front()));
    held_.pop_front();
    std::vector<Unspooled> left = SpoolItems(std::move(probe), wrote, errors);
    if (left.empty() && !held_.empty()) {
      std::vector<Unspooled> rest(std::make_move_iterator(held_.begin()),
                                  std::make_move_iterator(held_.end()));
      held_.clear();
      left = SpoolItems(std::move(rest), wrote, errors);
    } else {
      for (Unspooled& u : held_) left.push_back(std::move(u));
      held_.clear();
    }
    for (Unspooled& u : left) held_.push_back(std::move(u));
    if (held_.empty()) {
      log_("info", "the spool took the alerts it had refused; checkpoints go on");
      backoff_ = kFirstRetry;
      return wrote;
    }
    if (!wrote) backoff_ = std::min(backoff_ * 2, kMaxRetry);
    retry_at_ = Clock::now() + backoff_;
    const std::string tail = "; " + Plural(held_.size(), "alert") +
                             " kept in memory, not in the spool; checkpoints wait for them; "
                             "trying again in " +
                             core::FormatDuration(backoff_);
    for (const std::string& e : errors) log_("warning", "still " + e + tail);
    return wrote;
  }

  void HandOverWaiting() {
    if (!waiting_) return;
    if (!held_.empty() && held_.front().seq < waiting_->needs_below) {
      if (!waiting_->said) {
        waiting_->said = true;
        log_("warning", "checkpoint waiting: " + Plural(held_.size(), "alert") +
                            " not in the spool yet; until they are, a restart reads their lines "
                            "again and re-creates them");
      }
      return;
    }
    {
      std::lock_guard lock(save_mu_);
      to_save_ = std::move(waiting_->checkpoint);  // a newer one holds all an older one held
    }
    waiting_.reset();
    save_cv_.notify_one();
  }

  // ---- the saver thread: encodes and writes the checkpoints the writer thread hands over.
  //
  // A checkpoint of a big site is tens of MB, encoded, written and synced; on the reading thread
  // (the encoding) and the writer thread (the write) every line and alert meanwhile waited for it
  // (the p99 of line -> alert). Here the lines go on being read and the alerts spooled while it
  // is encoded and written. That keeps the rule above: a checkpoint is handed over only once
  // every alert queued before it is in the spool. An alert spooled while an older checkpoint is
  // being written is the one case new here, and it is safe: should the process die before that
  // checkpoint is written, the next start reads the alert's line again and makes the same id,
  // which the spool already has and ignores.
  void Save() {
    std::unique_lock lock(save_mu_);
    while (true) {
      save_cv_.wait(lock, [this] { return save_stop_ || to_save_ != nullptr; });
      if (!to_save_) return;  // stopping, nothing left to write
      std::unique_ptr<state::Checkpoint> checkpoint = std::move(to_save_);
      lock.unlock();
      const auto t0 = Clock::now();
      std::string encoded;
      core::Status st = core::Ok{};
      try {
        encoded = state::EncodeCheckpoint(*checkpoint);
      } catch (const std::exception& e) {  // out of memory: this checkpoint is lost, not the daemon
        st = core::Error{std::string("unable to encode the checkpoint: ") + e.what()};
      }
      checkpoint.reset();
      last_encode_cost_ = (Clock::now() - t0).count();
      if (st) st = store::CheckpointStore(state_dir_).SaveEncoded(encoded);
      std::string().swap(encoded);
      // Taking a checkpoint copies the state and encodes it (with 100,000 logins, some 100 MB
      // made and freed in small pieces); glibc keeps what was freed, so without this the
      // daemon's RSS stays at that peak. Here both copies are gone.
      ::malloc_trim(0);
      if (st) {
        last_checkpoint_ = Clock::now().time_since_epoch().count();
        ++checkpoints_;
      } else {
        log_("warning", st.error().message + "; retrying at the next batch");
      }
      committing_ = false;
      lock.lock();
    }
  }

  void Swap(const config::Config& config) {
    // New channels and caps: a new dispatcher over the same spool; what is pending stays pending.
    std::shared_ptr<deliver::Dispatcher> old = dispatcher();
    old->Stop();
    std::shared_ptr<deliver::Dispatcher> fresh = MakeDispatcher(config);
    {
      std::lock_guard lock(dispatcher_mu_);
      dispatcher_ = fresh;
    }
    if (started_) fresh->Start();
  }

  Log log_;
  const std::string state_dir_;
  store::Spool spool_;
  ClaimGate gate_;  // set before Start; the writer thread's

  // The queue: the reading thread pushes, the writer takes. Never held during I/O.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;
  std::vector<std::string> channel_names_;  // of the config in force for Put
  std::uint64_t next_seq_ = 0;
  bool stop_ = false;
  bool ready_ = false;  // the writer has read the channels' spools once
  std::condition_variable ready_cv_;

  mutable std::mutex dispatcher_mu_;  // guards the pointer only
  std::shared_ptr<deliver::Dispatcher> dispatcher_;

  mutable std::mutex counts_mu_;
  std::map<std::string, std::size_t, std::less<>> unspooled_by_channel_;
  std::atomic<std::uint64_t> spooled_{0};
  std::atomic<std::uint64_t> unspooled_{0};
  std::atomic<std::uint64_t> spool_errors_{0};
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<Clock::rep> last_checkpoint_{0};   // Clock's count at the last write
  std::atomic<Clock::rep> last_encode_cost_{0};  // how long the last encoding took
  std::atomic<bool> committing_{false};

  // The writer thread's own.
  std::deque<Unspooled> held_;
  std::optional<Waiting> waiting_;
  Clock::time_point retry_at_{};
  Clock::duration backoff_ = kFirstRetry;
  std::string last_error_;
  std::atomic<bool> started_{false};
  std::thread writer_;
  // The saver thread's hand-over: the checkpoint to write next (the newest wins).
  std::thread saver_;
  std::mutex save_mu_;
  std::condition_variable save_cv_;
  std::unique_ptr<state::Checkpoint> to_save_;
  bool save_stop_ = false;
};

AlertOutbox::AlertOutbox(const config::Config& config, Log log)
    : impl_(std::make_unique<Impl>(config, std::move(log))) {}

AlertOutbox::~AlertOutbox() { Stop(); }

void AlertOutbox::set_claim_gate(ClaimGate gate) { impl_->set_claim_gate(std::move(gate)); }
void AlertOutbox::Start() { impl_->Start(); }

void AlertOutbox::Stop() {
  if (impl_) impl_->Stop();
}

void AlertOutbox::Put(const alerting::Alert& alert) { impl_->Put(alert); }

void AlertOutbox::Commit(state::Checkpoint checkpoint) { impl_->Commit(std::move(checkpoint)); }

bool AlertOutbox::Committing() const { return impl_->committing_; }
std::chrono::steady_clock::duration AlertOutbox::LastEncodeCost() const {
  return Clock::duration(impl_->last_encode_cost_);
}

void AlertOutbox::Reconfigure(const config::Config& config) { impl_->Reconfigure(config); }

std::size_t AlertOutbox::Pending() const {
  std::size_t n = 0;
  for (const auto& c : impl_->dispatcher()->Counters()) n += c.pending;
  return n;
}

AlertOutbox::Counts AlertOutbox::counts() const {
  Counts c;
  c.spooled = impl_->spooled_;
  c.unspooled = impl_->unspooled_;
  c.spool_errors = impl_->spool_errors_;
  c.checkpoints = impl_->checkpoints_;
  // Read after checkpoints_, written before it: a count > 0 has its time.
  if (c.checkpoints > 0) {
    c.last_checkpoint = Clock::time_point(Clock::duration(impl_->last_checkpoint_));
  }
  return c;
}

std::vector<AlertOutbox::ChannelCounts> AlertOutbox::Channels() const {
  std::vector<ChannelCounts> out;
  for (const auto& c : impl_->dispatcher()->Counters()) {
    out.push_back({c.channel, c.pending, impl_->UnspooledVia(c.channel), c.sent, c.failed,
                   c.given_up, c.in_failed});
  }
  return out;
}

std::string AlertOutbox::StatusJson() const {
  core::JsonWriter w;
  w.BeginArray();
  for (const auto& c : impl_->dispatcher()->Counters()) {
    w.BeginObject();
    w.Key("channel").String(c.channel);
    w.Key("pending").Uint(c.pending);
    w.Key("unspooled").Uint(impl_->UnspooledVia(c.channel));
    w.Key("held").Uint(c.held);
    w.Key("sent").Uint(c.sent);
    w.Key("failed").Uint(c.failed);
    w.Key("given_up").Uint(c.given_up);
    w.Key("in_failed").Uint(c.in_failed);
    w.Key("folded").Uint(c.folded);
    w.Key("digests").Uint(c.digests);
    w.EndObject();
  }
  w.EndArray();
  return w.Take();
}

std::string AlertOutbox::StatusText() const {
  std::string out;
  for (const auto& c : impl_->dispatcher()->Counters()) {
    out += "  " + c.channel + ": pending " + std::to_string(c.pending) + " (held for digest " +
           std::to_string(c.held) + ")  not yet spooled " +
           std::to_string(impl_->UnspooledVia(c.channel)) + "  sent " + std::to_string(c.sent) +
           "  failed attempts " + std::to_string(c.failed) + "  given up " +
           std::to_string(c.given_up) + "  in failed/ " + std::to_string(c.in_failed) + "\n";
  }
  if (out.empty()) out = "  no channels configured\n";
  return out;
}

}  // namespace relaywatch::app
