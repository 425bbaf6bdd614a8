#include "relaywatch/alerting/alert_id.h"

namespace relaywatch::alerting {
namespace {

constexpr std::size_t kMaxPrefix = 36;

// The rule name as a readable prefix: lowercase letters and digits kept, every other run of
// bytes one '-', no '-' at either end. The hash, not the prefix, makes ids distinct.
std::string RulePrefix(std::string_view rule) {
  std::string out;
  bool dash = false;
  for (char c : rule) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (dash && !out.empty()) out.push_back('-');
      dash = false;
      if (out.size() >= kMaxPrefix) break;
      out.push_back(c);
    } else {
      dash = true;
    }
  }
  while (out.size() > kMaxPrefix || (!out.empty() && out.back() == '-')) out.pop_back();
  return out.empty() ? std::string("rule") : out;
}

}  // namespace

std::uint64_t Fnv1a64(std::string_view bytes, std::uint64_t hash) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string MakeAlertId(std::string_view rule, std::string_view key, core::Timestamp window_start) {
  // rule '\0' key: the NUL keeps ("ab", "c") and ("a", "bc") apart.
  std::uint64_t hash = Fnv1a64(rule);
  hash = Fnv1a64(std::string_view("\0", 1), hash);
  hash = Fnv1a64(key, hash);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = RulePrefix(rule);
  id.push_back('-');
  for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(hash >> shift) & 0xF]);
  id.push_back('-');
  id += std::to_string(static_cast<std::uint64_t>(window_start.time_since_epoch().count()));
  return id;  // at most 36 + 1 + 16 + 1 + 20 = 74 bytes
}

}  // namespace relaywatch::alerting
