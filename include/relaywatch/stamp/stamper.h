// Stamper: takes the stamp off one raw log line and decodes it into a Line.
//
// It recognises, in this order of the first byte:
//   '@'    multilog `t`: "@<24 hex> text" (one space after the label; a bare label is a line
//          with empty text). Upper- and lowercase hex.
//   digit  the multilog fork's `d`: "YYYY-MM-DD HH:MM:SS.NNNNNNNNN text" in local time (the
//          fork writes 9 fraction digits; its millisecond variant 3; 1..9 are accepted),
//          converted to UTC through the LocalZone.
//   letter syslog: "Mon DD HH:MM:SS host prog[pid]: text" or "Mon  D ...". The tag is `prog`
//          without "[pid]". The syslog date has no year, so the line is stamped only when the
//          text starts with qmail splogger's "SECS.USECS " (Unix time), which is then taken off;
//          otherwise stamp is kSyslog with stamped == false. A syslog line with no "tag:" word
//          keeps tag empty and the text after the host.
// Anything else, or a prefix that does not fully match (short or bad label, Feb 30, a month
// name that is not one), leaves the text whole with StampKind::kNone. One trailing '\r' is
// removed first. Stamp never fails and never reads outside `raw`: NUL bytes and invalid UTF-8
// are just bytes.
//
// The returned Line's views point into `raw`; keep it alive while the Line is used. A `t` line
// costs no allocation and no indirect call. A `d` line calls the zone only once per local hour
// seen (its UTC offset is cached), or for every line of an hour whose start falls in a DST gap.
// Known limit: in the hour a DST fall-back repeats, `d` lines all read as the first pass
// (the fork writes no offset, so the two passes cannot be told apart line by line).
#ifndef RELAYWATCH_STAMP_STAMPER_H_
#define RELAYWATCH_STAMP_STAMPER_H_

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "relaywatch/core/time.h"
#include "relaywatch/stamp/line.h"

namespace relaywatch::stamp {

class Stamper {
 public:
  // `zone` reads `d` stamps; an empty LocalZone reads them as UTC.
  explicit Stamper(core::LocalZone zone);

  // `raw` is one line without its '\n'.
  Line Stamp(std::string_view raw);

 private:
  // The UTC instant of a local wall time, through the per-hour offset cache.
  std::optional<core::Timestamp> LocalToUtc(const core::CivilTime& local);
  // The later instant of the wall time at `early` when the clocks repeat it (the hour after
  // they fall back); nullopt when that wall time happens once.
  std::optional<core::Timestamp> LaterReading(core::Timestamp early) const;

  struct HourOffset {
    // Hours since 1970-01-01T00 local; the minimum marks an empty slot.
    std::int64_t local_hour = std::numeric_limits<std::int64_t>::min();
    std::int64_t offset_seconds = 0;  // local - UTC
    bool hour_start_exists = false;   // false: HH:00 is in a DST gap, ask the zone per line
  };

  core::LocalZone zone_;
  std::array<HourOffset, 16> cache_{};
  std::optional<core::Timestamp> last_date_;  // the last `d` stamp read, as UTC
};

}  // namespace relaywatch::stamp

#endif  // RELAYWATCH_STAMP_STAMPER_H_
