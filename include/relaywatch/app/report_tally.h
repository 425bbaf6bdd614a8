// ReportTally: the per-login table of `relaywatch report` (DESIGN.md "users").
//
// What the old cron scripts printed as `COUNT USER`, kept exactly: recipients relayed per Key in
// the range, the peak window count per rule, the foreign senders used with how many recipients,
// and the number of distinct client IPs of authenticated lines. Only lines and hits stamped inside
// the range count; the pipeline's warm-up before the range does not.
//
// The line half (OnLine) needs nothing but the line, the hit half (OnHit) comes from the detector;
// they keep separate rows, so `report` feeds OnLine on its decoding thread and OnHit on the
// counting thread (DecodeThread). users() joins the two once both are done.
#ifndef RELAYWATCH_APP_REPORT_TALLY_H_
#define RELAYWATCH_APP_REPORT_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/core/u64_set.h"
#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/rule_spec.h"
#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::app {

struct UserRow {
  std::string user;
  std::uint64_t recipients = 0;  // relaying recipients in range
  std::vector<std::uint64_t> peak;  // by rule index (rule_order): highest window count, 0 = none
  std::map<std::string, std::uint64_t> foreign_senders;  // sender -> recipients
  // Distinct client IPs, as 64-bit hashes: exact in practice, and no string per address.
  core::U64Set remote_ips;  // capped at kMaxIps
  bool relayed = false;
};

class ReportTally : public detect::HitObserver {
 public:
  static constexpr std::size_t kMaxIps = 100000;
  static constexpr std::size_t kMaxForeignSenders = 1000;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Users = std::unordered_map<std::string, UserRow, Hash, std::equal_to<>>;

  ReportTally(const std::vector<detect::RuleSpec>& rules, std::string_view default_domain,
              core::Timestamp since);

  // A line in range (the pipeline's line observer, or the decoding thread).
  void OnLine(const pipeline::LineView& view);
  void OnHit(const detect::Hit& hit) override;

  // Every row, the hits joined to the lines (the caller may take them); not while OnLine or
  // OnHit may run.
  Users& users();

 private:
  // One half's rows, with the row last looked up: a message's recipients are consecutive lines
  // of one login, and a line's hits for several rules all name the same key.
  class Rows {
   public:
    UserRow& Row(std::string_view key, std::size_t rules);
    Users& all() { return all_; }
    void Clear() {
      all_.clear();
      last_row_ = nullptr;
    }

   private:
    Users all_;
    std::string last_key_;
    UserRow* last_row_ = nullptr;  // unordered_map nodes do not move
  };
  static void AddForeign(UserRow& row, const std::string& sender, std::uint64_t n);

  std::size_t rules_ = 0;
  std::string default_domain_;
  core::Timestamp since_;
  std::size_t first_sender_rule_ = SIZE_MAX;  // foreign senders are counted once, by this rule
  Rows lines_;  // OnLine's: recipients, remote_ips, relayed; and, after users(), everything
  Rows hits_;   // OnHit's: peak, foreign_senders
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_REPORT_TALLY_H_
