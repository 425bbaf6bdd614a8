// Alert ids: the deterministic name of one alert, used as its spool file name.
//
// The id is a pure function of (rule, key, window start), so a crash between writing an alert to
// the spool and committing the checkpoint re-creates the same file instead of a second alert.
// Whatever the rule name and the attacker-chosen key hold, the id is 1..80 bytes of [a-z0-9-],
// starts with a letter or digit, and passes core::IsSafeFileName. Form:
//   <rule name folded to [a-z0-9-], at most 36 bytes>-<16 hex FNV-1a-64 of rule '\0' key>-<unix ns>
// e.g. "hourly-volume-5f2c0d9a1b3e4f67-1795835722299206500". Two keys collide only if their 64-bit
// hashes do (about 1 in 10^9 for 100k keys at once).
#ifndef RELAYWATCH_ALERTING_ALERT_ID_H_
#define RELAYWATCH_ALERTING_ALERT_ID_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "relaywatch/core/time.h"

namespace relaywatch::alerting {

inline constexpr std::size_t kMaxAlertIdLength = 80;

// FNV-1a, 64 bit, over `bytes`, continuing from `hash` (the offset basis by default).
std::uint64_t Fnv1a64(std::string_view bytes, std::uint64_t hash = 14695981039346656037ull);

// The id of the alert for (rule, key) whose period starts at `window_start` (the stamp of the
// line that produced it). Same inputs, same id; the time is written as decimal nanoseconds since
// the Unix epoch (an instant before 1970 as its two's complement, still digits only).
std::string MakeAlertId(std::string_view rule, std::string_view key, core::Timestamp window_start);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_ALERT_ID_H_
