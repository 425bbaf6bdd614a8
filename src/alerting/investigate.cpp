#include "relaywatch/alerting/investigate.h"

#include <chrono>

#include "relaywatch/core/text.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {
namespace {

constexpr std::size_t kMaxQuotedKey = 256;
constexpr std::size_t kMaxQuoted = 512;  // a login of quotes grows fourfold

// "2026-11-28T02:55:26Z": FormatIso8601Utc without the fraction (so rounded down).
std::string IsoSeconds(core::Timestamp t) {
  const std::string full = core::FormatIso8601Utc(t);
  return full.substr(0, 19) + "Z";
}

// The first whole second after `t`: report's --until is exclusive, so a last line stamped on a
// whole second (first == last included) must still fall inside. `t` at the top of the range.
core::Timestamp SecondAfter(core::Timestamp t) {
  constexpr std::chrono::seconds kSecond(1);
  if (t > core::Timestamp::max() - kSecond) return t;
  return std::chrono::floor<std::chrono::seconds>(t) + kSecond;
}

}  // namespace

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

core::Result<std::string> InvestigateCommand(const detect::Finding& f) {
  if (const detect::RuleKindInfo& kind = detect::RuleKindInfoOf(f.kind); !kind.key_is_login) {
    return core::Error{"a " + std::string(kind.name) +
                       " is about a log source, not a login; see relaywatch status"};
  }
  if (f.key.empty()) return core::Error{"the alert names no login"};
  const std::string quoted = ShellQuote(f.key);
  if (f.key.size() > kMaxQuotedKey || quoted.size() > kMaxQuoted ||
      core::SanitizeField(f.key, kMaxQuotedKey) != f.key) {
    return core::Error{
        "the login holds control characters or bytes that are not UTF-8, or is too long to "
        "quote, so no command is printed that could be pasted into a shell; relaywatch report "
        "--all lists it, such bytes written as \\xNN"};
  }
  return "relaywatch report --user " + quoted + " --since " + IsoSeconds(f.first) + " --until " +
         IsoSeconds(SecondAfter(f.last));
}

}  // namespace relaywatch::alerting
