// Mutes in app/: the mutes file in state_dir and the "mute"/"unmute" requests of the status
// socket.
//
// state_dir/mutes holds the daemon's mutes (state/mutes_codec.h), 0600, replaced whole with
// store::WriteFileAtomic and read with store::ReadRegularFile capped at kMaxMutesFileBytes.
//
// The requests are one line each (the status socket reads at most kMaxRequestBytes):
//   mute KEY RULE SECONDS REASON
//   unmute KEY RULE
// fields separated by single spaces; in a field, bytes 0x21..0x7E other than '%' pass and every
// other byte is "%XX" (uppercase hex); the empty field is "-" (and "-" itself is "%2D"). RULE
// "-" means every rule. Each field is at most alerting::kMaxMuteField bytes once decoded.
// The daemon answers lines "ok: …", "warning: …" or "error: …".
#ifndef RELAYWATCH_APP_MUTES_H_
#define RELAYWATCH_APP_MUTES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/mute_list.h"
#include "relaywatch/core/result.h"

namespace relaywatch::app {

inline constexpr std::size_t kMaxMutesFileBytes = std::size_t{4} << 20;  // 4 MiB
inline constexpr std::size_t kMaxRequestBytes = 4096;

// state_dir + "/mutes".
std::string MutesPath(const std::string& state_dir);
// The mutes in the file; empty when it does not exist. Errors: "unable to read PATH: reason", or
// "PATH: <what is wrong>" for a file that is not a valid mutes file (a FIFO, too big, corrupt).
core::Result<std::vector<alerting::Mute>> ReadMutesFile(const std::string& path);
core::Status WriteMutesFile(const std::string& path, const std::vector<alerting::Mute>& mutes);

struct MuteRequest {
  bool mute = true;  // false: unmute
  std::string key;
  std::string rule;  // empty: every rule
  std::uint64_t seconds = 0;
  std::string reason;
};

std::string EncodeMuteRequest(const MuteRequest& r);
// nullopt: not a mute or unmute request (another request: "text", "json").
std::optional<core::Result<MuteRequest>> ParseMuteRequest(std::string_view line);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_MUTES_H_
