#include "relaywatch/app/source_set.h"

#include "relaywatch/core/text.h"

namespace relaywatch::app {
namespace {

std::string Esc(std::string_view s) { return core::EscapeForLog(s); }

}  // namespace

struct SourceSet::Followed {
  follow::Source source;
  std::size_t pipeline_id = 0;
  std::unique_ptr<follow::Follower> follower;
  std::optional<state::Position> position;  // after the last line the pipeline consumed
  std::uint64_t lines = 0;
  std::uint64_t cut_lines_told = 0;  // of follower->stats().long_lines, already logged
  // lines/s over the last status interval
  std::uint64_t rate_lines = 0;
  std::chrono::steady_clock::time_point rate_since = std::chrono::steady_clock::now();
  double rate = 0;
  std::optional<std::chrono::steady_clock::time_point> last_gap;
};

std::string_view SourceState(const SourceStatus& s, std::chrono::steady_clock::time_point now) {
  if (!s.waiting_reason.empty()) return "waiting";
  if (s.last_gap && now - *s.last_gap < kRecentGap) return "gap";
  return "following";
}

SourceSet::SourceSet(net::io_context& io, core::LocalZone zone, Hooks hooks)
    : io_(io), zone_(std::move(zone)), hooks_(std::move(hooks)) {}

SourceSet::~SourceSet() { Stop(); }

std::vector<follow::Source> SourceSet::Discover(const config::SourcesConfig& config,
                                                std::string_view hint) {
  follow::DiscoveryResult found = follow::DiscoverSources(config);
  for (const std::string& p : found.problems) hooks_.on_warning(Esc(p));
  if (found.sources.empty()) hooks_.on_warning("no log directory to follow; " + std::string(hint));
  return found.sources;
}

void SourceSet::Start(const std::vector<follow::Source>& sources, pipeline::Pipeline& pipe,
                      const std::map<std::string, state::Position>& positions,
                      std::optional<core::Timestamp> warm_since) {
  pipe_ = &pipe;
  for (const follow::Source& src : sources) {
    auto it = positions.find(src.dir);
    Follow(src, it == positions.end() ? std::nullopt : std::optional(it->second), warm_since,
           "from the checkpoint");
  }
}

void SourceSet::Reconcile(const std::vector<follow::Source>& sources, pipeline::Pipeline& pipe,
                          std::optional<core::Timestamp> warm_since) {
  pipe_ = &pipe;
  std::map<std::string, follow::Source> wanted;
  for (const follow::Source& src : sources) wanted[src.dir] = src;
  for (auto it = followed_.begin(); it != followed_.end();) {
    auto w = wanted.find(it->first);
    if (w == wanted.end() || w->second.service != it->second->source.service) {
      hooks_.on_info("releasing " + Esc(it->first));
      it->second->follower->Stop();
      if (it->second->position) released_[it->first] = *it->second->position;
      it = followed_.erase(it);
    } else {
      it->second->pipeline_id = pipe.AddSource(it->second->source.service);
      ++it;
    }
  }
  for (const auto& [dir, src] : wanted) {
    if (followed_.count(dir)) continue;
    auto r = released_.find(dir);
    std::optional<state::Position> from;
    if (r != released_.end()) {
      from = r->second;
      released_.erase(r);
    }
    Follow(src, from, warm_since, "from where it was read to before a reload");
  }
}

void SourceSet::Stop() {
  for (auto& [dir, f] : followed_) f->follower->Stop();
}

void SourceSet::Follow(const follow::Source& src, std::optional<state::Position> from,
                       std::optional<core::Timestamp> warm_since, std::string_view resumed) {
  auto f = std::make_unique<Followed>();
  f->source = src;
  f->pipeline_id = pipe_->AddSource(src.service);
  f->position = from;
  Followed* raw = f.get();
  follow::FollowerCallbacks cb;
  cb.on_line = [this, raw](const decode::DecodedLine& line, const state::Position& after) {
    pipe_->OnLine(raw->pipeline_id, line);
    raw->position = after;
    ++raw->lines;
  };
  cb.on_batch_end = [this, raw](const state::Position& pos) {
    raw->position = pos;
    NoteCutLines(*raw);
    hooks_.on_batch_end();
  };
  cb.on_gap = [this, raw](const follow::Gap& gap) {
    raw->last_gap = std::chrono::steady_clock::now();
    hooks_.on_gap(raw->source, gap);
  };
  cb.on_warning = [this](std::string_view w) { hooks_.on_warning(std::string(w)); };
  follow::FollowerOptions opts;
  opts.zone = zone_;
  f->follower = std::make_unique<follow::Follower>(io_, src, std::move(cb), opts);
  follow::StartFrom start;
  start.position = from;
  if (!from) start.warm_since = warm_since;
  f->follower->Start(start);
  hooks_.on_info("following " + Esc(src.service) + " " + Esc(src.dir) +
                 (start.position     ? " " + std::string(resumed)
                  : start.warm_since ? " (warm start)"
                                     : " from the end"));
  followed_[src.dir] = std::move(f);
}

void SourceSet::NoteCutLines(Followed& f) {
  const std::uint64_t cut = f.follower->stats().long_lines;
  if (cut <= f.cut_lines_told) return;
  const std::uint64_t n = cut - f.cut_lines_told;
  f.cut_lines_told = cut;
  hooks_.on_warning(Esc(f.source.service) + ": " + std::to_string(n) + " line" +
                    (n == 1 ? "" : "s") + " over 64 KiB in " + Esc(f.source.dir) +
                    ", cut: only the first 64 KiB of each is read");
}

std::vector<state::SourceCheckpoint> SourceSet::Positions() const {
  std::vector<state::SourceCheckpoint> out;
  for (const auto& [dir, f] : followed_) {
    if (f->position) out.push_back({f->source.service, f->source.dir, *f->position});
  }
  return out;
}

std::vector<SourceStatus> SourceSet::Status() {
  std::vector<SourceStatus> out;
  const auto now = std::chrono::steady_clock::now();
  for (auto& [dir, f] : followed_) {
    const double secs = std::chrono::duration<double>(now - f->rate_since).count();
    if (secs >= 1.0) {
      f->rate = static_cast<double>(f->lines - f->rate_lines) / secs;
      f->rate_lines = f->lines;
      f->rate_since = now;
    }
    out.push_back({f->source.service, f->source.dir, f->lines, f->rate, f->position,
                   f->follower->stats(), f->follower->waiting_reason(), f->last_gap});
  }
  return out;
}

}  // namespace relaywatch::app
