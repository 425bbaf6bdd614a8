#include "relaywatch/parse/spamdyke.h"

#include <array>

#include "relaywatch/parse/ip_address.h"
#include "scan.h"

namespace relaywatch::parse {
namespace {

using scan::kNpos;

constexpr std::string_view kFrom = " from: ";

bool IsVerdictChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

std::size_t VerdictLength(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && IsVerdictChar(text[n])) ++n;
  return n;
}

struct Label {
  std::string_view token;
  bool required;
};
enum Field { kTo, kOriginIp, kOriginRdns, kAuth, kEncryption, kReason, kFieldCount };
constexpr std::array<Label, kFieldCount> kLabels = {{
    {" to: ", true},
    {" origin_ip: ", true},
    {" origin_rdns: ", true},
    {" auth: ", true},
    {" encryption: ", false},
    {" reason: ", false},
}};

}  // namespace

bool LooksLikeSpamdyke(std::string_view text) {
  const std::size_t n = VerdictLength(text);
  return n > 0 && text.substr(n).starts_with(kFrom);
}

Event ParseSpamdyke(std::string_view text) {
  if (!LooksLikeSpamdyke(text)) return OtherEvent{};
  SpamdykeEvent event;
  event.verdict = text.substr(0, VerdictLength(text));
  event.denied = event.verdict.starts_with("DENIED");

  // Label positions, left to right; each value ends at the next label found.
  const std::size_t from_start = event.verdict.size() + kFrom.size();
  std::array<std::size_t, kFieldCount> at{};
  std::size_t pos = from_start;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    at[i] = scan::Find(text, kLabels[i].token, pos);
    if (at[i] == kNpos) {
      if (kLabels[i].required) return MalformedEvent{"spamdyke: missing a field label"};
      continue;
    }
    pos = at[i] + kLabels[i].token.size();
  }
  std::array<std::string_view, kFieldCount> value{};
  std::size_t end = text.size();
  for (std::size_t i = kFieldCount; i-- > 0;) {
    if (at[i] == kNpos) continue;
    const std::size_t start = at[i] + kLabels[i].token.size();
    value[i] = text.substr(start, end - start);
    end = at[i];
  }
  event.from = text.substr(from_start, end - from_start);
  event.to = value[kTo];
  event.origin_ip = WithoutV4Mapping(value[kOriginIp]);
  event.origin_rdns = value[kOriginRdns];
  event.auth = value[kAuth];
  event.encryption = value[kEncryption];
  event.reason = value[kReason];
  return event;
}

}  // namespace relaywatch::parse
