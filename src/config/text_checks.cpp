#include "text_checks.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace relaywatch::config::internal {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// A byte that may stand in a login or the local part of an address: printable (UTF-8 bytes
// included), not a space, and none of the delimiters of chkuser lines and mail headers.
bool IsAddressByte(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7f) return false;
  return std::string_view("<>()[],;:\"\\").find(c) == std::string_view::npos;
}

bool AllAddressBytes(std::string_view s) { return std::all_of(s.begin(), s.end(), IsAddressByte); }

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

bool IsName(std::string_view s) {
  if (s.empty() || s.size() > 64 || !IsAsciiAlnum(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool IsDomain(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  if (s.find("..") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '.' || c == '-' || c == '_'; });
}

bool IsLogin(std::string_view s) {
  if (s.empty() || s.size() > 255 || !AllAddressBytes(s)) return false;
  std::size_t at = s.find('@');
  if (at == std::string_view::npos) return true;
  return at > 0 && s.find('@', at + 1) == std::string_view::npos && IsDomain(s.substr(at + 1));
}

bool IsDomainKey(std::string_view s) {
  return s.size() > 1 && s[0] == '@' && IsDomain(s.substr(1));
}

bool IsAddress(std::string_view s) {
  std::size_t at = s.find('@');
  return at != std::string_view::npos && at > 0 && s.size() <= 255 && IsLogin(s);
}

bool IsServiceName(std::string_view s) {
  if (s.empty() || s.size() > 255 || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool HasNoControlBytes(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool IsAbsolutePath(std::string_view s) {
  return !s.empty() && s[0] == '/' && HasNoControlBytes(s);
}

std::string Quote(std::string_view s) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (s[i] == '"' || s[i] == '\\') {
      out += '\\';
      out += s[i];
    } else if (s[i] == '\n') {
      out += "\\n";
    } else if (s[i] == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += s[i];
    }
  }
  if (s.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

std::optional<std::string_view> ClosestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 3;  // accept at most 2
  for (std::string_view candidate : candidates) {
    std::size_t d = EditDistance(word, candidate);
    if (d < best_distance && 2 * d < std::max(word.size(), candidate.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string JoinWords(std::span<const std::string_view> words, std::string_view last_word) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      if (i + 1 == words.size()) {
        out += ' ';
        out += last_word;
        out += ' ';
      } else {
        out += ", ";
      }
    }
    out += words[i];
  }
  return out;
}

std::string LowercaseDomain(std::string_view login) {
  std::string out(login);
  std::size_t at = out.find('@');
  if (at == std::string::npos) return out;
  std::transform(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(),
                 out.begin() + static_cast<std::ptrdiff_t>(at), Lower);
  return out;
}

}  // namespace relaywatch::config::internal
