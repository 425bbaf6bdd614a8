#include "relaywatch/parse/auth_spelling.h"

#include <bit>
#include <cstring>

namespace relaywatch::parse {

AuthSpelling SpellingOf(std::string_view login) {
  static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");
  // Each mask below is exact per byte (no borrow crosses a byte), so the lowest set bit of one
  // is its first byte.
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kLow7 = kOnes * 0x7f;
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  // 0x80 in each byte of x that is zero.
  auto zero = [](std::uint64_t x) { return ~(((x & kLow7) + kLow7) | x | kLow7); };
  const std::size_t n = login.size();
  if (n == 0) return AuthSpelling::kUnknown;
  bool marked = false;    // the first of '@', '%' and '/' seen
  bool at_first = false;  // that first one was '@'
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t x = 0;  // past the end: zero bytes, which are neither letters nor marks
    if (i + 8 <= n) {
      std::memcpy(&x, login.data() + i, sizeof x);  // one load
    } else {  // the tail, a byte at a time: a copy of a variable length is a call
      for (std::size_t k = n; k-- > i;) x = x << 8 | static_cast<unsigned char>(login[k]);
    }
    const std::uint64_t low = x & kLow7;
    // 'A'..'Z' (0x41..0x5a), and not a byte from 0x80 up.
    if (((low + kOnes * (0x80 - 0x41)) & ~(low + kOnes * (0x80 - 0x5b)) & ~x & kHigh) != 0) {
      return AuthSpelling::kOther;
    }
    if (marked) continue;
    const std::uint64_t ats = zero(x ^ (kOnes * '@'));
    const std::uint64_t marks = ats | zero(x ^ (kOnes * '%')) | zero(x ^ (kOnes * '/'));
    if (marks == 0) continue;
    marked = true;
    at_first = (ats & marks & (~marks + 1)) != 0;  // the lowest mark is an '@'
    if (!at_first) return AuthSpelling::kOther;
  }
  return marked ? AuthSpelling::kKey : AuthSpelling::kBareLogin;
}

}  // namespace relaywatch::parse
