// StoredLogReader: the lines of several multilog directories, merged in stamp order.
//
// `report` reads the stored logs the way the daemon saw them live: each directory's files in
// reading order (archives by TAI64N label, previous, current) and the directories interleaved by
// stamp, so that a login sending through submission and smtps is counted in one window in time
// order. Reads with read(2) in 1 MiB chunks and splits with stamp::LineSplitter (a last line
// without newline is delivered; lines over 64 KiB are cut and counted). Archives closed before
// `skip_before` are not opened at all; a directory stops at its first line stamped at or after
// `stop_at`.
#ifndef RELAYWATCH_APP_STORED_LOG_READER_H_
#define RELAYWATCH_APP_STORED_LOG_READER_H_

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

namespace relaywatch::app {

struct StoredLogInput {
  std::string service;
  std::vector<std::string> files;  // full paths in reading order
};

struct StoredLogTotals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t long_lines = 0;
  std::vector<std::string> warnings;  // files that could not be read, each once
};

class StoredLogReader {
 public:
  // `line` is `raw` stamped (stamp::Stamper); an unstamped line has the time of the last stamped
  // line before it in its input (the epoch before any). Both are valid only during the call.
  using Sink =
      std::function<void(std::size_t input, std::string_view raw, const stamp::Line& line)>;

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

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_STORED_LOG_READER_H_
