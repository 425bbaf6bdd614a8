#include "relaywatch/alerting/ledger.h"

#include <algorithm>

#include "relaywatch/alerting/alert_id.h"

namespace relaywatch::alerting {
namespace {

// Nanoseconds from `from` to `to` (0 when `to` is earlier), on the raw tick counts so that neither
// Timestamp::min/max from a checkpoint nor a huge `repeat` can overflow.
std::uint64_t Span(core::Timestamp from, core::Timestamp to) {
  if (to < from) return 0;
  return static_cast<std::uint64_t>(to.time_since_epoch().count()) -
         static_cast<std::uint64_t>(from.time_since_epoch().count());
}

std::uint64_t Ticks(core::Duration d) {
  return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count());
}

// True when at least `d` has passed from `from` to `to`.
bool Elapsed(core::Timestamp from, core::Timestamp to, core::Duration d) {
  return to >= from && Span(from, to) >= Ticks(d);
}

}  // namespace

Ledger::Ledger(LedgerOptions options) : options_(std::move(options)) {}

Alert Ledger::MakeAlert(AlertState state, std::string id, detect::Finding f,
                        std::uint64_t previous_count) const {
  Alert a;
  a.id = std::move(id);
  a.state = state;
  a.host = options_.host;
  a.finding = std::move(f);
  a.previous_count = previous_count;
  return a;
}

bool Ledger::Escalated(const State& s, const detect::Finding& f) const {
  if (!options_.escalate || f.count <= s.last_count) return false;
  return static_cast<double>(f.count) >= *options_.escalate * static_cast<double>(s.last_count);
}

// `at` + `d`, saturated at the end of time.
core::Timestamp Ledger::Plus(core::Timestamp at, core::Duration d) {
  const std::uint64_t left = Span(at, core::Timestamp::max());
  return Ticks(d) >= left ? core::Timestamp::max() : at + d;
}

std::optional<Alert> Ledger::Admit(const detect::Finding& f) {
  const core::Duration period = options_.repeat.value_or(f.window);
  // Nothing this admits can resolve or go stale before its period ends (last_alert only grows).
  next_due_ = std::min(next_due_, Plus(f.last, period));
  auto [it, inserted] = entries_.try_emplace(Key(f.rule, f.key));
  State& s = it->second;
  AlertState state;
  std::uint64_t previous = 0;
  if (inserted) {
    state = AlertState::kNew;
  } else if (f.last <= s.last_alert) {
    return std::nullopt;  // not newer than what was alerted: a replayed or late line
  } else if (!s.open || Stale(s, f.last)) {
    // A new episode after a resolution, or after so long that Prune may already have dropped
    // the entry: "new" must not depend on when Prune last ran.
    state = AlertState::kNew;
  } else if (Elapsed(s.last_alert, f.last, s.period) || Escalated(s, f)) {
    state = AlertState::kOngoing;
    previous = s.last_count;
  } else {
    return std::nullopt;
  }
  s.last_alert = f.last;
  s.last_count = f.count;
  s.period = period;
  s.open = true;
  s.kind = f.kind;
  s.limit = f.limit;
  s.window = f.window;
  return MakeAlert(state, MakeAlertId(f.rule, f.key, f.last), f, previous);
}

void Ledger::Adopt(const std::string& rule, const std::string& key, std::uint64_t paged_count) {
  auto it = entries_.find(Key(rule, key));
  if (it != entries_.end()) it->second.last_count = paged_count;
}

std::vector<Alert> Ledger::Resolve(core::Timestamp now, const CountNow& count_now) {
  std::vector<Alert> out;
  if (!options_.resolved || now < next_due_) return out;
  for (auto& [k, s] : entries_) {
    if (!s.open || !Elapsed(s.last_alert, now, s.period)) continue;
    const std::uint64_t count = count_now(k.first, k.second);
    if (count >= s.limit) continue;
    s.open = false;
    detect::Finding f;
    f.rule = k.first;
    f.kind = s.kind;
    f.key = k.second;
    f.count = count;
    f.limit = s.limit;
    f.window = s.window;
    f.first = s.last_alert;
    f.last = now;
    std::string id_rule = k.first;
    id_rule.push_back('\0');
    id_rule += "resolved";
    out.push_back(MakeAlert(AlertState::kResolved, MakeAlertId(id_rule, k.second, now),
                            std::move(f), s.last_count));
  }
  return out;
}

core::Timestamp Ledger::DueAt(const State& s) const {
  // An entry waiting for its resolution is looked at once its period has ended (and at every
  // walk after that, while its count stays at the limit); any other, once it is stale.
  if (options_.resolved && s.open) return Plus(s.last_alert, s.period);
  return Plus(Plus(s.last_alert, s.period), s.period);
}

bool Ledger::Stale(const State& s, core::Timestamp now) const {
  const bool waiting_for_resolve = options_.resolved && s.open;
  // Strictly older than now - 2 * period (2 * period fits: both are below 2^63).
  const bool old = now > s.last_alert && Span(s.last_alert, now) > 2 * Ticks(s.period);
  return old && !waiting_for_resolve;
}

void Ledger::Prune(core::Timestamp now) {
  // Called every 5 minutes of event time; a walk over every entry each time was a fifteenth of
  // report's time on a big site's day, where thousands of entries wait out a 24-hour period.
  if (now < next_due_) return;
  next_due_ = core::Timestamp::max();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (Stale(it->second, now)) {
      it = entries_.erase(it);
    } else {
      next_due_ = std::min(next_due_, DueAt(it->second));
      ++it;
    }
  }
}

std::vector<Ledger::Entry> Ledger::Entries() const {
  std::vector<Entry> out;
  out.reserve(entries_.size());
  for (const auto& [k, s] : entries_) {
    out.push_back(Entry{k.first, k.second, s.last_alert, s.last_count, s.period, s.open, s.kind,
                        s.limit, s.window});
  }
  return out;
}

void Ledger::Restore(std::vector<Entry> entries) {
  entries_.clear();
  next_due_ = core::Timestamp::min();
  for (Entry& e : entries) {
    entries_[Key(std::move(e.rule), std::move(e.key))] =
        State{e.last_alert, e.last_count, e.period, e.open, e.kind, e.limit, e.window};
  }
}

}  // namespace relaywatch::alerting
