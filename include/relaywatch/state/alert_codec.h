// Alert codec: one spooled Alert, with its delivery state, as one versioned text.
//
// The spool (store/spool.h) keeps each pending alert in a file of its own; this is the pure half,
// SpooledAlert <-> text. Decode(Encode(s)) gives s back field for field, whatever bytes the key,
// senders, recipients and digest text hold (they are log text: newlines, NULs, invalid UTF-8),
// and a file cut short, with a changed byte, or of another version is refused with an error
// naming the line.
//
// The format is the checkpoint's (see state/checkpoint.h): header "relaywatch-alert 1", one
// record per line, fields escaped, times in nanoseconds since the Unix epoch, a checksum line.
// Records, each once unless marked as repeated:
//   id ID  state new|ongoing|resolved|digest|test  host HOST
//   rule NAME  kind KIND  key KEY  count N  limit N  window NS  first T  last T
//   service S  basis B  unit recipients|messages (optional: recipients)  detail D
//   sender TEXT N (repeated)  remote-ip TEXT N (repeated)  recipient TEXT (repeated; of each,
//   Decode keeps the first detect::SampleBook::kShown, as many as an alert's sample holds)
//   previous-count N  digest-count N  digest-text TEXT
//   attempts N  first-spooled T  next-attempt T  last-error TEXT
#ifndef RELAYWATCH_STATE_ALERT_CODEC_H_
#define RELAYWATCH_STATE_ALERT_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"

namespace relaywatch::state {

inline constexpr int kAlertCodecVersion = 1;

// An Alert waiting in the spool for one channel. Times here are wall-clock times of the daemon
// (the alert's own times are event time).
struct SpooledAlert {
  alerting::Alert alert;
  std::uint32_t attempts = 0;       // deliveries tried and failed so far
  core::Timestamp first_spooled{};  // when it entered the spool
  core::Timestamp next_attempt{};   // not to be tried before this
  std::string last_error;           // the transport's words at the last failure, or empty
};

// The spooled alert as text, checksum line included. Never fails.
std::string EncodeSpooledAlert(const SpooledAlert& spooled);

// The spooled alert `text` holds. Errors name the line ("line 3: state value: unknown alert state
// \"paged\"", "line 28: checksum mismatch: the file is corrupt"); a record that must appear once
// and does not is "missing \"id\" record", one given twice "line 9: id given twice".
core::Result<SpooledAlert> DecodeSpooledAlert(std::string_view text);

}  // namespace relaywatch::state

#endif  // RELAYWATCH_STATE_ALERT_CODEC_H_
