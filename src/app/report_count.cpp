#include "relaywatch/app/report_count.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <tuple>

#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::app {
namespace {

// One shard: its Pipeline, its table, and its alerts with the number of the line that made them.
struct Shard {
  Shard(const config::Config& config, const ReportCountRequest& req)
      : pipe(config), tally(config.rules, req.since) {}
  struct Made {
    std::uint64_t line;
    alerting::Alert alert;
  };
  pipeline::Pipeline pipe;
  ReportTally tally;
  std::vector<Made> alerts;
  std::uint64_t line = 0;  // the number of the line being counted
};

// Whether a comes before b in one Pipeline's order (the header says which that is).
bool EmittedBefore(const Shard::Made& a, std::size_t a_shard, std::size_t a_index,
                   const Shard::Made& b, std::size_t b_shard, std::size_t b_index) {
  if (a.line != b.line) return a.line < b.line;
  const bool a_resolved = a.alert.state == alerting::AlertState::kResolved;
  const bool b_resolved = b.alert.state == alerting::AlertState::kResolved;
  if (a_resolved != b_resolved) return !a_resolved;
  if (a_resolved) {
    return std::tie(a.alert.finding.rule, a.alert.finding.key) <
           std::tie(b.alert.finding.rule, b.alert.finding.key);
  }
  return std::tie(a_shard, a_index) < std::tie(b_shard, b_index);
}

}  // namespace

std::size_t DefaultReportThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

ReportCount CountReport(const config::Config& config, const ReportCountRequest& req,
                        follow::StoredLogReader& reader,
                        const follow::DecodeThread::Consumer& inspect) {
  const std::size_t n = std::max<std::size_t>(req.threads, 1);
  std::vector<std::unique_ptr<Shard>> shards;
  std::vector<follow::DecodeThread::Consumer> consumers;
  for (std::size_t i = 0; i < n; ++i) {
    Shard& s = *shards.emplace_back(std::make_unique<Shard>(config, req));
    for (const std::string& service : req.services) s.pipe.AddSource(service);
    if (req.quiet_until) s.pipe.set_quiet_until(*req.quiet_until);
    s.pipe.detector().set_shard(i, n);
    s.pipe.detector().set_keep_samples(false);  // a report prints no alert bodies
    s.pipe.set_hit_observer(&s.tally);
    s.pipe.set_alert_sink([&s](alerting::Alert&& a) {
      s.alerts.push_back({s.line, std::move(a)});
    });
    consumers.emplace_back([&s](const follow::ReadLine& r) {
      // The look-ahead found that this log carries qlogenvelope lines from here on.
      if (r.qlog_from_here) s.pipe.detector().KnowQlogService(s.pipe.service(r.input));
      s.pipe.OnLine(r.input, r.decoded);
      ++s.line;
    });
  }
  follow::DecodeThread::Run(reader, inspect, consumers);

  ReportCount out;
  out.stats = shards[0]->pipe.stats();  // every shard counted the same lines
  out.stats.findings = out.stats.alerts = out.stats.evicted_keys = 0;
  std::vector<std::tuple<std::size_t, std::size_t>> order;  // (shard, index)
  for (std::size_t i = 0; i < n; ++i) {
    const pipeline::Stats& st = shards[i]->pipe.stats();
    out.stats.findings += st.findings;
    out.stats.alerts += st.alerts;
    out.stats.evicted_keys += st.evicted_keys;
    for (std::size_t k = 0; k < shards[i]->alerts.size(); ++k) order.emplace_back(i, k);
    if (out.users.empty()) {
      out.users = std::move(shards[i]->tally.users());
    } else {
      out.users.merge(shards[i]->tally.users());  // disjoint: a login is in one shard
    }
  }
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    const auto [as, ai] = a;
    const auto [bs, bi] = b;
    return EmittedBefore(shards[as]->alerts[ai], as, ai, shards[bs]->alerts[bi], bs, bi);
  });
  out.alerts.reserve(order.size());
  for (const auto& [s, k] : order) out.alerts.push_back(std::move(shards[s]->alerts[k].alert));
  return out;
}

}  // namespace relaywatch::app
