// LineDecoder: one source's raw lines to DecodedLines -- the one front end of `run` and `report`.
//
// Decoding a line is three steps, each done here and nowhere else:
//   1. stamp: stamp::Stamper takes the multilog (`t` or `d`) or syslog stamp off;
//   2. the unstamped-line rule: a line without a stamp is dated like the last stamped line before
//      it in the same source (the epoch before any), so it lands in the same windows;
//   3. parse: parse::ParseEvent; a line that starts with '@' but has no valid TAI64N label is
//      malformed ("stamp: ..."): multilog's stamp was damaged, so the text cannot be trusted.
// The daemon's Follower decodes each line it reads inline (Decode); `report` stamps on its
// reading thread, where the lines of several sources are merged by time (Stamp), and parses the
// copy it hands to the counting thread (Parse). One LineDecoder per source: step 2 is per source.
//
// Pure: no I/O, no clock. The views in a DecodedLine point into the raw bytes given.
#ifndef RELAYWATCH_DECODE_LINE_DECODER_H_
#define RELAYWATCH_DECODE_LINE_DECODER_H_

#include <optional>
#include <string_view>

#include "relaywatch/core/time.h"
#include "relaywatch/parse/event.h"
#include "relaywatch/stamp/line.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::decode {

struct DecodedLine {
  std::string_view raw;  // the line without its '\n' (its first 64 KiB when cut)
  stamp::Line line;      // time: its own stamp, or the source's previous one (rule 2)
  parse::Event event;    // parse::ParseEvent(line.tag, line.text), or malformed (rule 3)
  bool cut = false;      // longer than the reader's limit (64 KiB): only the start is here
};

class LineDecoder {
 public:
  static constexpr std::string_view kDamagedStamp =
      "stamp: '@' without a TAI64N label (24 hex digits and a space)";

  // `last` is the source's last stamp when reading resumes (state::Position::last_stamp).
  explicit LineDecoder(core::LocalZone zone, std::optional<core::Timestamp> last = std::nullopt);

  // Steps 1 and 2.
  stamp::Line Stamp(std::string_view raw);
  // Step 3, for a line Stamp returned (its views may point into a copy of `raw`).
  static parse::Event Parse(std::string_view raw, const stamp::Line& line);
  // All three, into `out` (reused: the Event is assigned in place).
  void Decode(std::string_view raw, bool cut, DecodedLine& out);

  // The last stamp read (nullopt before any).
  std::optional<core::Timestamp> last_stamp() const { return last_; }

 private:
  stamp::Stamper stamper_;
  std::optional<core::Timestamp> last_;
};

}  // namespace relaywatch::decode

#endif  // RELAYWATCH_DECODE_LINE_DECODER_H_
