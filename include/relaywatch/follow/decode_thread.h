// DecodeThread: `report`'s lines read, stamped and parsed on a second thread.
//
// Reading, splitting, stamping and parsing a line need nothing that counting changes. So `report`
// runs StoredLogReader (which stamps through each input's decode::LineDecoder) and
// decode::LineDecoder::Parse on a second thread and hands the
// decoded lines over in batches, in order, to the calling thread, which only counts. Each batch
// owns a copy of its lines' bytes, so the views in a DecodedLine stay valid while the reader goes
// on; at most kBatches are in flight, which bounds memory whatever the size of the logs.
#ifndef RELAYWATCH_FOLLOW_DECODE_THREAD_H_
#define RELAYWATCH_FOLLOW_DECODE_THREAD_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "relaywatch/core/time.h"
#include "relaywatch/decode/line_decoder.h"
#include "relaywatch/follow/stored_logs.h"
#include "relaywatch/stamp/line.h"

namespace relaywatch::follow {

// One line of one input, decoded, in a batch that owns its bytes.
struct ReadLine {
  // Parses in place: the event is built where it stays, not zeroed, parsed, then copied in.
  // `stamped`'s views point into `bytes`.
  ReadLine(const StoredLine& from, std::string_view bytes, const stamp::Line& stamped)
      : input(from.input),
        qlog_from_here(from.qlog_from_here),
        decoded{bytes, stamped, decode::LineDecoder::Parse(bytes, stamped), from.cut} {}

  std::size_t input = 0;
  bool qlog_from_here = false;  // StoredLine::qlog_from_here
  decode::DecodedLine decoded;
};

class DecodeThread {
 public:
  // A batch is small enough to be still in the shared cache when the other thread takes it up
  // (8,192 lines per batch measured slower on the 1M-line bench) and large enough that the
  // hand-over, a mutex and a wake-up, costs nothing per line.
  static constexpr std::size_t kBatches = 4;
  static constexpr std::size_t kBatchBytes = 512 * 1024;  // >= the longest line (64 KiB)
  static constexpr std::size_t kBatchLines = 2048;

  using Consumer = std::function<void(const ReadLine&)>;
  // Called before a consumer's every line with the line kLookAhead lines after it in its batch,
  // nullptr when the batch ends first: a hint of what is coming, for work that must not wait on
  // memory (detect::Detector::LookAhead). A look-ahead that keeps views of the lines it was shown
  // may keep them for kLookAhead calls: the batch's last kLookAhead calls, with nullptr, come
  // before the batch goes back to the reader.
  static constexpr std::size_t kLookAhead = 8;
  using LookAhead = std::function<void(const ReadLine*)>;

  // Calls inspect (on the decoding thread) and then consume (on the calling thread) for every
  // line of `reader`, each in the reader's order. inspect is for work that needs nothing consume
  // changes. An exception from consume stops the reader; one from the reader (or inspect) ends
  // the run once the batches already handed over are consumed, without the one being filled.
  // Either is rethrown here.
  static void Run(StoredLogReader& reader, const Consumer& inspect, const Consumer& consume);
  // The same with several consumers, each on a thread of its own (the first on the calling
  // thread), each given every line in order (whole, or as a Brief: Routing below): `report`'s
  // shards, which each count their own logins. A batch goes back to the reader once every consumer
  // is done with it; 2 * kBatches are in flight, so a fast consumer runs at most that many batches
  // ahead of the slowest, and then waits. An exception from any consumer stops the others and the
  // reader, and is rethrown here (the first, by consumer index). look_ahead, when not empty, holds
  // one LookAhead per consumer. done, when not empty, holds one function per consumer, called on
  // that consumer's thread once it has had every line (not when the run stops on an exception): for
  // work that ends a consumer, such as freeing what it built, done by every consumer at once rather
  // than one after another on the calling thread.
  using Done = std::function<void()>;

  // Routing: which consumers need a line whole. `route`, on the decoding thread, names the one
  // consumer that does (or kEveryone, or kNoOne); every other consumer is given only the line's
  // Brief, 16 bytes written beside the lines, and never reads the line itself.
  // `report`'s shards each need only their own logins' lines, and every line a shard reads was
  // written on another core. A consumer's look-ahead is then shown the lines it
  // gets whole, kLookAhead of them ahead, and its lines still come in the reader's order, each
  // either whole (to its Consumer) or as a Brief (to its Skip).
  static constexpr std::uint8_t kEveryone = 0xff;
  static constexpr std::uint8_t kNoOne = 0xfe;
  static constexpr std::size_t kMaxRouted = kNoOne;  // consumers a route can name
  struct Brief {
    core::Timestamp time{};          // the line's stamp (stamp::Line::time)
    std::uint8_t owner = kEveryone;  // the consumer given the line whole, kEveryone or kNoOne
    std::uint8_t tag = 0;            // the route's own bits, for the Skips
  };
  // The owner and tag of a line (its time is filled in by Run).
  using Route = std::function<Brief(const ReadLine&)>;
  using Skip = std::function<void(const Brief&)>;
  struct Routing {
    Route route;                 // empty: every line to every consumer
    std::span<const Skip> skip;  // one per consumer when route is set
  };

  static void Run(StoredLogReader& reader, const Consumer& inspect,
                  std::span<const Consumer> consumers, std::span<const LookAhead> look_ahead = {},
                  std::span<const Done> done = {}, const Routing& routing = {});
};

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_FOLLOW_DECODE_THREAD_H_
