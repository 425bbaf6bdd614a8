// Stats: what the pipeline saw, counted instead of thrown.
//
// Like LevelDB's log reader reporting corruption: a malformed or cut line is counted under its
// reason and a few samples are kept for the report, and processing carries on.
#ifndef RELAYWATCH_PIPELINE_STATS_H_
#define RELAYWATCH_PIPELINE_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::pipeline {

struct Stats {
  static constexpr std::size_t kMalformedSamples = 10;

  std::uint64_t lines = 0;         // every line read
  std::uint64_t relay = 0;         // chkuser "relaying rcpt" lines
  std::uint64_t chkuser = 0;       // chkuser lines of any verdict
  std::uint64_t malformed = 0;     // lines of a known kind that did not parse
  std::uint64_t unstamped = 0;     // lines without a stamp (they take the previous line's time)
  std::uint64_t long_lines = 0;    // lines over 64 KiB, cut
  std::uint64_t findings = 0;      // before the ledger
  std::uint64_t alerts = 0;        // admitted by the ledger
  std::uint64_t evicted_keys = 0;  // keys a full rule gave up for new ones (rules[].max_keys)
  std::map<std::string, std::uint64_t> malformed_by_reason;
  std::vector<std::string> malformed_samples;  // raw text of the first few; escape to show

  void CountMalformed(std::string_view reason, std::string_view text);
  friend bool operator==(const Stats&, const Stats&) = default;
};

}  // namespace relaywatch::pipeline

#endif  // RELAYWATCH_PIPELINE_STATS_H_
