#include "relaywatch/parse/ip_address.h"

#include <algorithm>

#include "relaywatch/parse/address.h"

namespace relaywatch::parse {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsIpChar(char c) { return IsHex(c) || c == '.' || c == ':'; }

// The longest IPv6 literal: eight groups of four digits and seven colons, or six groups and
// a dotted quad ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").
constexpr std::size_t kMaxIpLength = 45;

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
  // The common case, a host name ("unknown", "mail.example.com") before an address: the run of
  // address characters starts at the last ':', the only place left for the separator.
  const std::size_t last = text.rfind(':');
  if (last != std::string_view::npos && last > 0 && !IsIpChar(text[last - 1])) {
    if (IsIpAddress(text.substr(last + 1))) return last;
    return std::nullopt;
  }
  // Only the trailing run of address characters can hold the separator, and an address is at
  // most kMaxIpLength long: this bounds the work whatever precedes it (an attacker's HELO).
  std::size_t start = text.size();
  while (start > 0 && IsIpChar(text[start - 1])) --start;
  if (text.size() > kMaxIpLength + 1) start = std::max(start, text.size() - kMaxIpLength - 1);
  for (std::size_t i = start; i < text.size(); ++i) {
    if (text[i] == ':' && IsIpAddress(text.substr(i + 1))) return i;
  }
  return std::nullopt;
}

}  // namespace relaywatch::parse
