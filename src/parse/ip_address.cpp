#include "relaywatch/parse/ip_address.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "relaywatch/parse/address.h"
#include "scan.h"

namespace relaywatch::parse {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsIpChar(char c) { return IsHex(c) || c == '.' || c == ':'; }

// The longest IPv6 literal: eight groups of four digits and seven colons, or six groups and
// a dotted quad ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").
constexpr std::size_t kMaxIpLength = 45;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

unsigned HexValue(char c) {
  if (c <= '9') return static_cast<unsigned>(c - '0');
  return static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

using Ipv4Bytes = std::array<std::uint8_t, 4>;
using Ipv6Words = std::array<std::uint16_t, 8>;

// The four bytes of a text IsIpv4 accepts; each part is decimal, leading zeros or not.
Ipv4Bytes ReadIpv4(std::string_view text) {
  Ipv4Bytes bytes{};
  std::size_t part = 0;
  unsigned value = 0;
  for (char c : text) {
    if (c == '.') {
      bytes[part++] = static_cast<std::uint8_t>(value);
      value = 0;
    } else {
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
  }
  bytes[part] = static_cast<std::uint8_t>(value);
  return bytes;
}

// The eight groups of `text` when IsIpv6(text) (the same grammar, read in the same pass).
std::optional<Ipv6Words> ParseIpv6(std::string_view text) {
  const std::size_t n = text.size();
  if (n < 2 || n > kMaxIpLength) return std::nullopt;
  Ipv6Words groups{};
  int count = 0;
  int gap = -1;  // the number of groups before "::"
  std::size_t i = 0;
  if (text[0] == ':') {
    if (text[1] != ':') return std::nullopt;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const std::size_t start = i;
    unsigned value = 0;
    while (i < n && IsHex(text[i]) && i - start < 5) value = value * 16 + HexValue(text[i++]);
    if (i < n && text[i] == '.') {
      // A dotted quad may only end the address, and stands for two groups.
      if (count > 6 || !IsIpv4(text.substr(start))) return std::nullopt;
      const Ipv4Bytes b = ReadIpv4(text.substr(start));
      groups[count++] = static_cast<std::uint16_t>(b[0] << 8 | b[1]);
      groups[count++] = static_cast<std::uint16_t>(b[2] << 8 | b[3]);
      break;
    }
    const std::size_t length = i - start;
    if (length == 0 || length > 4 || count == 8) return std::nullopt;
    groups[count++] = static_cast<std::uint16_t>(value);
    if (i == n) break;
    if (text[i] != ':') return std::nullopt;
    ++i;
    if (i < n && text[i] == ':') {
      if (gap >= 0) return std::nullopt;  // "::" may appear once
      gap = count;
      ++i;
    } else if (i == n) {
      return std::nullopt;  // a single trailing ':'
    }
  }
  if (gap < 0) {
    if (count != 8) return std::nullopt;
    return groups;
  }
  if (count > 7) return std::nullopt;
  // The groups after "::" move to the end; the gap between is zeros.
  Ipv6Words words{};
  std::copy_n(groups.begin(), gap, words.begin());
  std::copy(groups.begin() + gap, groups.begin() + count, words.end() - (count - gap));
  return words;
}

char* WriteDecimal(unsigned value, char* p) {
  if (value >= 100) *p++ = static_cast<char>('0' + value / 100);
  if (value >= 10) *p++ = static_cast<char>('0' + value / 10 % 10);
  *p++ = static_cast<char>('0' + value % 10);
  return p;
}

// Writes "a.b.c.d" at `out`; returns the end.
char* WriteIpv4(const Ipv4Bytes& bytes, char* out) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) *out++ = '.';
    out = WriteDecimal(bytes[i], out);
  }
  return out;
}

// Writes the RFC 5952 text of `w` at `out` (an IPv4-mapped address as its IPv4 address);
// returns the end.
char* WriteIpv6(const Ipv6Words& w, char* out) {
  if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff) {
    return WriteIpv4({static_cast<std::uint8_t>(w[6] >> 8), static_cast<std::uint8_t>(w[6]),
                      static_cast<std::uint8_t>(w[7] >> 8), static_cast<std::uint8_t>(w[7])},
                     out);
  }
  // The longest run of zero groups, the first of equal ones; a single zero group stays "0".
  int best_start = -1;
  int best_length = 1;
  for (int i = 0; i < 8;) {
    if (w[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_length) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8;) {
    if (i == best_start) {
      *out++ = ':';
      *out++ = ':';
      i += best_length;
      continue;
    }
    if (i > 0 && i != best_start + best_length) *out++ = ':';
    const unsigned v = w[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (v >> shift) & 0xf;
      if (digit != 0 || started || shift == 0) {
        *out++ = kHex[digit];
        started = true;
      }
    }
    ++i;
  }
  return out;
}

}  // namespace

bool IsIpv4(std::string_view text) {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    int value = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
      value = value * 10 + (text[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 3 || value > 255) return false;
    ++parts;
    if (i == text.size()) return parts == 4;
    if (text[i] != '.' || parts == 4) return false;
    ++i;
  }
}

bool IsIpv6(std::string_view text) {
  const std::size_t n = text.size();
  if (n < 2 || n > kMaxIpLength) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (text[0] == ':') {
    if (text[1] != ':') return false;
    compressed = true;
    i = 2;
  }
  while (i < n) {
    const std::size_t start = i;
    while (i < n && IsHex(text[i])) ++i;
    if (i < n && text[i] == '.') {
      // A dotted quad may only end the address, and stands for two groups.
      if (!IsIpv4(text.substr(start))) return false;
      groups += 2;
      break;
    }
    const std::size_t length = i - start;
    if (length == 0 || length > 4) return false;
    ++groups;
    if (i == n) break;
    if (text[i] != ':') return false;
    ++i;
    if (i < n && text[i] == ':') {
      if (compressed) return false;  // "::" may appear once
      compressed = true;
      ++i;
    } else if (i == n) {
      return false;  // a single trailing ':'
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

bool IsIpAddress(std::string_view text) { return IsIpv4(text) || IsIpv6(text); }

std::string_view WithoutV4Mapping(std::string_view ip) {
  constexpr std::string_view kMapped = "::ffff:";
  if (ip.size() <= kMapped.size() || ip[0] != ':') return ip;  // the usual case: one compare
  if (!EqualsIgnoreCase(ip.substr(0, kMapped.size()), kMapped)) return ip;
  const std::string_view v4 = ip.substr(kMapped.size());
  return IsIpv4(v4) ? v4 : ip;
}

std::optional<std::size_t> FindIpSeparator(std::string_view text) {
  std::optional<std::uint32_t> ipv4;
  return FindIpSeparator(text, ipv4);
}

std::optional<std::size_t> FindIpSeparator(std::string_view text,
                                           std::optional<std::uint32_t>& ipv4) {
  ipv4.reset();
  // The common case, a host name ("unknown", "mail.example.com") before an address: the run of
  // address characters starts at the last ':', the only place left for the separator.
  const std::size_t last = scan::RFind(text, ":");  // memrchr: rfind compares a byte at a time
  if (last != std::string_view::npos && last > 0 && !IsIpChar(text[last - 1])) {
    const std::string_view address = text.substr(last + 1);
    if ((ipv4 = Ipv4Bits(address))) return last;  // canonical IPv4 text is an address
    if (IsIpAddress(address)) return last;
    return std::nullopt;
  }
  // Only the trailing run of address characters can hold the separator, and an address is at
  // most kMaxIpLength long: this bounds the work whatever precedes it (an attacker's HELO).
  std::size_t start = text.size();
  while (start > 0 && IsIpChar(text[start - 1])) --start;
  if (text.size() > kMaxIpLength + 1) start = std::max(start, text.size() - kMaxIpLength - 1);
  for (std::size_t i = start; i < text.size(); ++i) {
    if (text[i] == ':' && IsIpAddress(text.substr(i + 1))) {
      ipv4 = Ipv4Bits(text.substr(i + 1));
      return i;
    }
  }
  return std::nullopt;
}

namespace {

// True for text with no ':' in which no dotted part starts with a 0 followed by a digit: the
// usual IPv4 address, canonical as it is (or no address at all). One pass, no parse.
bool IsPlainDotted(std::string_view ip) {
  // Per line, for every client address: one branch per byte in the usual case.
  bool part_start = true;
  const char* const end = ip.data() + ip.size();
  for (const char* p = ip.data(); p != end; ++p) {
    const char c = *p;
    if (c == '.') {
      part_start = true;
      continue;
    }
    if (c == ':') return false;
    if (part_start && c == '0' && p + 1 != end && IsDigit(p[1])) return false;
    part_start = false;
  }
  return true;
}

// Writes the canonical text of the address `ip` at `out` (room for kMaxIpLength bytes) and
// returns its end, or returns nullptr when `ip` is no address.
char* WriteCanonicalIp(std::string_view ip, char* out) {
  if (IsIpv4(ip)) return WriteIpv4(ReadIpv4(ip), out);
  const std::optional<Ipv6Words> words = ParseIpv6(ip);
  return words ? WriteIpv6(*words, out) : nullptr;
}

}  // namespace

bool IsCanonicalIp(std::string_view ip) {
  if (IsPlainDotted(ip)) return true;
  char text[kMaxIpLength + 1];
  const char* const end = WriteCanonicalIp(ip, text);
  return end == nullptr || std::string_view(text, static_cast<std::size_t>(end - text)) == ip;
}

void AppendCanonicalIp(std::string_view ip, std::string& out) {
  char text[kMaxIpLength + 1];
  const char* const end = WriteCanonicalIp(ip, text);
  if (end == nullptr) {
    out.append(ip);
  } else {
    out.append(text, static_cast<std::size_t>(end - text));
  }
}

std::string_view CanonicalIpText::Of(std::string_view ip) {
  if (IsPlainDotted(ip)) return ip;
  // One parse: written on the stack, copied to the buffer only when it differs.
  char text[kMaxIpLength + 1];
  const char* const end = WriteCanonicalIp(ip, text);
  if (end == nullptr) return ip;
  const std::string_view canonical(text, static_cast<std::size_t>(end - text));
  if (canonical == ip) return ip;
  buffer_.assign(canonical);
  return buffer_;
}

std::optional<std::uint32_t> Ipv4Bits(std::string_view canonical) {
  // Octet by octet, each one to three digits with no leading zero, rather than byte by byte
  // with a state per byte: the parser asks it for every chkuser line's client address.
  const char* p = canonical.data();
  const char* const end = p + canonical.size();
  auto digit = [&](std::uint32_t& d) {
    if (p == end) return false;
    d = static_cast<std::uint32_t>(static_cast<unsigned char>(*p)) - '0';
    return d <= 9;
  };
  std::uint32_t out = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    std::uint32_t part, d;
    if (!digit(part)) return std::nullopt;
    ++p;
    if (digit(d)) {
      if (part == 0) return std::nullopt;  // a leading zero ("010")
      part = part * 10 + d;
      ++p;
      if (digit(d)) {
        part = part * 10 + d;
        ++p;
        if (part > 255) return std::nullopt;
      }
    }
    out = (out << 8) | part;
  }
  if (p != end) return std::nullopt;  // a fourth digit, a fifth octet, anything after
  return out;
}

std::string Ipv4Text(std::uint32_t bits) {
  char text[16];  // "255.255.255.255"
  const char* end =
      WriteIpv4({static_cast<std::uint8_t>(bits >> 24), static_cast<std::uint8_t>(bits >> 16),
                 static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)},
                text);
  return std::string(text, static_cast<std::size_t>(end - text));
}

}  // namespace relaywatch::parse
