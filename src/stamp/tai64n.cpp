#include "relaywatch/stamp/tai64n.h"

#include <array>
#include <cstdint>

namespace relaywatch::stamp {
namespace {

// 2^62 marks 1970 in TAI64; the extra 10 s is TAI - UTC in 1970, as tai64nlocal takes it.
constexpr std::uint64_t kTai64Epoch = (std::uint64_t{1} << 62) + 10;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Hex digit values, 0xFF for every byte that is not one. A table keeps the `t` hot path free
// of branches per character class.
constexpr std::array<std::uint8_t, 256> MakeHexTable() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = 0xFF;
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<std::uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    table['a' + i] = static_cast<std::uint8_t>(10 + i);
    table['A' + i] = static_cast<std::uint8_t>(10 + i);
  }
  return table;
}
constexpr std::array<std::uint8_t, 256> kHex = MakeHexTable();

// `n` hex digits at `p` as a number; nullopt on a non-hex byte.
std::optional<std::uint64_t> ReadHex(const char* p, int n) {
  std::uint64_t v = 0;
  std::uint8_t bad = 0;
  for (int i = 0; i < n; ++i) {
    std::uint8_t d = kHex[static_cast<unsigned char>(p[i])];
    bad |= d;  // any 0xFF leaves the high bit set
    v = (v << 4) | (d & 0x0F);
  }
  if (bad & 0x80) return std::nullopt;
  return v;
}

}  // namespace

std::optional<core::Timestamp> ParseTai64nLabel(std::string_view label) {
  if (label.size() != kTai64nLabelSize || label[0] != '@') return std::nullopt;
  auto secs = ReadHex(label.data() + 1, 16);
  auto nanos = ReadHex(label.data() + 17, 8);
  if (!secs || !nanos || *nanos >= static_cast<std::uint64_t>(kNanosPerSecond)) return std::nullopt;
  // Labels at or past 2^63 are reserved by TAI64 and would not fit int64 below; FromUnix
  // rejects the rest of what Timestamp cannot hold.
  if (*secs >= (std::uint64_t{1} << 63)) return std::nullopt;
  std::int64_t unix_secs =
      static_cast<std::int64_t>(*secs) - static_cast<std::int64_t>(kTai64Epoch);
  return core::FromUnix(unix_secs, static_cast<std::int64_t>(*nanos));
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
