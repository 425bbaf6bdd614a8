#include "relaywatch/parse/rblsmtpd.h"

#include <optional>

#include "relaywatch/parse/ip_address.h"
#include "scan.h"

namespace relaywatch::parse {
namespace {

// "IP pid N ZONE: ..." or "IP pid N: ...".
std::optional<RblsmtpdEvent> ParseCurrentForm(std::string_view text) {
  const auto ip = scan::SplitFirst(text, " pid ");
  if (!ip || !IsIpAddress(ip->before)) return std::nullopt;
  const std::string_view digits = scan::LeadingDigits(ip->after);
  const auto pid = scan::ParseUint32(digits);
  if (!pid) return std::nullopt;
  RblsmtpdEvent event;
  event.remote_ip = WithoutV4Mapping(ip->before);
  event.pid = *pid;
  const std::string_view rest = ip->after.substr(digits.size());
  if (const auto zone = scan::After(rest, " ")) {
    const auto split = scan::SplitFirst(*zone, ":");
    if (!split) return std::nullopt;
    event.zone = split->before;
  } else if (!rest.starts_with(':')) {
    return std::nullopt;
  }
  return event;
}

// "ZONE blocked IP ...".
std::optional<RblsmtpdEvent> ParseBlockedForm(std::string_view text) {
  const auto zone = scan::SplitFirst(text, " blocked ");
  if (!zone || zone->before.empty() || zone->before.find(' ') != scan::kNpos) return std::nullopt;
  const std::size_t ip_end = zone->after.find(' ');
  const std::string_view ip = zone->after.substr(0, ip_end);
  if (!IsIpAddress(ip)) return std::nullopt;
  RblsmtpdEvent event;
  event.zone = zone->before;
  event.remote_ip = WithoutV4Mapping(ip);
  return event;
}

}  // namespace

Event ParseRblsmtpd(std::string_view tag, std::string_view text) {
  std::string_view body;
  if (const auto rest = scan::After(text, "rblsmtpd: ")) {
    body = *rest;
  } else if (tag == "rblsmtpd") {
    body = text;
  } else {
    return OtherEvent{};
  }
  if (auto event = ParseCurrentForm(body)) return *event;
  if (auto event = ParseBlockedForm(body)) return *event;
  return OtherEvent{};
}

}  // namespace relaywatch::parse
