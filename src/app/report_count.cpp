#include "relaywatch/app/report_count.h"

#include <sched.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "relaywatch/app/qlog_marks.h"
#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::app {
namespace {

// One shard: its Pipeline, its table, and its alerts with the number of the line that made each.
struct Shard {
  Shard(const config::Config& config, const ReportCountRequest& req)
      : pipe(std::make_unique<pipeline::Pipeline>(config)), tally(config.rules, req.since) {}
  std::unique_ptr<pipeline::Pipeline> pipe;  // let go once it has counted every line
  pipeline::Stats stats;                     // the pipe's, kept when it goes
  ReportTally tally;
  std::vector<alerting::Alert> alerts;
  std::vector<std::uint64_t> lines;  // by alert
  std::uint64_t line = 0;            // the number of the line being counted
};

// Whether alert i of shard a comes before alert j of shard b in one Pipeline's order (the header
// says which that is).
bool EmittedBefore(const Shard& a, std::size_t a_shard, std::size_t i, const Shard& b,
                   std::size_t b_shard, std::size_t j) {
  if (a.lines[i] != b.lines[j]) return a.lines[i] < b.lines[j];
  const alerting::Alert& x = a.alerts[i];
  const alerting::Alert& y = b.alerts[j];
  const bool x_resolved = x.state == alerting::AlertState::kResolved;
  const bool y_resolved = y.state == alerting::AlertState::kResolved;
  if (x_resolved != y_resolved) return !x_resolved;
  if (x_resolved) {
    return std::tie(x.finding.rule, x.finding.key) < std::tie(y.finding.rule, y.finding.key);
  }
  return std::tie(a_shard, i) < std::tie(b_shard, j);
}

}  // namespace

std::size_t DefaultReportThreads() {
  // The processors this process may run on (taskset, a cpuset), not all the machine has. Every
  // shard still reads every line's stamp, and the lines every shard needs: beyond 16 it buys
  // nothing a log of one site needs.
  cpu_set_t set;
  CPU_ZERO(&set);
  std::size_t cores = 0;
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    cores = static_cast<std::size_t>(CPU_COUNT(&set));
  if (cores == 0) cores = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(cores, 1, 16);
}

ReportCount CountReport(const config::Config& config, const ReportCountRequest& req,
                        follow::StoredLogReader& reader,
                        const follow::DecodeThread::Consumer& inspect) {
  // No more shards than the smallest max_keys: each holds max_keys / n keys of a rule (below).
  std::size_t n = std::max<std::size_t>(req.threads, 1);
  for (const detect::RuleSpec& r : config.rules)
    if (r.max_keys > 0) n = std::min(n, r.max_keys);
  std::vector<std::unique_ptr<Shard>> shards;
  std::vector<follow::DecodeThread::Consumer> consumers;
  std::vector<follow::DecodeThread::LookAhead> look_ahead;
  std::vector<follow::DecodeThread::Done> done;
  // The Detector's stages are spaced for this distance, and its views must not outlive a batch.
  static_assert(follow::DecodeThread::kLookAhead == detect::Detector::kLookAhead);
  for (std::size_t i = 0; i < n; ++i) {
    Shard& s = *shards.emplace_back(std::make_unique<Shard>(config, req));
    pipeline::Pipeline& pipe = *s.pipe;
    for (const std::string& service : req.services) pipe.AddSource(service);
    if (req.quiet_until) pipe.set_quiet_until(*req.quiet_until);
    pipe.detector().set_shard(i, n);
    pipe.detector().set_keep_samples(false);  // a report prints no alert bodies
    pipe.set_hit_observer(&s.tally);
    pipe.set_alert_sink([&s](alerting::Alert&& a) {
      s.alerts.push_back(std::move(a));
      s.lines.push_back(s.line);
    });
    look_ahead.emplace_back([&pipe](const follow::ReadLine* r) {
      pipe.LookAhead(r != nullptr ? &r->decoded : nullptr);
    });
    consumers.emplace_back([&s, &pipe](const follow::ReadLine& r) {
      // The look-ahead found that this log carries qlogenvelope lines from here on.
      if (r.qlog_from_here) pipe.detector().KnowQlogService(pipe.service(r.input));
      pipe.OnLine(r.input, r.decoded);
      ++s.line;
    });
    // The windows and the ledger, the largest part, are not needed once the shard has counted
    // every line: each shard frees its own on its own thread, all at once (on the big site's
    // day, freeing them one after another on this thread took longer than writing the JSON).
    done.emplace_back([&s] {
      s.stats = s.pipe->stats();
      s.pipe.reset();
    });
  }
  // Each shard is given whole only the lines its Pipeline needs; the others' as their stamp.
  // Asked of shard 0's Pipeline on the decoding thread: every shard's answers alike.
  std::vector<follow::DecodeThread::Skip> skips;
  follow::DecodeThread::Routing routing;
  QlogMarks qlog_marks(req.services);
  if (n > 1) {
    for (const auto& s : shards) {
      skips.emplace_back([&s = *s](const follow::DecodeThread::Brief& b) {
        s.pipe->OnOthersLine(b.time, b.tag);
        ++s.line;
      });
    }
    routing.skip = skips;
    routing.route = [&pipe = *shards[0]->pipe, &qlog_marks](const follow::ReadLine& r) {
      qlog_marks.See(r);
      follow::DecodeThread::Brief b;
      b.tag = pipeline::Pipeline::StatsBits(r.decoded);
      // The look-ahead's mark (KnowQlogService, above) is every shard's to know.
      const std::size_t shard =
          r.qlog_from_here ? detect::Detector::kAllShards : pipe.ShardNeeding(r.decoded);
      b.owner = shard == detect::Detector::kAllShards ? follow::DecodeThread::kEveryone
                : shard == detect::Detector::kNoShard ? follow::DecodeThread::kNoOne
                                                      : static_cast<std::uint8_t>(shard);
      return b;
    };
  }
  follow::DecodeThread::Run(reader, inspect, consumers, look_ahead, done, routing);

  ReportCount out;
  out.qlog_unmarked = qlog_marks.unmarked();
  out.stats = shards[0]->stats;  // every shard counted the same lines
  out.stats.findings = out.stats.alerts = out.stats.evicted_keys = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Shard& s = *shards[i];
    const pipeline::Stats& st = s.stats;
    out.stats.findings += st.findings;
    out.stats.alerts += st.alerts;
    out.stats.evicted_keys += st.evicted_keys;
    out.tables.push_back(std::move(s.tally.users()));
  }
  if (n == 1) {
    out.alerts = std::move(shards[0]->alerts);  // already in its order
    return out;
  }
  std::vector<std::pair<std::size_t, std::size_t>> order;  // (shard, index)
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < shards[i]->alerts.size(); ++k) order.emplace_back(i, k);
  }
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return EmittedBefore(*shards[a.first], a.first, a.second, *shards[b.first], b.first, b.second);
  });
  out.alerts.reserve(order.size());
  for (const auto& [s, k] : order) out.alerts.push_back(std::move(shards[s]->alerts[k]));
  return out;
}

}  // namespace relaywatch::app
