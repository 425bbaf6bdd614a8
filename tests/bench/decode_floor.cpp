// decode_floor: what `report` costs before it counts anything.
//
// Reads a multilog directory exactly as `report` does (StoredLogReader on its thread, stamping and
// parsing in DecodeThread) and hands every line to a consumer that only tallies event kinds. Its
// time is the floor under report's: no change to the rules or the tally can go below it.
// Usage: decode_floor DIR    (prints lines, chkuser lines, relaying lines)
#include <cstdio>
#include <variant>

#include "relaywatch/follow/decode_thread.h"
#include "relaywatch/follow/log_dir.h"

int main(int argc, char** argv) {
  using namespace relaywatch;
  if (argc != 2) {
    std::fprintf(stderr, "usage: decode_floor DIR\n");
    return 2;
  }
  auto files = follow::ListLogFiles(argv[1]);
  if (!files) {
    std::fprintf(stderr, "decode_floor: %s\n", files.error().message.c_str());
    return 1;
  }
  follow::StoredLogReader reader({{"bench", std::move(*files)}}, core::LocalZone::Fixed(0), {}, {});
  std::size_t lines = 0, chkuser = 0, relaying = 0;
  follow::DecodeThread::Run(reader, nullptr, [&](const follow::ReadLine& r) {
    ++lines;
    if (const auto* c = std::get_if<parse::ChkuserEvent>(&r.decoded.event)) {
      ++chkuser;
      relaying += c->verdict == parse::ChkuserVerdict::kRelayingRcpt;
    }
  });
  std::printf("lines %zu chkuser %zu relaying %zu\n", lines, chkuser, relaying);
  return 0;
}
