// Mutes codec: the mutes `relaywatch mute` set (alerting/mute_list.h), as the text of
// state_dir/mutes.
//
// The format is the checkpoint's (state/checkpoint.h): header "relaywatch-mutes 1", one record
// per mute, "mute KEY RULE SINCE UNTIL BY REASON" (fields escaped, the empty rule "\-" meaning
// every rule, times in nanoseconds since the Unix epoch), then a checksum line. Decode(Encode(m))
// gives m back; a file cut short, with a changed byte, of another version, with more than
// alerting::kMaxMutes mutes or a field longer than alerting::kMaxMuteField is refused with an
// error naming the line.
#ifndef RELAYWATCH_STATE_MUTES_CODEC_H_
#define RELAYWATCH_STATE_MUTES_CODEC_H_

#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/mute_list.h"
#include "relaywatch/core/result.h"

namespace relaywatch::state {

inline constexpr int kMutesCodecVersion = 1;

std::string EncodeMutes(const std::vector<alerting::Mute>& mutes);
core::Result<std::vector<alerting::Mute>> DecodeMutes(std::string_view text);

}  // namespace relaywatch::state

#endif  // RELAYWATCH_STATE_MUTES_CODEC_H_
