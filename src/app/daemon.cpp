#include "relaywatch/app/daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <csignal>
#include <cstdio>

#include "relaywatch/app/alert_outbox.h"
#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/daemon_checkpoint.h"
#include "relaywatch/app/daemon_state.h"
#include "relaywatch/app/eviction_notice.h"
#include "relaywatch/app/local_zone.h"
#include "relaywatch/app/logging.h"
#include "relaywatch/app/status_server.h"
#include "relaywatch/config/loader.h"
#include "relaywatch/core/text.h"
#include "relaywatch/follow/asio.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/store/state_dir.h"

namespace relaywatch::app {
namespace {

constexpr auto kCheckpointEvery = std::chrono::milliseconds(200);
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
      : signals_(io_, SIGHUP, SIGTERM, SIGINT), checkpoint_timer_(io_), summary_timer_(io_) {
    s_.config_path = std::move(config_path);
    s_.config = std::move(config);
    s_.zone = SystemLocalZone();
  }

  int Run() {
    if (auto st = PrepareStateDir(); !st) {
      LogError(st.error().message);
      return kExitBadInput;
    }
    s_.store = std::make_unique<detect::MemoryWindowStore>();
    s_.pipeline = MakePipeline(s_.config);
    outbox_ = std::make_unique<AlertOutbox>(s_.config, [](std::string_view level,
                                                          std::string_view msg) {
      if (level == "error") LogError(msg);
      else if (level == "warning") LogWarning(msg);
      else LogInfo(msg);
    });
    auto load = LoadDaemonCheckpoint(s_);
    if (!load) {
      LogError(load.error().message + "; not starting, so nothing is counted or alerted twice");
      return kExitBadInput;
    }
    CheckpointLoad& loaded = *load;
    for (const std::string& w : loaded.warnings) LogWarning(w);
    StartSources(loaded);
    outbox_->Start();
    status_ = std::make_unique<StatusServer>(io_, s_.config.state_dir + "/status.sock",
                                             [this](std::string_view request) {
                                               return Status(request);
                                             });
    if (auto st = status_->Listen(); !st) LogWarning(st.error().message + "; status unavailable");
    WaitSignal();
    ArmSummary();
    LogInfo("relaywatch " RELAYWATCH_VERSION " started: " + std::to_string(s_.sources.size()) +
            " sources, " + std::to_string(s_.config.rules.size()) + " rules, " +
            std::to_string(s_.config.alerts.channels.size()) + " channels");
    io_.run();
    return exit_code_;
  }

 private:
  core::Status PrepareStateDir() {
    const std::string& dir = s_.config.state_dir;
    // Created 0700 when missing; an existing one is refused, never chmod-ed, when it is not
    // private to this user (store/state_dir.h).
    if (auto st = store::PrepareStateDir(dir); !st) return st;
    // One daemon per state_dir: a second one would count every line twice.
    std::string lock = dir + "/lock";
    lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    if (lock_fd_ < 0) return core::Error{"unable to open " + lock + ": " + std::strerror(errno)};
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return core::Error{"unable to lock " + lock + ": another relaywatch runs with this state_dir"};
    }
    return core::OkStatus();
  }

  std::unique_ptr<pipeline::Pipeline> MakePipeline(const config::Config& c) {
    auto p = std::make_unique<pipeline::Pipeline>(c, s_.zone, *s_.store);
    p->set_alert_sink([this](alerting::Alert&& a) { OnAlert(std::move(a)); });
    return p;
  }

  void OnAlert(alerting::Alert&& alert) {
    const std::string what =
        "alert " + alert.id + ": " + Esc(detect::RuleKindName(alert.finding.kind)) + " " +
        Esc(alert.finding.key) + " " + std::to_string(alert.finding.count) + "/" +
        std::to_string(alert.finding.limit) + " rule " + Esc(alert.finding.rule);
    // Catch-up after a warm start or a long stop: history is recorded, not paged.
    if (WallNow() - alert.finding.last > s_.config.alerts.max_age) {
      ++s_.alerts_not_paged;
      LogInfo(what + " not paged: its last line is older than alerts.max_age (" +
              core::FormatDuration(s_.config.alerts.max_age) + ")");
      return;
    }
    LogInfo(what);
    outbox_->Put(alert);
  }

  void StartSources(const CheckpointLoad& loaded) {
    follow::DiscoveryResult found = follow::DiscoverSources(s_.config.sources);
    for (const std::string& p : found.problems) LogWarning(Esc(p));
    if (found.sources.empty()) LogWarning("no log directory to follow; check sources in " + s_.config_path);
    for (const follow::Source& src : found.sources) AddSource(src, loaded);
  }

  // The follower cuts a line over 64 KiB (only its first 64 KiB is parsed); the count goes into
  // the pipeline's stats, which the checkpoint keeps with the positions, and the log says so.
  void CountCutLines(FollowedSource& src) {
    const std::uint64_t cut = src.follower->stats().long_lines;
    if (cut <= src.long_lines_seen) return;
    const std::uint64_t n = cut - src.long_lines_seen;
    src.long_lines_seen = cut;
    s_.pipeline->stats().long_lines += n;
    LogWarning(Esc(src.source.service) + ": " + std::to_string(n) + " line" + (n == 1 ? "" : "s") +
               " over 64 KiB in " + Esc(src.source.dir) +
               ", cut: only the first 64 KiB of each is read");
  }

  void AddSource(const follow::Source& src, const CheckpointLoad& loaded,
                 std::string_view resumed = "from the checkpoint") {
    auto fs = std::make_unique<FollowedSource>();
    fs->source = src;
    fs->pipeline_id = s_.pipeline->AddSource(src.service);
    FollowedSource* raw = fs.get();
    follow::FollowerCallbacks cb;
    cb.on_line = [this, raw](std::string_view line, const state::Position& after) {
      s_.pipeline->OnLine(raw->pipeline_id, line);
      raw->position = after;
      ++raw->lines;
    };
    cb.on_batch_end = [this, raw](const state::Position& pos) {
      raw->position = pos;
      CountCutLines(*raw);
      if (auto w = evictions_.Check(*s_.store, s_.config.rules, std::chrono::steady_clock::now())) {
        LogWarning(*w);
      }
      ScheduleCheckpoint();
    };
    cb.on_gap = [this, raw](const follow::Gap& gap) { OnGap(*raw, gap); };
    cb.on_warning = [dir = src.dir](std::string_view w) { LogWarning(std::string(w)); };
    follow::FollowerOptions opts;
    opts.zone = s_.zone;
    fs->follower = std::make_unique<follow::Follower>(io_, src, std::move(cb), opts);
    follow::StartFrom from;
    auto it = loaded.positions.find(src.dir);
    if (it != loaded.positions.end()) {
      from.position = it->second;
      fs->position = it->second;
    } else if (s_.config.startup == config::Startup::kWarm) {
      // Read back far enough that the longest rule window is full from the start.
      from.warm_since = WallNow() - s_.pipeline->detector().longest_window();
    }
    fs->follower->Start(from);
    LogInfo("following " + Esc(src.service) + " " + Esc(src.dir) +
            (from.position     ? " " + std::string(resumed)
             : from.warm_since ? " (warm start)"
                               : " from the end"));
    s_.sources[src.dir] = std::move(fs);
  }

  void OnGap(FollowedSource& src, const follow::Gap& gap) {
    ++s_.gaps;
    detect::Finding f;
    f.rule = "gap";
    f.kind = detect::RuleKind::kGap;
    f.key = "log:" + src.source.service;
    f.count = std::max<std::uint64_t>(gap.files_skipped, 1);
    f.limit = 0;
    f.window = std::chrono::hours(1);
    f.first = gap.from.value_or(gap.to.value_or(WallNow()));
    f.last = gap.to.value_or(WallNow());
    f.service = src.source.service;
    f.basis = "follower";
    // At resume multilog had deleted the file being read and leaves no count of any after it;
    // while following, the archive names count the files pruned unread. Say the span.
    const std::string n = std::to_string(gap.files_skipped);
    const std::string files = gap.files_skipped == 1 ? " file" : " files";
    std::string advice;
    switch (gap.seen) {
      case follow::Gap::Seen::kAtResume:
        f.detail = "log lost before it was read in " + src.source.dir +
                   ": multilog pruned the file being read and any after it";
        break;
      case follow::Gap::Seen::kPrunedUnread:
        f.detail = "log lost before it was read in " + src.source.dir + ": multilog pruned " + n +
                   files + " before relaywatch could read them";
        advice = "; raise s or n in its log/run";
        break;
      case follow::Gap::Seen::kMaybePruned:
        f.detail = "log may have been lost before it was read in " + src.source.dir +
                   ": multilog pruned files while inotify lost events, so some may have gone "
                   "unread";
        advice = "; raise s or n in its log/run";
        break;
    }
    f.detail += (gap.from ? ", lines after " + core::FormatIso8601Utc(*gap.from) : std::string()) +
                (gap.to ? " until " + core::FormatIso8601Utc(*gap.to) : std::string()) + advice;
    LogWarning(Esc(f.detail));
    s_.pipeline->InjectFinding(std::move(f));
  }

  void ScheduleCheckpoint() {
    if (checkpoint_pending_) return;
    checkpoint_pending_ = true;
    // At most every 200 ms, and taking them costs this thread never more than a tenth of the
    // time: copying out and encoding 100,000 logins' windows takes a while (writing them is the
    // outbox's).
    checkpoint_timer_.expires_after(std::max<std::chrono::steady_clock::duration>(
        kCheckpointEvery, last_checkpoint_cost_ * 10));
    checkpoint_timer_.async_wait([this](boost::system::error_code ec) {
      checkpoint_pending_ = false;
      if (ec) return;
      Checkpoint();
    });
  }

  // Takes (and encodes) the checkpoint here and hands the text to the outbox, which writes it on
  // its own thread once the alerts it records are spooled; while it still holds the last one,
  // wait for that. Only the text waits there: no second copy of the windows lives on.
  void Checkpoint() {
    if (outbox_->Committing()) {
      ScheduleCheckpoint();
      return;
    }
    auto t0 = std::chrono::steady_clock::now();
    outbox_->Commit(TakeDaemonCheckpoint(s_));
    last_checkpoint_cost_ = std::chrono::steady_clock::now() - t0;
  }

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
    for (auto& [dir, src] : s_.sources) src->follower->Stop();
    checkpoint_timer_.cancel();
    summary_timer_.cancel();
    // The last checkpoint, written by Stop once every alert before it is spooled (or not at all,
    // logged, when the spool still refuses some: the next start then reads their lines again).
    outbox_->Commit(TakeDaemonCheckpoint(s_));
    if (status_) status_->Close();
    outbox_->Stop();
    signals_.cancel();
    io_.stop();
    exit_code_ = kExitOk;
  }

  void Reload() {
    auto next = config::LoadConfigFile(s_.config_path);
    if (!next) {
      LogError("reload refused, keeping the running config: " + next.error().message);
      return;
    }
    // Windows of rules whose name, kind and window did not change are kept.
    std::vector<int> map(s_.config.rules.size(), -1);
    for (std::size_t i = 0; i < s_.config.rules.size(); ++i) {
      const auto& old = s_.config.rules[i];
      for (std::size_t j = 0; j < next->rules.size(); ++j) {
        const auto& nu = next->rules[j];
        if (old.name == nu.name && old.kind() == nu.kind() && old.window == nu.window) {
          map[i] = static_cast<int>(j);
        }
      }
    }
    s_.store->Remap(map, next->rules.size());
    auto ledger = s_.pipeline->ledger().Entries();
    pipeline::Stats stats = s_.pipeline->stats();
    const std::vector<std::string> qlog_services = s_.pipeline->detector().QlogServices();
    s_.config = std::move(*next);
    s_.pipeline = MakePipeline(s_.config);
    // What the old Detector learned of the logs: the forged-AUTH guard holds across a reload.
    for (const std::string& service : qlog_services) {
      s_.pipeline->detector().KnowQlogService(service);
    }
    s_.pipeline->ledger().Restore(std::move(ledger));
    s_.pipeline->stats() = stats;
    outbox_->Reconfigure(s_.config);

    follow::DiscoveryResult found = follow::DiscoverSources(s_.config.sources);
    std::map<std::string, follow::Source> wanted;
    for (const auto& src : found.sources) wanted[src.dir] = src;
    for (auto it = s_.sources.begin(); it != s_.sources.end();) {
      if (!wanted.count(it->first) || wanted[it->first].service != it->second->source.service) {
        LogInfo("releasing " + Esc(it->first));
        it->second->follower->Stop();
        if (it->second->position) s_.released[it->first] = *it->second->position;
        it = s_.sources.erase(it);
      } else {
        it->second->pipeline_id = s_.pipeline->AddSource(it->second->source.service);
        ++it;
      }
    }
    CheckpointLoad resume;
    resume.positions = s_.released;
    for (const auto& [dir, src] : wanted) {
      if (s_.sources.count(dir)) continue;
      AddSource(src, resume, "from where it was read to before a reload");
      s_.released.erase(dir);
    }
    LogInfo("reloaded " + s_.config_path + ": " + std::to_string(s_.sources.size()) +
            " sources, " + std::to_string(s_.config.rules.size()) + " rules");
    ScheduleCheckpoint();
  }

  void ArmSummary() {
    summary_timer_.expires_after(kSummaryEvery);
    summary_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const pipeline::Stats& st = s_.pipeline->stats();
      const AlertOutbox::Counts counts = outbox_->counts();
      LogInfo("summary: lines " + std::to_string(st.lines) + " relaying " +
              std::to_string(st.relay) + " malformed " + std::to_string(st.malformed) + " long " +
              std::to_string(st.long_lines) + " alerts " + std::to_string(counts.spooled) +
              " unspooled " + std::to_string(counts.unspooled) + " keys " +
              std::to_string(s_.store->KeyCount()) + " evicted " +
              std::to_string(st.evicted_keys) + " pending " +
              std::to_string(outbox_->Pending()));
      ArmSummary();
    });
  }

  std::string Status(std::string_view request) {
    const AlertOutbox::Counts counts = outbox_->counts();
    s_.checkpoints = counts.checkpoints;
    s_.alerts_spooled = counts.spooled;
    s_.alerts_unspooled = counts.unspooled;
    s_.spool_errors = counts.spool_errors;
    if (request.starts_with("text")) return DaemonStatusText(s_, outbox_->StatusText());
    return DaemonStatusJson(s_, outbox_->StatusJson());
  }

  net::io_context io_;
  net::signal_set signals_;
  net::steady_timer checkpoint_timer_;
  net::steady_timer summary_timer_;
  bool checkpoint_pending_ = false;
  std::chrono::steady_clock::duration last_checkpoint_cost_{};
  int lock_fd_ = -1;
  DaemonState s_;
  EvictionNotice evictions_;
  std::unique_ptr<AlertOutbox> outbox_;
  std::unique_ptr<StatusServer> status_;
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
  return Daemon(path, std::move(*config)).Run();
}

}  // namespace relaywatch::app
