#include "relaywatch/app/daemon.h"

#include <malloc.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <string>

#include "relaywatch/app/alert_outbox.h"
#include "relaywatch/app/args.h"
#include "relaywatch/app/checkpoint_schedule.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/daemon_checkpoint.h"
#include "relaywatch/app/daemon_status.h"
#include "relaywatch/app/eviction_notice.h"
#include "relaywatch/app/fleet_member.h"
#include "relaywatch/app/gap_finding.h"
#include "relaywatch/app/local_zone.h"
#include "relaywatch/app/logging.h"
#include "relaywatch/app/metrics_file.h"
#include "relaywatch/app/mute_keeper.h"
#include "relaywatch/app/mutes.h"
#include "relaywatch/app/source_set.h"
#include "relaywatch/app/status_server.h"
#include "relaywatch/config/loader.h"
#include "relaywatch/core/text.h"
#include "relaywatch/follow/asio.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/state/checkpoint.h"
#include "relaywatch/store/safe_file.h"
#include "relaywatch/store/state_dir.h"

namespace relaywatch::app {
namespace {

constexpr auto kSummaryEvery = std::chrono::hours(1);

core::Timestamp WallNow() {
  return core::Timestamp(std::chrono::duration_cast<core::Duration>(
      std::chrono::system_clock::now().time_since_epoch()));
}

std::string Esc(std::string_view s) { return core::EscapeForLog(s); }

}  // namespace

class Daemon::Impl {
 public:
  Impl(std::string config_path, config::Config config)
      : config_path_(std::move(config_path)),
        config_(std::move(config)),
        signals_(io_, SIGHUP, SIGTERM, SIGINT),
        summary_timer_(io_),
        sources_(io_, SystemLocalZone(), SourceHooks()) {}

  int Run() {
    if (auto st = PrepareStateDir(); !st) {
      LogError(st.error().message);
      return kExitBadInput;
    }
    pipeline_ = MakePipeline(config_);
    outbox_ =
        std::make_unique<AlertOutbox>(config_, [](std::string_view level, std::string_view msg) {
          if (level == "error")
            LogError(msg);
          else if (level == "warning")
            LogWarning(msg);
          else
            LogInfo(msg);
        });
    auto loaded = LoadDaemonCheckpoint(config_.state_dir);
    if (!loaded) {
      LogError(loaded.error().message + "; not starting, so nothing is counted or alerted twice");
      return kExitBadInput;
    }
    for (const std::string& w : loaded->warnings) LogWarning(w);
    if (loaded->state) pipeline_->Restore(std::move(*loaded->state));
    mutes_.Load(WallNow());
    fleet_.Start();  // before the lines: the first sync sends the restored windows
    sources_.Start(Discover(), *pipeline_, loaded->positions, WarmSince());
    outbox_->set_claim_gate(fleet_.Gate());
    outbox_->Start();
    status_ = std::make_unique<StatusServer>(
        io_, config_.state_dir + "/status.sock",
        [this](std::string_view request) { return Status(request); });
    if (auto st = status_->Listen(); !st) LogWarning(st.error().message + "; status unavailable");
    WaitSignal();
    ArmSummary();
    metrics_.Start();
    LogInfo("relaywatch " RELAYWATCH_VERSION " started: " + std::to_string(sources_.size()) +
            " sources, " + std::to_string(config_.rules.size()) + " rules, " +
            std::to_string(config_.alerts.channels.size()) + " channels");
    io_.run();
    return exit_code_;
  }

 private:
  // Created 0700 when missing; an existing one is refused, never chmod-ed, when it is not
  // private to this user; then locked: one daemon per state_dir (store/state_dir.h).
  core::Status PrepareStateDir() {
    if (auto st = store::PrepareStateDir(config_.state_dir); !st) return st;
    auto fd = store::LockStateDir(config_.state_dir);
    if (!fd) return fd.error();
    lock_fd_ = *fd;
    return core::OkStatus();
  }

  std::unique_ptr<pipeline::Pipeline> MakePipeline(const config::Config& c) {
    auto p = std::make_unique<pipeline::Pipeline>(c, fleet_.MakeStore(c));
    p->set_alert_sink([this](alerting::Alert&& a) { OnAlert(std::move(a)); });
    fleet_.Attach(*p, c);
    return p;
  }

  std::vector<follow::Source> Discover() {
    return sources_.Discover(config_.sources, "check sources in " + config_path_);
  }

  // A source with no checkpointed position: from the end, or (startup: warm) from far enough
  // back that the rules' windows are full from the start.
  std::optional<core::Timestamp> WarmSince() const {
    if (config_.startup != config::Startup::kWarm) return std::nullopt;
    return WallNow() - pipeline::WarmUp(config_);
  }

  SourceSet::Hooks SourceHooks() {
    SourceSet::Hooks h;
    h.on_batch_end = [this] {
      if (auto w = evictions_.Check(pipeline_->store(), config_.rules,
                                    std::chrono::steady_clock::now())) {
        LogWarning(*w);
      }
      checkpoints_.Soon(*outbox_);
    };
    h.on_gap = [this](const follow::Source& src, const follow::Gap& gap) {
      ++gaps_;
      detect::Finding f = GapFinding(src, gap, WallNow());
      LogWarning(Esc(f.detail));
      pipeline_->InjectFinding(std::move(f));
    };
    h.on_info = [](const std::string& m) { LogInfo(m); };
    h.on_warning = [](const std::string& m) { LogWarning(m); };
    return h;
  }

  void OnAlert(alerting::Alert&& alert) {
    const std::string what =
        "alert " + alert.id + ": " + Esc(detect::RuleKindName(alert.finding.kind)) + " " +
        Esc(alert.finding.key) + " " + std::to_string(alert.finding.count) + "/" +
        std::to_string(alert.finding.limit) + " rule " + Esc(alert.finding.rule);
    // Catch-up after a warm start or a long stop: history is recorded, not paged.
    if (WallNow() - alert.finding.last > config_.alerts.max_age) {
      ++alerts_by_rule_[alert.finding.rule];
      ++alerts_not_paged_;
      LogInfo(what + " not paged: its last line is older than alerts.max_age (" +
              core::FormatDuration(config_.alerts.max_age) + ")");
      return;
    }
    ++alerts_by_rule_[alert.finding.rule];
    if (const alerting::Mute* m = mutes_.Match(alert.finding.key, alert.finding.rule, WallNow())) {
      ++alerts_not_paged_;
      LogInfo(what + " not paged: " + alerting::DescribeMute(*m));
      return;
    }
    LogInfo(what);
    outbox_->Put(alert);
  }

  state::Checkpoint TakeCheckpoint() const { return {sources_.Positions(), pipeline_->Snapshot()}; }

  void WaitSignal() {
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        Reload();
        WaitSignal();
        return;
      }
      Shutdown(sig);
    });
  }

  void Shutdown(int sig) {
    LogInfo(std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    sources_.Stop();
    summary_timer_.cancel();
    metrics_.Stop();
    // The last checkpoint, written by Stop once every alert before it is spooled (or not at all,
    // logged, when the spool still refuses some: the next start then reads their lines again).
    checkpoints_.Final(*outbox_);
    if (status_) status_->Close();
    outbox_->Stop();
    fleet_.Stop();  // after the outbox: its last alerts may still claim
    signals_.cancel();
    io_.stop();
    exit_code_ = kExitOk;
  }

  // The new config's Pipeline takes the old one's state (Pipeline::Restore keeps the windows of
  // the rules that did not change); the sources follow the new config.
  void Reload() {
    auto next = config::LoadConfigFile(config_path_);
    if (!next) {
      LogError("reload refused, keeping the running config: " + next.error().message);
      return;
    }
    pipeline::PipelineState state = pipeline_->Snapshot();
    config_ = std::move(*next);
    pipeline_ = MakePipeline(config_);
    pipeline_->Restore(std::move(state));
    outbox_->Reconfigure(config_);
    sources_.Reconcile(Discover(), *pipeline_, WarmSince());
    metrics_.Start();
    LogInfo("reloaded " + config_path_ + ": " + std::to_string(sources_.size()) + " sources, " +
            std::to_string(config_.rules.size()) + " rules");
    checkpoints_.Soon(*outbox_);
  }

  void ArmSummary() {
    summary_timer_.expires_after(kSummaryEvery);
    summary_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      LogInfo(DaemonSummaryLine(*pipeline_, outbox_->counts(), outbox_->Pending()));
      ArmSummary();
    });
  }

  StatusView View(bool text, bool outbox_document) {
    std::string document;
    if (outbox_document) document = text ? outbox_->StatusText() : outbox_->StatusJson();
    return StatusView{config_path_,
                      config_,
                      std::chrono::steady_clock::now() - started_,
                      *pipeline_,
                      sources_.Status(),
                      outbox_->counts(),
                      alerts_not_paged_,
                      gaps_,
                      std::move(document),
                      outbox_->Channels(),
                      alerts_by_rule_,
                      mutes_.InForce(WallNow()),
                      fleet_.Status()};
  }

  std::string Status(std::string_view request) {
    if (auto mute = ParseMuteRequest(request)) {
      if (!*mute) return "error: " + mute->error().message + "\n";
      return mutes_.Handle(**mute, *pipeline_, WallNow());
    }
    const bool text = request.starts_with("text");
    const StatusView view = View(text, /*outbox_document=*/true);
    return text ? DaemonStatusText(view) : DaemonStatusJson(view);
  }

  std::string config_path_;
  config::Config config_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  net::io_context io_;
  FleetMember fleet_{io_, config_, [](std::string_view level, const std::string& msg) {
                       if (level == "warning")
                         LogWarning(msg);
                       else
                         LogInfo(msg);
                     }};
  net::signal_set signals_;
  net::steady_timer summary_timer_;
  int lock_fd_ = -1;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  SourceSet sources_;
  EvictionNotice evictions_;
  std::unique_ptr<AlertOutbox> outbox_;
  std::unique_ptr<StatusServer> status_;
  std::uint64_t alerts_not_paged_ = 0;
  std::uint64_t gaps_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> alerts_by_rule_;
  CheckpointSchedule checkpoints_{io_, [this] { return TakeCheckpoint(); }};
  MuteKeeper mutes_{config_.state_dir};
  MetricsFile metrics_{io_, config_, [this] { return DaemonMetrics(View(false, false)); }};
  int exit_code_ = kExitOk;
};

Daemon::Daemon(std::string config_path, config::Config config)
    : impl_(std::make_unique<Impl>(std::move(config_path), std::move(config))) {}
Daemon::~Daemon() = default;
int Daemon::Run() { return impl_->Run(); }

int RunCommand(const std::vector<std::string>& argv) {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"help", 'h', false, false, "", "show this help"},
  };
  int exit_code = kExitOk;
  auto args = ParseCommandArgs("run", kOptions, argv,
                               "usage: relaywatch run [-c FILE]\n\nThe daemon, in the foreground, "
                               "logging to stderr (for multilog).\nSIGHUP reloads the config; "
                               "SIGTERM/SIGINT checkpoint and stop.",
                               exit_code);
  if (!args) return exit_code;
  SetupLogging();
  std::string path = args->get("config").value_or(config::kDefaultConfigPath);
  auto config = config::LoadConfigFile(path);
  if (!config) {
    LogError(config.error().message);
    return kExitBadInput;
  }
  // Signals are taken by the io_context's signal_set; block nothing else.
  std::signal(SIGPIPE, SIG_IGN);
  // Every block of 1 MiB or more from mmap, returned to the system when freed. glibc's default
  // threshold rises up to 32 MiB as large blocks are freed, after which the checkpoint's text
  // (tens of MB, grown by doubling on the outbox's saver thread every few seconds) is built in
  // that thread's own heap, which keeps it resident: 60 MB more RSS with 100,000 logins
  // (live_bench.py --shape big). Few blocks are that large, so the cost is a few mmap calls.
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
  return Daemon(path, std::move(*config)).Run();
}

}  // namespace relaywatch::app
