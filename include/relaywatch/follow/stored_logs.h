// StoredLogReader: the stored lines of several multilog directories, merged in stamp order.
//
// `report` reads the stored logs the way the daemon saw them live: each directory's files in
// reading order (archives by TAI64N label, previous, current) and the directories interleaved by
// stamp, so that a login sending through submission and smtps is counted in one window in time
// order. Reads with read(2) in 1 MiB chunks and splits with stamp::LineSplitter (a last line
// without newline is delivered; lines over 64 KiB are cut, and marked so). Each directory's lines
// are stamped by its own decode::LineDecoder, as the Follower's are. Archives closed before
// `skip_before` are not opened at all; a directory stops at its first line stamped at or after
// `stop_at`.
//
// Look-ahead: each directory's files are searched for sagredo's `qlogenvelope:` lines, the
// archives before the range when the reader is made (newest first, up to 64 MiB), each file in
// the range just before it is read (so the search runs on the reading thread, a file ahead of
// the counting). The first one found marks its input as a qlog log from the chkuser line
// of the same recipient just before it (or from itself): the line handed on there has
// `qlog_from_here` set, so the counting side knows, before it counts that chkuser line, that the
// qlogenvelope line will count the recipient under its real login (detect/detector.h). The
// daemon knows it from its checkpoint.
#ifndef RELAYWATCH_FOLLOW_STORED_LOGS_H_
#define RELAYWATCH_FOLLOW_STORED_LOGS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"
#include "relaywatch/stamp/line.h"

namespace relaywatch::follow {

struct StoredLogInput {
  std::string service;
  std::vector<std::string> files;  // full paths in reading order
};

struct StoredLogTotals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> warnings;  // files that could not be read, each once
};

// One line as the reader hands it on. `line` is `raw` stamped by the input's LineDecoder (an
// unstamped line dated like the stamped one before it); views valid only during the call.
struct StoredLine {
  std::size_t input = 0;
  std::string_view raw;
  stamp::Line line;
  bool cut = false;             // over 64 KiB: only its start is here
  bool qlog_from_here = false;  // the look-ahead: the input logs qlogenvelope lines from here on
};

class StoredLogReader {
 public:
  using Sink = std::function<void(const StoredLine& line)>;

  StoredLogReader(std::vector<StoredLogInput> inputs, core::LocalZone zone,
                  std::optional<core::Timestamp> skip_before,
                  std::optional<core::Timestamp> stop_at);
  ~StoredLogReader();

  // Calls the sink for every line, in stamp order across inputs.
  void ForEach(const Sink& sink);
  const StoredLogTotals& totals() const { return totals_; }

 private:
  class Cursor;
  std::vector<std::unique_ptr<Cursor>> cursors_;
  StoredLogTotals totals_;
};

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_FOLLOW_STORED_LOGS_H_
