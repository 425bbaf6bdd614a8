#include "relaywatch/stamp/tai64n.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace relaywatch::stamp {
namespace {

// 2^62 marks 1970 in TAI64; the extra 10 s is TAI - UTC in 1970, as tai64nlocal takes it.
constexpr std::uint64_t kTai64Epoch = (std::uint64_t{1} << 62) + 10;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Eight hex digits, as they lie in memory, to their value; false if any byte is not a hex digit.
// Every stamped line has 24 of them, so they are read eight at a time in one 64-bit word (SWAR):
// a byte-at-a-time table lookup was a tenth of report's decoding time.
bool ReadHex8(const char* p, std::uint32_t& out) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
  if (x & kHigh) return false;  // a byte >= 0x80: bytes below stay within their lane
  // The bytes from lo to hi, as a high bit in each such byte (lanes < 0x80, so no carries).
  auto in_range = [](std::uint64_t v, std::uint64_t lo, std::uint64_t hi) {
    return (v + kOnes * (0x80 - lo)) & ~(v + kOnes * (0x7F - hi)) & kHigh;
  };
  const std::uint64_t digit = in_range(x, '0', '9');
  const std::uint64_t letter = in_range(x | (kOnes * 0x20), 'a', 'f');  // A-F folded to a-f
  if ((digit | letter) != kHigh) return false;
  // Each byte's value: its low nibble, plus 9 for a letter ('a' is 0x61: 1 + 9 = 10).
  std::uint64_t v = (x & (kOnes * 0x0F)) + (letter >> 7) * 9;
  // The first digit is the most significant: byte i holds digit i. Pair, then gather.
  v = ((v & 0x000F000F000F000Full) << 4) | ((v >> 8) & 0x000F000F000F000Full);
  v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
  v = (v | (v >> 16)) & 0xFFFFFFFFull;
  out = __builtin_bswap32(static_cast<std::uint32_t>(v));
  return true;
}

}  // namespace

std::optional<core::Timestamp> ParseTai64nLabel(std::string_view label) {
  if (label.size() != kTai64nLabelSize || label[0] != '@') return std::nullopt;
  std::uint32_t secs_high, secs_low, nanos;
  if (!ReadHex8(label.data() + 1, secs_high) || !ReadHex8(label.data() + 9, secs_low) ||
      !ReadHex8(label.data() + 17, nanos) || nanos >= kNanosPerSecond) {
    return std::nullopt;
  }
  const std::uint64_t secs = (std::uint64_t{secs_high} << 32) | secs_low;
  // Labels at or past 2^63 are reserved by TAI64 and would not fit int64 below; FromUnix
  // rejects the rest of what Timestamp cannot hold.
  if (secs >= (std::uint64_t{1} << 63)) return std::nullopt;
  const std::int64_t unix_secs =
      static_cast<std::int64_t>(secs) - static_cast<std::int64_t>(kTai64Epoch);
  return core::FromUnix(unix_secs, static_cast<std::int64_t>(nanos));
}

std::string FormatTai64nLabel(core::Timestamp t) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::int64_t ns = t.time_since_epoch().count();
  std::int64_t secs = ns / kNanosPerSecond;
  std::int64_t nanos = ns % kNanosPerSecond;
  if (nanos < 0) {  // floor, not truncation, before the epoch
    nanos += kNanosPerSecond;
    --secs;
  }
  std::uint64_t label_secs = kTai64Epoch + static_cast<std::uint64_t>(secs);  // mod 2^64 is exact
  std::string out(kTai64nLabelSize, '0');
  out[0] = '@';
  for (int i = 16; i >= 1; --i, label_secs >>= 4)
    out[static_cast<std::size_t>(i)] = kDigits[label_secs & 15];
  auto n = static_cast<std::uint64_t>(nanos);
  for (int i = 24; i >= 17; --i, n >>= 4) out[static_cast<std::size_t>(i)] = kDigits[n & 15];
  return out;
}

}  // namespace relaywatch::stamp
