// Internal helpers for the parsers: small, allocation-free scanning of log text.
//
// Not part of the public API (the header lives under src/). Every function takes string_views
// into the Line's text and returns views into the same text, so a parse never copies.
#ifndef RELAYWATCH_SRC_PARSE_SCAN_H_
#define RELAYWATCH_SRC_PARSE_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace relaywatch::parse::scan {

inline constexpr std::size_t kNpos = std::string_view::npos;

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
  const std::size_t at = text.find(sep);
  if (at == kNpos) return std::nullopt;
  return Split{text.substr(0, at), text.substr(at + sep.size())};
}
inline std::optional<Split> SplitLast(std::string_view text, std::string_view sep) {
  const std::size_t at = text.rfind(sep);
  if (at == kNpos) return std::nullopt;
  return Split{text.substr(0, at), text.substr(at + sep.size())};
}

// True when `needle` occurs in `text` more than once.
inline bool OccursTwice(std::string_view text, std::string_view needle) {
  const std::size_t first = text.find(needle);
  return first != kNpos && text.find(needle, first + 1) != kNpos;
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
