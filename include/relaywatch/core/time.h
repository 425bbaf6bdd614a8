// Event time and its text forms.
//
// relaywatch never reads a clock in its core: every Timestamp comes from a log stamp (TAI64N, the
// `d` date prefix, or a syslog splogger stamp). Timestamps are UTC with nanosecond precision.
// Local time (for `--date` and for the `d` prefix, which has no zone) is converted at the edges
// through a LocalZone, so the pure code stays testable with a fixed offset.
#ifndef RELAYWATCH_CORE_TIME_H_
#define RELAYWATCH_CORE_TIME_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace relaywatch::core {

using Duration = std::chrono::nanoseconds;
using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// A calendar date and time of day with no zone attached.
struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;  // 0..60 (a leap second is accepted and folded into the next)
  std::int64_t nanos = 0;
  friend bool operator==(const CivilTime&, const CivilTime&) = default;
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(int year, int month, int day);
// The UTC calendar form of `t`.
CivilTime ToCivilUtc(Timestamp t);
// `c` read as UTC. Returns nullopt when a field is out of range (month 13, Feb 30, hour 24...).
std::optional<Timestamp> FromCivilUtc(const CivilTime& c);
// The instant `seconds` + `nanos` after 1970-01-01T00:00:00Z. Returns nullopt when `nanos` is
// outside [0, 1e9) or the instant is outside Timestamp's range (1677-09-21 .. 2262-04-11).
std::optional<Timestamp> FromUnix(std::int64_t seconds, std::int64_t nanos);

// Converts between UTC and the administrator's local time (TZ). The edge supplies one built on
// localtime_r/mktime; tests supply a fixed offset.
struct LocalZone {
  // Seconds east of UTC in effect at `t`.
  std::function<std::int64_t(Timestamp)> offset_at;
  // The UTC instant of a local wall time; nullopt if that wall time does not exist (DST gap).
  std::function<std::optional<Timestamp>(const CivilTime&)> to_utc;

  static LocalZone Fixed(std::int64_t offset_seconds);
};

// "2026-11-28T03:15:22.299206500Z": UTC, with nanoseconds (9 digits) always.
std::string FormatIso8601Utc(Timestamp t);
// "2026-11-28 04:15:22" in the given zone: for text an admin reads (no fraction).
std::string FormatLocal(Timestamp t, const LocalZone& zone);

// ISO 8601 as `--since/--until` take it: "2026-11-28", "2026-11-28T03:15", "2026-11-28 03:15:22",
// with optional fraction and optional zone ("Z", "+01:00", "+0100"). Without a zone the time is
// local (through `zone`). Returns nullopt on anything else.
std::optional<Timestamp> ParseIso8601(std::string_view text, const LocalZone& zone);

// Durations as the config writes them: a positive integer and one of s, m, h, d ("90s", "15m",
// "1h", "7d"). Returns nullopt on anything else, including 0 and missing units.
std::optional<Duration> ParseDuration(std::string_view text);
// The shortest exact form: 3600s -> "1h", 90s -> "90s", 86400s -> "1d".
std::string FormatDuration(Duration d);

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_TIME_H_
