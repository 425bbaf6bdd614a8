#include "relaywatch/detect/glob.h"

#include <cstddef>

namespace relaywatch::detect {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Position just past the class starting at pattern[i] == '[', or npos when unclosed.
std::size_t ClassEnd(std::string_view p, std::size_t i) {
  std::size_t j = i + 1;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) ++j;
  if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is a member
  while (j < p.size() && p[j] != ']') ++j;
  return j < p.size() ? j + 1 : std::string_view::npos;
}

bool ClassMatches(std::string_view cls, char c) {  // cls excludes the brackets
  bool negate = false;
  std::size_t i = 0;
  if (i < cls.size() && (cls[i] == '!' || cls[i] == '^')) negate = true, ++i;
  bool hit = false;
  for (; i < cls.size(); ++i) {
    if (i + 2 < cls.size() && cls[i + 1] == '-') {
      if (Lower(c) >= Lower(cls[i]) && Lower(c) <= Lower(cls[i + 2])) hit = true;
      i += 2;
    } else if (Lower(cls[i]) == Lower(c)) {
      hit = true;
    }
  }
  return hit != negate;
}

}  // namespace

std::optional<std::string> GlobError(std::string_view pattern) {
  if (pattern.empty()) return std::string("empty pattern");
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '[') {
      std::size_t end = ClassEnd(pattern, i);
      if (end == std::string_view::npos) return std::string("unclosed '['");
      i = end - 1;
    } else if (pattern[i] == ']') {
      return std::string("']' without '['");
    }
  }
  return std::nullopt;
}

bool GlobMatch(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point for the last '*': linear in practice.
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      star_t = ti;
      continue;
    }
    if (pi < p.size()) {
      if (p[pi] == '[') {
        std::size_t end = ClassEnd(p, pi);
        if (end == std::string_view::npos) return false;
        if (ClassMatches(p.substr(pi + 1, end - pi - 2), t[ti])) {
          pi = end, ++ti;
          continue;
        }
      } else if (p[pi] == '?' || Lower(p[pi]) == Lower(t[ti])) {
        ++pi, ++ti;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    pi = star + 1;
    ti = ++star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace relaywatch::detect
