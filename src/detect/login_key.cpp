#include "relaywatch/detect/login_key.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "relaywatch/parse/address.h"
#include "relaywatch/parse/ip_address.h"

namespace relaywatch::detect {
namespace {

// vpopmail's parse_email: the user ends at the first of its ATCHARS.
constexpr std::string_view kAtChars = "@%/";

}  // namespace

std::string LoginKey(std::string_view auth_user, std::string_view remote_ip,
                     std::string_view default_domain) {
  if (auth_user.empty()) {
    // One key per address, however the log spelt it ("2001:DB8::5" is "2001:db8::5").
    std::string key = "ip:";
    parse::AppendCanonicalIp(remote_ip, key);
    return key;
  }
  // The account vpopmail authenticates: user and domain lowercased (every vauth backend lowers
  // both), split at '@', '%' or '/'. "Dan", "DAN%Example.com" and "dan@example.com" are one
  // mailbox, so one key: a stolen password typed in three cases must not get three windows.
  std::string key = parse::LowerAscii(auth_user);
  const std::size_t at = key.find_first_of(kAtChars);
  if (at != std::string::npos) {
    key[at] = '@';
  } else if (!default_domain.empty()) {
    key.push_back('@');
    key += parse::LowerAscii(default_domain);
  }
  return key;
}

bool IsLoginKeyAsWritten(std::string_view auth_user, std::string_view default_domain) {
  static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");
  if (auth_user.empty()) return false;
  // Eight bytes per step, twice on every relaying line of every shard: no uppercase byte, and
  // the first of '@', '%' and '/' is an '@' (or there is none, and no domain to add). Each mask
  // below is exact per byte (no borrow crosses a byte), so the lowest set bit is the first byte.
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kLow7 = kOnes * 0x7f;
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  // 0x80 in each byte of x that is zero.
  auto zero = [](std::uint64_t x) { return ~(((x & kLow7) + kLow7) | x | kLow7); };
  bool at = false;
  const std::size_t n = auth_user.size();
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t x = 0;  // past the end: zero bytes, which are neither letters nor marks
    if (i + 8 <= n) {
      std::memcpy(&x, auth_user.data() + i, sizeof x);  // one load
    } else {  // the tail, a byte at a time: a copy of a variable length is a call
      for (std::size_t k = n; k-- > i;) x = x << 8 | static_cast<unsigned char>(auth_user[k]);
    }
    const std::uint64_t low = x & kLow7;
    // 'A'..'Z' (0x41..0x5a), and not a byte from 0x80 up (UTF-8).
    const std::uint64_t upper =
        (low + kOnes * (0x80 - 0x41)) & ~(low + kOnes * (0x80 - 0x5b)) & ~x & kHigh;
    if (upper != 0) return false;
    if (at) continue;
    const std::uint64_t ats = zero(x ^ (kOnes * '@'));
    const std::uint64_t other = zero(x ^ (kOnes * '%')) | zero(x ^ (kOnes * '/'));
    if ((ats | other) == 0) continue;
    // The first mark in this word decides: '@' before any '%' or '/', or not.
    const std::uint64_t first = (ats | other) & (~(ats | other) + 1);
    if ((first & other) != 0) return false;
    at = true;
  }
  return at || default_domain.empty();
}

}  // namespace relaywatch::detect
