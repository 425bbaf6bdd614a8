// ReportTally: the per-login table of `relaywatch report` (DESIGN.md "users").
//
// What the old cron scripts printed as `COUNT USER`, kept exactly: recipients relayed per Key in
// the range, the peak window count per rule, the foreign senders used with how many recipients,
// and the number of distinct client IPs of authenticated lines. Only lines and hits stamped inside
// the range count; the pipeline's warm-up before the range does not.
#ifndef RELAYWATCH_APP_REPORT_TALLY_H_
#define RELAYWATCH_APP_REPORT_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/rule_spec.h"
#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::app {

struct UserRow {
  std::string user;
  std::uint64_t recipients = 0;                          // relaying recipients in range
  std::map<std::string, std::uint64_t> peak;             // rule name -> highest window count
  std::map<std::string, std::uint64_t> foreign_senders;  // sender -> recipients
  // Distinct client IPs, as 64-bit hashes: exact in practice, and no string per address.
  std::unordered_set<std::uint64_t> remote_ips;          // capped at kMaxIps
  bool relayed = false;
};

class ReportTally : public detect::HitObserver {
 public:
  static constexpr std::size_t kMaxIps = 100000;
  static constexpr std::size_t kMaxForeignSenders = 1000;

  ReportTally(const std::vector<detect::RuleSpec>& rules, std::string_view default_domain,
              core::Timestamp since);

  void OnLine(const pipeline::LineView& view);
  void OnHit(const detect::Hit& hit) override;

  const auto& users() const { return users_; }

 private:
  UserRow& Row(std::string_view key);
  std::vector<std::string> rule_names_;
  std::vector<detect::RuleKind> rule_kinds_;
  std::string default_domain_;
  core::Timestamp since_;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Users = std::unordered_map<std::string, UserRow, Hash, std::equal_to<>>;
  std::size_t first_sender_rule_ = SIZE_MAX;  // foreign senders are counted once, by this rule
  Users users_;
  // The row last looked up: a line's hits for several rules all name the same key.
  std::string last_key_;
  UserRow* last_row_ = nullptr;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_REPORT_TALLY_H_
