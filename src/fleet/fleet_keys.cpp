#include "relaywatch/fleet/fleet_keys.h"

#include <chrono>

namespace relaywatch::fleet {
namespace {

constexpr char kDigits[] = "0123456789abcdef";

int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool NameChar(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || (colon && c == ':');
}

bool IsName(std::string_view s, bool colon) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!NameChar(c, colon)) return false;
  }
  return true;
}

std::string Join(std::string_view prefix, std::string_view word, std::string_view a,
                 std::string_view b = {}, std::string_view c = {}) {
  std::string out;
  out.reserve(prefix.size() + word.size() + a.size() + b.size() + c.size() + 4);
  out.append(prefix).append(word).append(a);
  if (!b.empty()) out.append(":").append(b);
  if (!c.empty()) out.append(":").append(c);
  return out;
}

}  // namespace

std::string Hex(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = Nibble(hex[i]), lo = Nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string RuleId(std::string_view rule_name, core::Duration window) {
  return Hex(rule_name) + "." +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(window).count());
}

std::string CountKey(std::string_view prefix, std::string_view rule_id, std::string_view key) {
  return Join(prefix, "c:", rule_id, Hex(key));
}

std::string DistinctKey(std::string_view prefix, std::string_view rule_id, std::string_view key) {
  return Join(prefix, "d:", rule_id, Hex(key));
}

std::string TopKey(std::string_view prefix, std::string_view rule_id) {
  return Join(prefix, "t:", rule_id);
}

std::string NodesKey(std::string_view prefix) { return Join(prefix, "n", ""); }

std::string ClaimKey(std::string_view prefix, std::string_view rule_id, std::string_view key,
                     std::string_view what) {
  return Join(prefix, "p:", rule_id, Hex(key), what);
}

bool IsValidNodeName(std::string_view name) { return IsName(name, false); }
bool IsValidPrefix(std::string_view prefix) { return IsName(prefix, true); }

}  // namespace relaywatch::fleet
