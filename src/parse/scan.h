// Internal helpers for the parsers: small, allocation-free scanning of log text.
//
// Not part of the public API (the header lives under src/). Every function takes string_views
// into the Line's text and returns views into the same text, so a parse never copies.
#ifndef RELAYWATCH_SRC_PARSE_SCAN_H_
#define RELAYWATCH_SRC_PARSE_SCAN_H_

#include <string.h>  // memrchr: glibc's is vectorised, std::string_view::rfind compares bytewise

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace relaywatch::parse::scan {

inline constexpr std::size_t kNpos = std::string_view::npos;

// Position of the first `needle` in `text` at or after `pos`, or kNpos; same result as
// std::string_view::find. It jumps between occurrences of the needle's first byte with memchr
// (vectorised in glibc) instead of comparing at every position; on log lines, where that byte
// is rare ('>', ' ', '|'), this is several times faster than find() or memmem().
inline std::size_t Find(std::string_view text, std::string_view needle, std::size_t pos = 0) {
  if (needle.empty()) return pos <= text.size() ? pos : kNpos;
  if (pos > text.size() || needle.size() > text.size() - pos) return kNpos;
  const char* const begin = text.data();
  const char* const last = begin + (text.size() - needle.size());  // last possible start
  for (const char* p = begin + pos; p <= last;) {
    const void* hit = std::memchr(p, needle.front(), static_cast<std::size_t>(last - p) + 1);
    if (hit == nullptr) return kNpos;
    p = static_cast<const char*>(hit);
    if (std::memcmp(p + 1, needle.data() + 1, needle.size() - 1) == 0) {
      return static_cast<std::size_t>(p - begin);
    }
    ++p;
  }
  return kNpos;
}

// Position of the last `needle` in `text`, or kNpos. Same result as std::string_view::rfind,
// which compares at every position; this jumps between occurrences of the first byte.
inline std::size_t RFind(std::string_view text, std::string_view needle) {
  if (needle.empty()) return text.size();
  if (needle.size() > text.size()) return kNpos;
  std::size_t limit = text.size() - needle.size() + 1;  // candidates are [0, limit)
  while (limit > 0) {
    const void* hit = ::memrchr(text.data(), needle.front(), limit);
    if (hit == nullptr) return kNpos;
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    if (text.compare(at, needle.size(), needle) == 0) return at;
    limit = at;
  }
  return kNpos;
}

// The text after `prefix` when `text` starts with it.
inline std::optional<std::string_view> After(std::string_view text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return std::nullopt;
  return text.substr(prefix.size());
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A decimal number made only of digits (at least one) that fits in 32 bits.
inline std::optional<std::uint32_t> ParseUint32(std::string_view digits) {
  if (digits.empty() || digits.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > 0xffffffffULL) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

// A decimal number made only of digits (at least one) that fits in 64 bits.
inline std::optional<std::uint64_t> ParseUint64(std::string_view digits) {
  if (digits.empty() || digits.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (~std::uint64_t{0} - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// The leading run of digits of `text` (possibly empty).
inline std::string_view LeadingDigits(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && IsDigit(text[n])) ++n;
  return text.substr(0, n);
}

// Splits at the first occurrence of `sep`: {before, after}, or nullopt when `sep` is absent.
struct Split {
  std::string_view before;
  std::string_view after;
};
inline std::optional<Split> SplitFirst(std::string_view text, std::string_view sep) {
  const std::size_t at = Find(text, sep);
  if (at == kNpos) return std::nullopt;
  return Split{text.substr(0, at), text.substr(at + sep.size())};
}
inline std::optional<Split> SplitLast(std::string_view text, std::string_view sep) {
  const std::size_t at = RFind(text, sep);
  if (at == kNpos) return std::nullopt;
  return Split{text.substr(0, at), text.substr(at + sep.size())};
}

// True when `needle` occurs in `text` more than once.
inline bool OccursTwice(std::string_view text, std::string_view needle) {
  const std::size_t first = Find(text, needle);
  return first != kNpos && Find(text, needle, first + 1) != kNpos;
}

// Number of non-empty entries in a comma-separated list ("a,b,,c" has 3).
inline std::uint32_t CountListEntries(std::string_view list) {
  std::uint32_t count = 0;
  bool in_entry = false;
  for (char c : list) {
    if (c == ',') {
      in_entry = false;
    } else if (!in_entry) {
      in_entry = true;
      ++count;
    }
  }
  return count;
}

}  // namespace relaywatch::parse::scan

#endif  // RELAYWATCH_SRC_PARSE_SCAN_H_
