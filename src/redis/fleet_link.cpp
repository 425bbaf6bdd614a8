#include "relaywatch/redis/fleet_link.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "relaywatch/fleet/fleet_keys.h"
#include "relaywatch/fleet/scripts.h"

namespace relaywatch::redis {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kChunk = 2000;  // commands per round trip
constexpr auto kBeatEvery = std::chrono::seconds(1);
constexpr auto kViewEvery = std::chrono::seconds(2);
constexpr auto kFirstRetry = std::chrono::seconds(1);
constexpr auto kMaxRetry = std::chrono::seconds(5);
constexpr std::size_t kViewTop = 5;                 // status shows these; report --fleet more
constexpr std::size_t kMaxDeferred = 10000;         // claims kept for Redis's return
constexpr const char* kForgetNodesMs = "86400000";  // a node silent for a day leaves the list

std::string Ms(core::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// Counts live a window and a slice, and a minute more for nodes whose clocks differ.
std::string TtlMs(core::Duration window) {
  return Ms(window + window / detect::kSlices + std::chrono::minutes(1));
}

}  // namespace

class FleetLink::Impl {
 public:
  struct PendingClaim {
    std::vector<fleet::ClaimRequest> requests;
    std::promise<std::vector<std::optional<fleet::ClaimResult>>> done;
  };

  Impl(config::FleetConfig fleet, Hooks hooks)
      : fleet_(std::move(fleet)), hooks_(std::move(hooks)) {}

  void Start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { Run(); });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void SetRules(std::uint64_t generation, std::vector<fleet::FleetRule> rules) {
    std::lock_guard lock(mu_);
    generation_ = generation;
    rules_ = std::make_shared<const std::vector<fleet::FleetRule>>(std::move(rules));
    (void)pending_.Take();  // its rule indexes are the old pipeline's
  }

  void Send(std::uint64_t generation, fleet::Batch batch) {
    if (batch.empty()) return;
    {
      std::lock_guard lock(mu_);
      if (!counts_.connected || generation != generation_) {
        ++counts_.dropped;
        return;
      }
      pending_.Add(std::move(batch));  // merged with what still waits: bounded by the Keys
    }
    cv_.notify_all();
  }

  std::vector<std::optional<fleet::ClaimResult>> Claim(
      const std::vector<fleet::ClaimRequest>& requests) {
    std::vector<std::optional<fleet::ClaimResult>> none(requests.size());
    if (requests.empty()) return none;
    auto pending = std::make_shared<PendingClaim>();
    pending->requests = requests;
    auto done = pending->done.get_future();
    {
      std::lock_guard lock(mu_);
      if (!counts_.connected || stop_) {
        Defer(requests);
        return none;
      }
      claims_.push_back(pending);
    }
    cv_.notify_all();
    if (done.wait_for(fleet_.timeout) != std::future_status::ready) {
      std::lock_guard lock(mu_);
      Defer(requests);
      return none;
    }
    std::vector<std::optional<fleet::ClaimResult>> out = done.get();
    std::vector<fleet::ClaimRequest> unanswered;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!out[i]) unanswered.push_back(requests[i]);
    }
    if (!unanswered.empty()) {
      std::lock_guard lock(mu_);
      Defer(unanswered);
    }
    return out;
  }

  // Claims Redis did not answer: their alerts were paged from this node. They are made at the
  // next connection, before anything else, so that the other nodes see that this incident was
  // paged and do not page it once more with their later counts. (A claim that only timed out,
  // the link staying connected, waits for that next connection too.) Under mu_.
  void Defer(const std::vector<fleet::ClaimRequest>& requests) {
    counts_.claims_unavailable += requests.size();
    for (const fleet::ClaimRequest& r : requests) {
      if (deferred_.size() >= kMaxDeferred) deferred_.pop_front();  // the oldest matter least
      deferred_.push_back(r);
    }
  }

  Counts counts() const {
    std::lock_guard lock(mu_);
    Counts c = counts_;
    c.waiting = pending_.size();
    return c;
  }

  bool connected() const {
    std::lock_guard lock(mu_);
    return counts_.connected;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      const Clock::time_point wake = conn_ ? std::min(beat_at_, view_at_) : retry_at_;
      cv_.wait_until(lock, wake, [this] {
        return stop_ || !claims_.empty() || (!pending_.empty() && conn_ != nullptr);
      });
      if (stop_) break;
      lock.unlock();
      Step();
      lock.lock();
    }
    FailClaims(lock);
  }

  void Step() {
    if (!conn_ && Clock::now() >= retry_at_) Connect();
    if (!conn_) {
      std::unique_lock lock(mu_);
      FailClaims(lock);
      (void)pending_.Take();
      return;
    }
    ServeClaims();
    while (conn_) {
      fleet::Batch next;
      std::uint64_t generation = 0;
      std::shared_ptr<const std::vector<fleet::FleetRule>> rules;
      {
        std::lock_guard lock(mu_);
        if (pending_.empty()) break;
        next = pending_.Take();
        generation = generation_;
        rules = rules_;
      }
      if (rules) SendBatch(generation, *rules, next);
    }
    if (conn_ && Clock::now() >= beat_at_) Heartbeat();
    if (conn_ && Clock::now() >= view_at_) ReadView();
  }

  void Connect() {
    auto conn = Connection::Open(fleet_);
    std::string error;
    if (conn) {
      std::vector<std::vector<std::string>> load;
      for (const char* script : {fleet::kCountScript, fleet::kDistinctScript, fleet::kClaimScript,
                                 fleet::kHeartbeatScript}) {
        load.push_back({"SCRIPT", "LOAD", script});
      }
      auto shas = (*conn)->Run(load);
      if (!shas) {
        error = shas.error().message;
      } else {
        for (const Reply& r : *shas) {
          if (r.type != Reply::Type::kString && error.empty()) {
            error = "redis " + (*conn)->address() + ": SCRIPT LOAD refused: " + r.text;
          }
        }
        if (error.empty()) {
          sha_count_ = (*shas)[0].text;
          sha_distinct_ = (*shas)[1].text;
          sha_claim_ = (*shas)[2].text;
          sha_beat_ = (*shas)[3].text;
          conn_ = std::move(*conn);
        }
      }
    } else {
      error = conn.error().message;
    }
    if (!conn_) {
      backoff_ = backoff_ == Clock::duration::zero()
                     ? Clock::duration(kFirstRetry)
                     : std::min<Clock::duration>(backoff_ * 2, kMaxRetry);
      retry_at_ = Clock::now() + backoff_;
      std::lock_guard lock(mu_);
      if (counts_.error != error || !said_down_) {
        hooks_.log("warning", "fleet: " + error +
                                  "; counting and paging on this node's own counts until Redis "
                                  "answers (retrying)");
        said_down_ = true;
      }
      counts_.error = error;
      return;
    }
    backoff_ = Clock::duration::zero();
    beat_at_ = view_at_ = Clock::now();
    {
      std::lock_guard lock(mu_);
      counts_.connected = true;
      counts_.error.clear();
      ++counts_.reconnects;
      said_down_ = false;
    }
    hooks_.log("info", "fleet: connected to redis " + conn_->address() + " as node " + fleet_.node +
                           "; sending this node's windows");
    SendDeferred();
    if (!conn_) return;
    Heartbeat();
    hooks_.on_connected();
  }

  void Lost(const std::string& error) {
    conn_.reset();
    retry_at_ = Clock::now() + kFirstRetry;
    backoff_ = kFirstRetry;
    {
      std::lock_guard lock(mu_);
      counts_.connected = false;
      counts_.error = error;
      said_down_ = true;
      (void)pending_.Take();  // all of it goes again after the reconnect
    }
    hooks_.log("warning", "fleet: " + error +
                              "; counting and paging on this node's own counts until Redis "
                              "answers (retrying)");
  }

  // Runs `commands` in one round trip; on an I/O error or a NOSCRIPT (Redis restarted) the
  // connection is given up and nullopt returned.
  std::optional<std::vector<Reply>> Exchange(
      const std::vector<std::vector<std::string>>& commands) {
    auto replies = conn_->Run(commands);
    {
      std::lock_guard lock(mu_);
      counts_.commands += commands.size();
    }
    if (!replies) {
      Lost(replies.error().message);
      return std::nullopt;
    }
    for (const Reply& r : *replies) {
      if (r.is_error() && r.text.starts_with("NOSCRIPT")) {
        Lost("redis " + conn_->address() + ": " + r.text + " (Redis restarted)");
        return std::nullopt;
      }
    }
    return std::move(*replies);
  }

  void ServeClaims() {
    while (conn_) {
      std::shared_ptr<PendingClaim> pending;
      {
        std::lock_guard lock(mu_);
        if (claims_.empty()) return;
        pending = claims_.front();
        claims_.pop_front();
      }
      std::vector<std::optional<fleet::ClaimResult>> out(pending->requests.size());
      if (auto replies = Exchange(ClaimCommands(pending->requests))) {
        std::lock_guard lock(mu_);
        for (std::size_t i = 0; i < replies->size(); ++i) {
          out[i] = ParseClaim((*replies)[i]);
          if (out[i]) {
            ++(out[i]->won ? counts_.claims_won : counts_.claims_lost);
          } else if ((*replies)[i].is_error()) {
            hooks_.log("warning", "fleet: claim refused: " + (*replies)[i].text);
          }
        }
      }
      pending->done.set_value(std::move(out));
    }
  }

  void SendDeferred() {
    std::deque<fleet::ClaimRequest> deferred;
    {
      std::lock_guard lock(mu_);
      deferred.swap(deferred_);
    }
    if (deferred.empty()) return;
    auto replies = Exchange(ClaimCommands(deferred));
    if (!replies) {
      std::lock_guard lock(mu_);
      for (auto& r : deferred) deferred_.push_back(std::move(r));  // at the next connect
      return;
    }
    std::size_t held_by_others = 0;
    for (const Reply& r : *replies) {
      const std::optional<fleet::ClaimResult> c = ParseClaim(r);
      if (c && !c->won) ++held_by_others;  // both paged while Redis was down: the other was first
    }
    hooks_.log("info", "fleet: made " + std::to_string(deferred.size()) +
                           " claims of alerts paged while Redis did not answer" +
                           (held_by_others ? " (" + std::to_string(held_by_others) +
                                                 " already held by another node, which paged too)"
                                           : std::string()));
  }

  // The claim script's calls for `requests`, in order.
  template <typename Requests>
  std::vector<std::vector<std::string>> ClaimCommands(const Requests& requests) const {
    std::vector<std::vector<std::string>> commands;
    for (const fleet::ClaimRequest& r : requests) commands.push_back(ClaimCommand(r));
    return commands;
  }

  // The claim script's answer {won, holder, id, held count, escalated}; nullopt for anything else.
  static std::optional<fleet::ClaimResult> ParseClaim(const Reply& r) {
    if (r.type != Reply::Type::kArray || r.elements.size() != 5) return std::nullopt;
    return fleet::ClaimResult{r.elements[0].integer == 1, r.elements[1].text, r.elements[2].text,
                              r.elements[4].integer == 1,
                              static_cast<std::uint64_t>(r.elements[3].integer)};
  }

  std::vector<std::string> ClaimCommand(const fleet::ClaimRequest& r) const {
    return {"EVALSHA",
            sha_claim_,
            "1",
            r.key,
            r.node,
            r.id,
            std::to_string(r.stamp_ms),
            std::to_string(r.period_ms),
            std::to_string(r.count),
            std::to_string(r.escalate),
            r.force ? "1" : "0"};
  }

  void FailClaims(std::unique_lock<std::mutex>& held) {
    std::deque<std::shared_ptr<PendingClaim>> claims;
    claims.swap(claims_);
    held.unlock();
    for (const auto& p : claims) p->done.set_value({p->requests.size(), std::nullopt});
    held.lock();
  }

  void SendBatch(std::uint64_t generation, const std::vector<fleet::FleetRule>& rules,
                 const fleet::Batch& batch) {
    const std::string& prefix = fleet_.prefix;
    std::vector<std::vector<std::string>> commands;
    Replies replies;
    replies.generation = generation;
    std::size_t counts_done = 0, distinct_done = 0;
    auto flush = [&]() -> bool {
      if (commands.empty()) return true;
      auto got = Exchange(commands);
      if (!got) return false;
      for (const Reply& r : *got) {
        if (counts_done < batch.counts.size()) {
          const fleet::CountPush& p = batch.counts[counts_done++];
          if (r.type != Reply::Type::kArray || r.elements.empty()) continue;
          fleet::CountReply c{p.rule, p.key, {}, static_cast<std::uint64_t>(r.elements[0].integer)};
          for (std::size_t i = 1; i + 1 < r.elements.size(); i += 2) {
            c.others.emplace_back(r.elements[i].integer,
                                  static_cast<std::uint64_t>(r.elements[i + 1].integer));
          }
          replies.counts.push_back(std::move(c));
        } else {
          const fleet::DistinctPush& p = batch.distinct[distinct_done++];
          if (r.type != Reply::Type::kInteger) continue;
          replies.distinct.push_back({p.rule, p.key, static_cast<std::uint64_t>(r.integer)});
        }
      }
      commands.clear();
      hooks_.on_replies(std::move(replies));
      replies = Replies{};
      replies.generation = generation;
      ServeClaims();  // claims wait for no more than a chunk
      return conn_ != nullptr;
    };
    // EVALSHA SHA 2 WINDOW-KEY TOP-KEY [NODE] OLDEST TTL KEY-HEX, then the push's pairs.
    auto call = [&](const std::string& sha, std::string key, const fleet::FleetRule& rule,
                    const std::string* node, std::int64_t oldest, std::string_view login) {
      std::vector<std::string> c = {"EVALSHA", sha, "2", std::move(key),
                                    fleet::TopKey(prefix, rule.id)};
      if (node != nullptr) c.push_back(*node);
      c.push_back(std::to_string(oldest));
      c.push_back(TtlMs(rule.window));
      c.push_back(fleet::Hex(login));
      return c;
    };
    for (const fleet::CountPush& p : batch.counts) {
      const fleet::FleetRule& rule = rules.at(p.rule);
      std::vector<std::string> c = call(sha_count_, fleet::CountKey(prefix, rule.id, p.key), rule,
                                        &fleet_.node, p.oldest, p.key);
      for (const auto& [slice, count] : p.slices) {
        c.push_back(std::to_string(slice));
        c.push_back(std::to_string(count));
      }
      commands.push_back(std::move(c));
      if (commands.size() >= kChunk && !flush()) return;
    }
    for (const fleet::DistinctPush& p : batch.distinct) {
      const fleet::FleetRule& rule = rules.at(p.rule);
      std::vector<std::string> c = call(sha_distinct_, fleet::DistinctKey(prefix, rule.id, p.key),
                                        rule, nullptr, p.oldest, p.key);
      for (const auto& [value, slice] : p.values) {
        c.push_back(value);
        c.push_back(std::to_string(slice));
      }
      commands.push_back(std::move(c));
      if (commands.size() >= kChunk && !flush()) return;
    }
    if (!flush()) return;
    std::lock_guard lock(mu_);
    ++counts_.batches;
  }

  void Heartbeat() {
    beat_at_ = Clock::now() + kBeatEvery;
    (void)Exchange(
        {{"EVALSHA", sha_beat_, "1", fleet::NodesKey(fleet_.prefix), fleet_.node, kForgetNodesMs}});
  }

  void ReadView() {
    view_at_ = Clock::now() + kViewEvery;
    std::shared_ptr<const std::vector<fleet::FleetRule>> rules;
    {
      std::lock_guard lock(mu_);
      rules = rules_;
    }
    if (!rules) return;
    auto view = FetchFleetView(*conn_, fleet_, *rules, kViewTop);
    if (!view) {
      if (conn_->broken()) Lost(view.error().message);
      return;
    }
    std::lock_guard lock(mu_);
    counts_.view = std::move(*view);
  }

  const config::FleetConfig fleet_;
  const Hooks hooks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  fleet::PendingBatch pending_;  // the batches not sent yet, as one
  std::deque<std::shared_ptr<PendingClaim>> claims_;
  std::deque<fleet::ClaimRequest> deferred_;  // Defer
  std::uint64_t generation_ = 0;
  std::shared_ptr<const std::vector<fleet::FleetRule>> rules_;
  Counts counts_;
  bool said_down_ = false;
  // The link's thread only.
  std::unique_ptr<Connection> conn_;
  std::string sha_count_, sha_distinct_, sha_claim_, sha_beat_;
  Clock::time_point retry_at_{}, beat_at_{}, view_at_{};
  Clock::duration backoff_{};
};

FleetLink::FleetLink(config::FleetConfig fleet, Hooks hooks)
    : impl_(std::make_unique<Impl>(std::move(fleet), std::move(hooks))) {}
FleetLink::~FleetLink() { Stop(); }
void FleetLink::Start() { impl_->Start(); }
void FleetLink::Stop() { impl_->Stop(); }
void FleetLink::SetRules(std::uint64_t generation, std::vector<fleet::FleetRule> rules) {
  impl_->SetRules(generation, std::move(rules));
}
void FleetLink::Send(std::uint64_t generation, fleet::Batch batch) {
  impl_->Send(generation, std::move(batch));
}
std::vector<std::optional<fleet::ClaimResult>> FleetLink::Claim(
    const std::vector<fleet::ClaimRequest>& requests) {
  return impl_->Claim(requests);
}
FleetLink::Counts FleetLink::counts() const { return impl_->counts(); }
bool FleetLink::connected() const { return impl_->connected(); }

}  // namespace relaywatch::redis
