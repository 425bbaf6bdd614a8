#include "relaywatch/app/local_zone.h"

#include <time.h>

#include <array>

namespace relaywatch::app {
namespace {

bool SameWallTime(const struct tm& a, const struct tm& b) {
  return a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday &&
         a.tm_hour == b.tm_hour && a.tm_min == b.tm_min && a.tm_sec == b.tm_sec;
}

std::int64_t OffsetAt(core::Timestamp t) {
  time_t secs =
      static_cast<time_t>(std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
  struct tm local {};
  if (localtime_r(&secs, &local) == nullptr) return 0;
  return local.tm_gmtoff;
}

std::optional<core::Timestamp> ToUtc(const core::CivilTime& c) {
  if (!core::FromCivilUtc(c)) return std::nullopt;  // not a calendar time at all
  // mktime would carry second 60 into the next minute; do that after, so the round-trip check
  // below compares a wall time that can exist.
  const bool leap = c.second == 60;
  struct tm want {};
  want.tm_year = c.year - 1900;
  want.tm_mon = c.month - 1;
  want.tm_mday = c.day;
  want.tm_hour = c.hour;
  want.tm_min = c.minute;
  want.tm_sec = leap ? 59 : c.second;

  // mktime normalises a wall time in a DST gap to one that exists, and picks either instant of a
  // repeated one; so ask for both DST readings and keep those that read back as the wall time
  // asked for. None: the wall time was skipped. Two: it repeats, take the earlier.
  std::optional<time_t> best;
  for (int isdst : std::array<int, 3>{-1, 0, 1}) {
    struct tm in = want;
    in.tm_isdst = isdst;
    time_t secs = mktime(&in);
    struct tm back {};
    if (localtime_r(&secs, &back) == nullptr || !SameWallTime(back, want)) continue;
    if (!best || secs < *best) best = secs;
  }
  if (!best) return std::nullopt;
  return core::FromUnix(static_cast<std::int64_t>(*best) + (leap ? 1 : 0), c.nanos);
}

}  // namespace

core::LocalZone SystemLocalZone() {
  tzset();
  core::LocalZone zone;
  zone.offset_at = OffsetAt;
  zone.to_utc = ToUtc;
  return zone;
}

}  // namespace relaywatch::app
