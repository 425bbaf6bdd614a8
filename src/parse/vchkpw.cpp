#include "relaywatch/parse/vchkpw.h"

#include "relaywatch/parse/ip_address.h"
#include "scan.h"

namespace relaywatch::parse {

Event ParseVchkpw(std::string_view text) {
  const auto rest = scan::After(text, "vchkpw-");
  if (!rest) return OtherEvent{};
  const auto service = scan::SplitFirst(*rest, ": ");
  if (!service || service->before.empty() || service->before.find(' ') != scan::kNpos) {
    return OtherEvent{};
  }
  VchkpwEvent event;
  event.service = service->before;
  const std::string_view message = service->after;
  event.failed = scan::Find(message, "success") == scan::kNpos;
  // "USER:IP" is the last word.
  const std::size_t space = message.rfind(' ');
  const std::string_view last = space == scan::kNpos ? message : message.substr(space + 1);
  if (const auto colon = FindIpSeparator(last)) {
    event.user = last.substr(0, *colon);
    event.remote_ip = WithoutV4Mapping(last.substr(*colon + 1));
  }
  return event;
}

}  // namespace relaywatch::parse
