#include "relaywatch/app/fleet_member.h"

#include "relaywatch/core/text.h"
#include "relaywatch/redis/connection.h"
#include "relaywatch/redis/fleet_view.h"

namespace relaywatch::app {
namespace {

core::Timestamp WallNow() {
  return core::Timestamp(std::chrono::duration_cast<core::Duration>(
      std::chrono::system_clock::now().time_since_epoch()));
}

}  // namespace

FleetMember::FleetMember(net::io_context& io, const config::Config& config, Log log)
    : io_(io),
      enabled_(config.fleet.enabled),
      fleet_(config.fleet),
      log_(std::move(log)),
      timer_(io) {
  if (!enabled_) return;
  redis::FleetLink::Hooks hooks;
  hooks.log = log_;
  hooks.on_connected = [this] { net::post(io_, [this] { resync_ = true; }); };
  hooks.on_replies = [this](redis::FleetLink::Replies r) {
    net::post(io_, [this, r = std::move(r)]() mutable { OnReplies(std::move(r)); });
  };
  link_ = std::make_unique<redis::FleetLink>(fleet_, std::move(hooks));
}

FleetMember::~FleetMember() { Stop(); }

std::unique_ptr<detect::WindowStore> FleetMember::MakeStore(const config::Config& config) {
  if (!enabled_) return nullptr;
  auto store = std::make_unique<fleet::FleetWindowStore>(redis::FleetRulesOf(config));
  made_ = store.get();
  return store;
}

void FleetMember::Attach(pipeline::Pipeline& pipeline, const config::Config& config) {
  if (!enabled_) return;
  if (config.fleet != fleet_) {
    log_("warning", "fleet: changes to the fleet section take effect at the next start");
  }
  pipeline_ = &pipeline;
  store_ = made_;
  ++generation_;
  link_->SetRules(generation_, store_->rules());
  resync_ = true;  // rule indexes changed: everything again
  std::lock_guard lock(alerts_mu_);
  repeat_ = config.alerts.repeat;
  escalate_ = config.alerts.escalate;
}

void FleetMember::Start() {
  if (!enabled_) return;
  link_->Start();
  Arm();
}

void FleetMember::Stop() {
  if (!enabled_) return;
  timer_.cancel();
  link_->Stop();
}

void FleetMember::Arm() {
  timer_.expires_after(fleet_.sync_every);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    Sync();
    Arm();
  });
}

void FleetMember::Sync() {
  if (store_ == nullptr) return;
  const core::Timestamp now = WallNow();
  fleet::Batch batch;
  if (resync_ && link_->connected()) {
    resync_ = false;
    batch = store_->TakeAll(now);
  } else {
    batch = store_->TakeDirty(now);
  }
  link_->Send(generation_, std::move(batch));
}

void FleetMember::OnReplies(redis::FleetLink::Replies replies) {
  if (replies.generation != generation_ || store_ == nullptr) return;  // of a reloaded pipeline
  const core::Timestamp now = WallNow();
  for (const fleet::CountReply& r : replies.counts) {
    if (store_->Apply(r)) pipeline_->Recheck(r.rule, r.key, now);
  }
  for (const fleet::DistinctReply& r : replies.distinct) {
    if (store_->Apply(r)) pipeline_->Recheck(r.rule, r.key, now);
  }
}

AlertOutbox::ClaimGate FleetMember::Gate() {
  if (!enabled_) return nullptr;
  return [this](const std::vector<alerting::Alert*>& alerts,
                const std::function<bool(std::string_view)>& spooled) {
    std::vector<std::optional<std::string>> out(alerts.size());
    std::optional<core::Duration> repeat;
    std::optional<double> escalate;
    {
      std::lock_guard lock(alerts_mu_);
      repeat = repeat_;
      escalate = escalate_;
    }
    std::vector<fleet::ClaimRequest> requests;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < alerts.size(); ++i) {
      if (auto r = fleet::ClaimFor(*alerts[i], fleet_.prefix, fleet_.node, repeat, escalate)) {
        requests.push_back(std::move(*r));
        which.push_back(i);
      }
    }
    const auto results = link_->Claim(requests);
    std::vector<fleet::ClaimRequest> take_over;
    for (std::size_t k = 0; k < results.size(); ++k) {
      const auto& r = results[k];
      if (!r) {
        log_("warning", "fleet: no answer to the claim of alert " + alerts[which[k]]->id +
                            "; paging it from this node");
        continue;
      }
      if (r->won) {
        fleet::FollowFleetPage(*alerts[which[k]], *r);
        continue;
      }
      if (r->holder == fleet_.node && !spooled(r->holder_id)) {
        // Claimed by this node before a crash, never spooled: this alert stands for it.
        take_over.push_back(requests[k]);
        take_over.back().force = true;
        continue;
      }
      // Escalations here count from the fleet's page, not from this node's unsent alert.
      // (On the io_context, where the Pipeline lives; after a reload, the new one has the ledger.)
      net::post(io_, [this, rule = alerts[which[k]]->finding.rule,
                      key = alerts[which[k]]->finding.key, count = r->held_count] {
        if (pipeline_ != nullptr) pipeline_->FleetPaged(rule, key, count);
      });
      out[which[k]] = "paged by fleet node " + core::EscapeForLog(r->holder) + " (alert " +
                      core::EscapeForLog(r->holder_id) + ")";
    }
    if (!take_over.empty()) (void)link_->Claim(take_over);
    return out;
  };
}

std::optional<FleetStatus> FleetMember::Status() const {
  if (!enabled_) return std::nullopt;
  return FleetStatus{fleet_.node, redis::Address(fleet_), link_->counts(),
                     store_ ? store_->RemoteKeys() : 0};
}

}  // namespace relaywatch::app
