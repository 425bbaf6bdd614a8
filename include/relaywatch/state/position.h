// Position: how far a Source has been read, in a form that survives rotation and restarts.
//
// A multilog file keeps its inode when `current` becomes `previous` and then `@<tai64n>.s`, so
// device + inode name the file wherever it has moved in its directory. Inodes are reused once a
// file is pruned, so the Position also carries a fingerprint of the file's first bytes: a file
// with the right inode but another fingerprint is a different file. `offset` is just after the
// last consumed newline, so a partial last line is read again, whole, after a restart.
// device and inode 0 name no file: the reader started where there was nothing to read and put
// nothing behind, so every file found later is read from its start, and none is missing.
// Pure data: the follower fills it, the checkpoint stores it.
#ifndef RELAYWATCH_STATE_POSITION_H_
#define RELAYWATCH_STATE_POSITION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "relaywatch/core/time.h"

namespace relaywatch::state {

// How many leading bytes of a file its fingerprint covers, at most.
inline constexpr std::size_t kFingerprintBytes = 256;

struct Position {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t fingerprint = 0;      // Fingerprint() of the file's first fingerprint_len bytes
  std::uint32_t fingerprint_len = 0;  // min(file size when last read, kFingerprintBytes)
  std::uint64_t offset = 0;           // just after the last consumed '\n'
  std::optional<core::Timestamp> last_stamp;  // stamp of the last consumed line, if it had one
  friend bool operator==(const Position&, const Position&) = default;
};

// FNV-1a 64 of `bytes`; the caller passes a file's first min(size, kFingerprintBytes) bytes.
// Inline: the follower and the checkpoint code both use it, without a link dependency.
inline std::uint64_t Fingerprint(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  return h;
}

}  // namespace relaywatch::state

#endif  // RELAYWATCH_STATE_POSITION_H_
