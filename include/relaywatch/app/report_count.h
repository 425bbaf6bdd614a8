// CountReport: report's counting of the lines, by one Pipeline or by one per shard of the logins.
//
// A shard's Pipeline counts only the logins that hash to it (detect::Detector::set_shard). Each
// shard runs on a thread of its own, fed by one decoding thread (follow::DecodeThread), which
// routes the lines: a shard is given whole the lines its Pipeline needs (its logins' lines, and
// those every shard needs: sessions and the services' logs are not per login), and of every other
// line only its stamp and what the stats count of it (pipeline::Pipeline::ShardNeeding,
// OnOthersLine). A login's windows, ledger entries and table row are all in one shard, so the
// merged result is exactly one Pipeline's:
//   - the table rows of the shards are disjoint;
//   - every shard counts every line in its stats, so the line counts are taken from one;
//     findings, alerts and evictions are summed;
//   - the alerts are put back in the order one Pipeline emits them: by line; a line's own findings
//     (all of one login, so of one shard) before the resolutions its 5-minute maintenance made;
//     those by (rule, key), the order in which the ledger walks its entries.
// Two things do not shard. A service's first qlogenvelope line, when the reader did not mark the
// service before it (ReportCount::qlog_unmarked), is counted again on one thread. And a rule's
// max_keys cap holds over all logins. Each of N shards holds
// at most max_keys / N logins of a rule (Detector::set_shard): if none had to evict, one Pipeline
// would not have either, and the result is exact; if one did, RunReport counts again on one
// thread (`evicted_keys` is not 0). So a range where more than max_keys / N logins of a rule are
// active at once is counted twice over, the second time exactly.
#ifndef RELAYWATCH_APP_REPORT_COUNT_H_
#define RELAYWATCH_APP_REPORT_COUNT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/app/report_tally.h"
#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/follow/decode_thread.h"
#include "relaywatch/follow/stored_logs.h"
#include "relaywatch/pipeline/stats.h"

namespace relaywatch::app {

struct ReportCountRequest {
  std::vector<std::string> services;               // by the reader's input index
  core::Timestamp since = core::Timestamp::min();  // the table counts from here
  std::optional<core::Timestamp> quiet_until;      // no alert before (the warm-up)
  std::size_t threads = 1;                         // shards; 0 or 1: one Pipeline
};

struct ReportCount {
  std::vector<alerting::Alert> alerts;  // in the order one Pipeline emits them
  pipeline::Stats stats;
  // Each shard's table, as it counted it: a login is in one. Not merged into one map, which
  // rehashed every row (the caller takes the rows it shows by pointer).
  std::vector<ReportTally::Users> tables;
  // A routed count saw a qlogenvelope line of a service before the reader had marked the service
  // as a qlog log: that line is counted against the service's last chkuser recipient, which only
  // one shard may have seen (detect::Detector::ShardNeeding). The caller counts again on one
  // Pipeline.
  bool qlog_unmarked = false;
};

// Counts every line of `reader`; `inspect` runs for each on the decoding thread.
ReportCount CountReport(const config::Config& config, const ReportCountRequest& request,
                        follow::StoredLogReader& reader,
                        const follow::DecodeThread::Consumer& inspect);

// The number of shards `report` uses unless --threads says: one per processor it may run on
// (sched_getaffinity), from 1 to 16.
std::size_t DefaultReportThreads();

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_REPORT_COUNT_H_
