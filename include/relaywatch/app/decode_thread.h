// DecodeThread: `report`'s lines read, stamped and parsed on a second thread.
//
// Reading, splitting, stamping and parsing a line need nothing from the lines before it; counting
// it does. So `report` runs StoredLogReader and parse::ParseEvent on a second thread and hands the
// decoded lines over in batches, in order, to the calling thread, which only counts. Each batch
// owns a copy of its lines' bytes, so the views in a DecodedLine stay valid while the reader goes
// on; at most kBatches are in flight, which bounds memory whatever the size of the logs.
#ifndef RELAYWATCH_APP_DECODE_THREAD_H_
#define RELAYWATCH_APP_DECODE_THREAD_H_

#include <cstddef>
#include <functional>
#include <string_view>

#include "relaywatch/app/stored_log_reader.h"
#include "relaywatch/parse/event.h"
#include "relaywatch/parse/parser.h"
#include "relaywatch/stamp/line.h"

namespace relaywatch::app {

struct DecodedLine {
  // Parses in place: the event is built where it stays, not zeroed, parsed, then copied in.
  DecodedLine(std::size_t in, std::string_view bytes, const stamp::Line& stamped)
      : input(in), raw(bytes), line(stamped), event(parse::ParseEvent(line.tag, line.text)) {}

  std::size_t input = 0;
  std::string_view raw;
  stamp::Line line;    // as StoredLogReader hands it on, its views into `raw`
  parse::Event event;  // parse::ParseEvent(line.tag, line.text)
};

class DecodeThread {
 public:
  // A batch is small enough to be still in the shared cache when the other thread takes it up
  // (8,192 lines per batch measured slower on the 1M-line bench) and large enough that the
  // hand-over, a mutex and a wake-up, costs nothing per line.
  static constexpr std::size_t kBatches = 4;
  static constexpr std::size_t kBatchBytes = 512 * 1024;  // >= the longest line (64 KiB)
  static constexpr std::size_t kBatchLines = 2048;

  using Consumer = std::function<void(const DecodedLine&)>;

  // Calls inspect (on the decoding thread) and then consume (on the calling thread) for every
  // line of `reader`, each in the reader's order. inspect is for work that needs nothing consume
  // changes. An exception from consume stops the reader; one from the reader (or inspect) ends
  // the run once the batches already handed over are consumed, without the one being filled.
  // Either is rethrown here.
  static void Run(StoredLogReader& reader, const Consumer& inspect, const Consumer& consume);
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_DECODE_THREAD_H_
