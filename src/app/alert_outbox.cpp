#include "relaywatch/app/alert_outbox.h"

#include <mutex>

#include "relaywatch/app/local_zone.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/dispatcher.h"
#include "relaywatch/store/spool.h"

namespace relaywatch::app {

class AlertOutbox::Impl {
 public:
  Impl(const config::Config& config, Log log)
      : log_(std::move(log)), spool_(config.state_dir, log_) {
    Build(config);
  }

  void Build(const config::Config& config) {
    channel_names_.clear();
    std::vector<deliver::DispatchChannel> channels;
    core::LocalZone zone = SystemLocalZone();
    for (const config::ChannelConfig& cc : config.alerts.channels) {
      for (const std::string& warning : deliver::ChannelFileWarnings(cc)) log_("warning", warning);
      channels.push_back({std::shared_ptr<deliver::Channel>(deliver::MakeChannel(cc, zone)),
                          cc.max_per_hour.value_or(config.alerts.max_per_hour)});
      channel_names_.push_back(cc.name);
    }
    deliver::DispatcherOptions opts;
    opts.max_age = config.alerts.max_age;
    opts.log = log_;
    dispatcher_ = std::make_unique<deliver::Dispatcher>(spool_, std::move(channels), opts);
  }

  void Put(const alerting::Alert& alert, core::Timestamp now) {
    for (const std::string& ch : channel_names_) {
      if (auto st = spool_.Put(ch, alert, now); !st) {
        // The alert stays in the ledger; the admin must hear that the disk refused it.
        log_("error", st.error().message);
      }
    }
    dispatcher_->Notify();
  }

  Log log_;
  store::Spool spool_;
  std::vector<std::string> channel_names_;
  std::unique_ptr<deliver::Dispatcher> dispatcher_;
  bool started_ = false;
};

AlertOutbox::AlertOutbox(const config::Config& config, Log log)
    : impl_(std::make_unique<Impl>(config, std::move(log))) {}

AlertOutbox::~AlertOutbox() { Stop(); }

void AlertOutbox::Start() {
  impl_->dispatcher_->Start();
  impl_->started_ = true;
}

void AlertOutbox::Stop() {
  if (impl_ && impl_->dispatcher_) impl_->dispatcher_->Stop();
}

void AlertOutbox::Put(const alerting::Alert& alert, core::Timestamp now) { impl_->Put(alert, now); }

void AlertOutbox::Reconfigure(const config::Config& config) {
  // New channels and caps: a new dispatcher over the same spool; what is pending stays pending.
  impl_->dispatcher_->Stop();
  impl_->Build(config);
  if (impl_->started_) impl_->dispatcher_->Start();
}

std::size_t AlertOutbox::Pending() const {
  std::size_t n = 0;
  for (const auto& c : impl_->dispatcher_->Counters()) n += c.pending;
  return n;
}

std::string AlertOutbox::StatusJson() const {
  core::JsonWriter w;
  w.BeginArray();
  for (const auto& c : impl_->dispatcher_->Counters()) {
    w.BeginObject();
    w.Key("channel").String(c.channel);
    w.Key("pending").Uint(c.pending);
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
  for (const auto& c : impl_->dispatcher_->Counters()) {
    out += "  " + c.channel + ": pending " + std::to_string(c.pending) + " (held for digest " +
           std::to_string(c.held) + ")  sent " + std::to_string(c.sent) + "  failed attempts " +
           std::to_string(c.failed) + "  given up " + std::to_string(c.given_up) + "  in failed/ " +
           std::to_string(c.in_failed) + "\n";
  }
  if (out.empty()) out = "  no channels configured\n";
  return out;
}

}  // namespace relaywatch::app
