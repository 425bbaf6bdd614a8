// MuteList: the logins an admin muted with `relaywatch mute`, and whether an alert is paged.
//
// A mute names a key as the detector keys it (a login as detect::LoginKey normalizes it, or
// "ip:ADDRESS" canonical), a rule (empty: every rule), when it ends, who set it and why. While a
// mute matching an alert's key and rule is in force the daemon still counts and records the alert
// but does not page. Mutes end by themselves at `until`; Prune drops the ended ones. Pure: the
// caller gives the time (app/ keeps the list in state_dir/mutes, state/mutes_codec.h its text).
#ifndef RELAYWATCH_ALERTING_MUTE_LIST_H_
#define RELAYWATCH_ALERTING_MUTE_LIST_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

struct Mute {
  std::string key;        // "tom@example.com", "ip:192.0.2.7"
  std::string rule;       // empty: every rule
  core::Timestamp since;  // when it was set
  core::Timestamp until;  // in force while now < until
  std::string by;         // who set it ("mute" for the command)
  std::string reason;     // may be empty

  friend bool operator==(const Mute&, const Mute&) = default;
};

// At most this many mutes at once, and at most this many bytes in a key, rule or reason: the
// status socket and the mutes file stay small whatever is asked.
inline constexpr std::size_t kMaxMutes = 1000;
inline constexpr std::size_t kMaxMuteField = 512;

class MuteList {
 public:
  MuteList() = default;
  explicit MuteList(std::vector<Mute> mutes) : mutes_(std::move(mutes)) {}

  // The mute in force at `now` for an alert of `rule` on `key`: a rule-specific one before one
  // for every rule; of several, the one that ends last. nullptr when none.
  const Mute* Match(std::string_view key, std::string_view rule, core::Timestamp now) const;

  // Adds `m`, replacing a mute with the same key and rule. False (nothing changed) when the list
  // holds kMaxMutes others already.
  bool Add(Mute m);
  // Removes the mute of `key` and `rule` (rule empty: the one for every rule); with `all_rules`,
  // every mute of `key`. Returns how many were removed.
  std::size_t Remove(std::string_view key, std::string_view rule, bool all_rules);
  // Drops the mutes ended by `now`; returns how many.
  std::size_t Prune(core::Timestamp now);

  const std::vector<Mute>& mutes() const { return mutes_; }

 private:
  std::vector<Mute> mutes_;
};

// "muted until 2026-12-07 10:00:00 UTC by mute (password changed)": what the daemon's log and
// the report say of a muted alert (reason omitted, with its parentheses, when empty).
std::string DescribeMute(const Mute& m);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_MUTE_LIST_H_
