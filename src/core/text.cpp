#include "relaywatch/core/text.h"

#include <algorithm>

namespace relaywatch::core {
namespace {

enum class Target { kUtf8, kAscii };

// Shortens `out` (valid UTF-8, longer than max_len) to at most max_len bytes ending in "...",
// cutting before a character, never inside one.
void CutWithEllipsis(std::string& out, std::size_t max_len) {
  const std::size_t dots = max_len < 3 ? max_len : 3;
  std::size_t keep = max_len - dots;
  while (keep > 0 && (static_cast<unsigned char>(out[keep]) & 0xC0) == 0x80) --keep;
  out.resize(keep);
  out.append(dots, '.');
}

std::string Clean(std::string_view s, std::size_t max_len, Target target) {
  std::string out;
  out.reserve(s.size() < max_len ? s.size() : max_len + 4);
  // Stop as soon as the output is known to need a cut: a 10 MiB field costs no more than max_len.
  for (std::size_t i = 0; i < s.size() && out.size() <= max_len;) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    // A control character becomes '?', like a byte that is not UTF-8: dropped, it would turn
    // "ceo\x7f@bank.example" into an alert naming ceo@bank.example, another address.
    if (c < 0x80) {
      out.push_back(c >= 0x20 && c != 0x7F ? static_cast<char>(c) : '?');
      ++i;
      continue;
    }
    const std::size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out.push_back('?');
      ++i;
      continue;
    }
    if (target == Target::kAscii || IsControlCodePoint(Utf8Decode(s, i, n))) {
      out.push_back('?');
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  if (out.size() > max_len) CutWithEllipsis(out, max_len);
  return out;
}

void AppendHexEscape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xF]);
}

}  // namespace

std::size_t Columns(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string PadRight(std::string s, std::size_t n) {
  const std::size_t c = Columns(s);
  if (c < n) s.append(n - c, ' ');
  return s;
}

std::string PadLeft(std::string_view s, std::size_t n) {
  const std::size_t c = Columns(s);
  std::string out;
  if (c < n) out.append(n - c, ' ');
  out.append(s);
  return out;
}

std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (n > s.size() - i) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
  if (c == 0xED && b(i + 1) > 0x9F) return 0;  // UTF-16 surrogate
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
  if (c == 0xF4 && b(i + 1) > 0x8F) return 0;  // past U+10FFFF
  return n;
}

std::uint32_t Utf8Decode(std::string_view s, std::size_t i, std::size_t n) {
  static constexpr unsigned char kLeadMask[] = {0, 0, 0x1F, 0x0F, 0x07};
  std::uint32_t cp = static_cast<unsigned char>(s[i]) & kLeadMask[n];
  for (std::size_t k = 1; k < n; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

bool IsControlCodePoint(std::uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;
  if (cp == 0x061C || cp == 0x200E || cp == 0x200F) return true;  // bidi marks
  if (cp >= 0x2028 && cp <= 0x202E) return true;  // line/paragraph separator, embeddings
  return cp >= 0x2066 && cp <= 0x2069;            // bidi isolates
}

std::string SanitizeField(std::string_view s, std::size_t max_len) {
  return Clean(s, max_len, Target::kUtf8);
}

std::string ToAsciiSafe(std::string_view s, std::size_t max_len) {
  return Clean(s, max_len, Target::kAscii);
}

std::string EscapeForLog(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c < 0x20 || c == 0x7F) {
        AppendHexEscape(out, c);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    const std::size_t n = Utf8SequenceLength(s, i);
    if (n != 0 && !IsControlCodePoint(Utf8Decode(s, i, n))) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    // A byte that is not UTF-8, or each byte of a control character: shown, never acted on.
    const std::size_t len = n == 0 ? 1 : n;
    for (std::size_t k = 0; k < len; ++k)
      AppendHexEscape(out, static_cast<unsigned char>(s[i + k]));
    i += len;
  }
  return out;
}

bool IsSafeFileName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  if (name.front() == '.' || name.front() == '-') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace relaywatch::core
