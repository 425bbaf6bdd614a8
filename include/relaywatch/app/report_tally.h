// ReportTally: the per-login table of `relaywatch report` (DESIGN.md "users").
//
// What the old cron scripts printed as `COUNT USER`, kept exactly: recipients relayed per Key in
// the range, the peak window count per rule, the foreign senders used with how many recipients,
// and the number of distinct client IPs of authenticated recipients. It counts the accepted
// recipients the Detector counts (HitObserver::OnLine), under the Detector's Key, so the
// table and the findings agree on who sent what (chkuser's login, or qlog's where the log has
// qlogenvelope lines). Only recipients and hits stamped inside the range count; the pipeline's
// warm-up before the range does not.
#ifndef RELAYWATCH_APP_REPORT_TALLY_H_
#define RELAYWATCH_APP_REPORT_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "relaywatch/core/recent_key.h"
#include "relaywatch/core/string_map.h"
#include "relaywatch/core/time.h"
#include "relaywatch/core/u64_set.h"
#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/rule_spec.h"
#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::app {

struct UserRow {
  std::string user;
  std::uint64_t recipients = 0;     // relaying recipients in range
  std::vector<std::uint64_t> peak;  // by rule index (rule_order): highest window count, 0 = none
  std::map<std::string, std::uint64_t> foreign_senders;  // sender -> recipients
  // Distinct client IPs, no string per address: an IPv4 address as its 32 bits (exact, and half
  // the memory: over ten days of a big site these sets were the largest part of report's), any
  // other as a 64-bit hash (exact in practice). Together capped at kMaxIps.
  core::U32Set remote_ipv4;
  core::U64Set remote_ip_hashes;
  std::size_t RemoteIps() const { return remote_ipv4.size() + remote_ip_hashes.size(); }
};

class ReportTally : public detect::HitObserver {
 public:
  static constexpr std::size_t kMaxIps = 100000;
  static constexpr std::size_t kMaxForeignSenders = 1000;

  using Users = core::StringMap<UserRow>;

  ReportTally(const std::vector<detect::RuleSpec>& rules, core::Timestamp since);

  void OnLine(const detect::LineHits& line) override;
  // The row's peaks and its address set: a big site's day reaches a different row on nearly
  // every line.
  void Prefetch(const void* annex) const override {
    const UserRow* row = static_cast<const UserRow*>(annex);
    __builtin_prefetch(row->peak.data());
    row->remote_ipv4.Prefetch();
  }

  // The rows; the caller may take them once the tally is done.
  Users& users() { return users_; }

 private:
  UserRow& Row(std::string_view key);
  static void AddForeignSender(UserRow& row, std::string_view sender);

  std::size_t rules_ = 0;
  core::Timestamp since_;
  Users users_;
  core::RecentKey<UserRow> recent_;  // a line and its hits all name the same key
  // The address inserted last, and into which row: a session's lines repeat it (rows never move).
  const UserRow* last_ip_row_ = nullptr;
  std::string last_ip_;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_REPORT_TALLY_H_
