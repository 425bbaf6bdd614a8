// Ledger: the dedup memory between Findings and Alerts, in event time.
//
// A rule produces a Finding at every line while a key stays over its limit; the ledger turns that
// stream into at most one Alert per (rule, key) per period, where the period is `alerts.repeat`
// or, when unset, the rule's window, counted from the stamp of the last alert. Within a period a
// Finding is silent unless `escalate` is set and the count has grown by that factor; the first
// Finding at or after the period's end is an Ongoing ("still going on") alert, or a New one when
// more than two periods have passed (the entry is forgotten, whether Prune ran or not); with
// `alerts.resolved`, a key whose period has ended and whose count is back under the limit gets one
// Resolved alert, and a later Finding starts a new episode with a New alert.
//
// Resolution waits for the period's end on purpose: a sliding count that dips under the limit
// and back (499, 500, 499...) would otherwise page OK/NEW/OK. So every (rule, key) sends at most
// one message per period, plus at most one New right after a Resolved.
//
// Ids: New and Ongoing alerts are MakeAlertId(rule, key, finding.last); a Resolved alert is
// MakeAlertId(rule + '\0' + "resolved", key, now) (prefix "<rule>-resolved-"), so no two alerts
// of one key share an id. Findings whose stamp is not after the last alert's are ignored (an
// older line from a slower source), so an id is never reused.
//
// The ledger holds one Entry per (rule, key) alerted recently; Prune bounds it; Entries/Restore
// carry it through the checkpoint. No clock, no I/O; not thread-safe.
#ifndef RELAYWATCH_ALERTING_LEDGER_H_
#define RELAYWATCH_ALERTING_LEDGER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/finding.h"

namespace relaywatch::alerting {

struct LedgerOptions {
  std::optional<core::Duration> repeat;  // nullopt = the finding's window
  // Re-alert inside the period when count >= escalate * last alerted count (and has grown).
  std::optional<double> escalate;
  bool resolved = false;  // Resolve produces kResolved alerts; otherwise it returns nothing
  std::string host;       // copied into every Alert
};

class Ledger {
 public:
  // What the ledger remembers of one (rule, key): enough to dedup and to describe a resolution.
  struct Entry {
    std::string rule;
    std::string key;
    core::Timestamp last_alert{};  // stamp of the finding last alerted (New or Ongoing)
    std::uint64_t last_count = 0;  // its count
    core::Duration period{};       // the dedup period in force since last_alert
    bool open = false;             // alerted and not yet resolved
    // Of the rule, for the Resolved alert's finding.
    detect::RuleKind kind = detect::RuleKind::kVolume;
    std::uint64_t limit = 0;
    core::Duration window{};

    friend bool operator==(const Entry&, const Entry&) = default;
  };

  using CountNow = std::function<std::uint64_t(const std::string& rule, const std::string& key)>;

  explicit Ledger(LedgerOptions options);

  // The Alert `f` deserves, or nullopt when it is a repeat inside the period. First finding for
  // (rule, key), or first after a resolution: kNew. Inside the period: nullopt, or kOngoing when
  // `escalate` is met. At or after the period's end: kOngoing with previous_count.
  std::optional<Alert> Admit(const detect::Finding& f);

  // Another node of a fleet paged (rule, key) at `paged_count` (fleet/claim.h): an escalation
  // here counts from that count, as it would had this ledger paged it. Only an entry this
  // ledger admitted changes (the alert whose claim the other node held).
  void Adopt(const std::string& rule, const std::string& key, std::uint64_t paged_count);

  // With options.resolved: for each open entry whose period has ended by `now` (event time) and
  // whose count_now(rule, key) is under the limit, one kResolved alert (finding.count = the count
  // now, finding.first = the last alert's stamp, finding.last = now, previous_count = the count
  // last alerted); the entry is closed, so each episode resolves once. Without it: empty, and
  // count_now is not called. Alerts come in (rule, key) order.
  std::vector<Alert> Resolve(core::Timestamp now, const CountNow& count_now);

  // Drops entries whose last alert is older than now - 2 * period. With options.resolved an open
  // entry is kept until Resolve closes it (call Resolve first), so no resolution is lost.
  void Prune(core::Timestamp now);

  // Every entry in (rule, key) order, for the checkpoint.
  std::vector<Entry> Entries() const;
  // Replaces the ledger's contents with `entries` (as Entries gave them).
  void Restore(std::vector<Entry> entries);

  std::size_t size() const { return entries_.size(); }

 private:
  struct State {
    core::Timestamp last_alert{};
    std::uint64_t last_count = 0;
    core::Duration period{};
    bool open = false;
    detect::RuleKind kind = detect::RuleKind::kVolume;
    std::uint64_t limit = 0;
    core::Duration window{};
  };
  using Key = std::pair<std::string, std::string>;  // (rule, key)

  Alert MakeAlert(AlertState state, std::string id, detect::Finding f,
                  std::uint64_t previous_count) const;
  bool Escalated(const State& s, const detect::Finding& f) const;
  // Older than two periods at `now` and not waiting for a resolution: as good as forgotten.
  bool Stale(const State& s, core::Timestamp now) const;

  static core::Timestamp Plus(core::Timestamp at, core::Duration d);
  // When Resolve or Prune may next have something to do with this entry.
  core::Timestamp DueAt(const State& s) const;

  LedgerOptions options_;
  std::map<Key, State> entries_;
  // No entry resolves or goes stale before this (the earliest last_alert + period, or earlier):
  // Resolve and Prune skip their walk until then. Not state: min() makes the next walk exact.
  core::Timestamp next_due_ = core::Timestamp::min();
};

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_LEDGER_H_
