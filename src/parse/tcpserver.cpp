#include "relaywatch/parse/tcpserver.h"

#include <cstdint>
#include <optional>

#include "relaywatch/parse/ip_address.h"
#include "scan.h"

namespace relaywatch::parse {
namespace {

using scan::kNpos;

// Reads "N" followed by `separator` (or the end when `separator` is empty); returns the number
// and the rest.
struct NumberAndRest {
  std::uint32_t number = 0;
  std::string_view rest;
};
std::optional<NumberAndRest> Number(std::string_view text, std::string_view separator) {
  const std::string_view digits = scan::LeadingDigits(text);
  const auto number = scan::ParseUint32(digits);
  if (!number) return std::nullopt;
  text.remove_prefix(digits.size());
  if (separator.empty()) {
    if (!text.empty()) return std::nullopt;
    return NumberAndRest{*number, text};
  }
  const auto rest = scan::After(text, separator);
  if (!rest) return std::nullopt;
  return NumberAndRest{*number, *rest};
}

Event ParseStatus(std::string_view rest) {
  // "A/M" or the fork's "A/M/X".
  const auto active = Number(rest, "/");
  if (!active) return MalformedEvent{"tcpserver: bad status"};
  const std::string_view digits = scan::LeadingDigits(active->rest);
  const auto max = scan::ParseUint32(digits);
  const std::string_view extra = active->rest.substr(digits.size());
  if (!max || (!extra.empty() && !extra.starts_with('/'))) {
    return MalformedEvent{"tcpserver: bad status"};
  }
  TcpserverEvent event;
  event.kind = TcpserverKind::kStatus;
  event.active = active->number;
  event.max = *max;
  return event;
}

Event ParseConnection(TcpserverKind kind, std::string_view rest) {
  const auto pid = Number(rest, " ");
  if (!pid) return MalformedEvent{"tcpserver: bad ok/deny line"};
  const auto endpoints = scan::SplitFirst(pid->rest, " ");
  if (!endpoints || endpoints->after.find(' ') != kNpos) {
    return MalformedEvent{"tcpserver: bad ok/deny line"};
  }
  const std::string_view local = endpoints->before;
  const std::string_view remote = endpoints->after;
  // LOCALHOST:LOCALIP:LOCALPORT
  const std::size_t local_host_end = local.find(':');
  const std::size_t local_port_colon = local.rfind(':');
  // REMOTEHOST:REMOTEIP:REMOTEINFO:REMOTEPORT
  const std::size_t remote_host_end = remote.find(':');
  const std::size_t remote_port_colon = remote.rfind(':');
  if (local_host_end == kNpos || local_port_colon == local_host_end || remote_host_end == kNpos ||
      remote_port_colon == remote_host_end) {
    return MalformedEvent{"tcpserver: bad ok/deny line"};
  }
  const std::size_t info_colon = remote.rfind(':', remote_port_colon - 1);
  if (info_colon == remote_host_end) return MalformedEvent{"tcpserver: bad ok/deny line"};
  TcpserverEvent event;
  event.kind = kind;
  event.pid = pid->number;
  event.local_port = local.substr(local_port_colon + 1);
  event.remote_ip =
      WithoutV4Mapping(remote.substr(remote_host_end + 1, info_colon - remote_host_end - 1));
  if (event.remote_ip.empty()) return MalformedEvent{"tcpserver: remote: no client address"};
  if (!IsIpAddress(event.remote_ip)) return MalformedEvent{"tcpserver: bad remote ip"};
  return event;
}

}  // namespace

Event ParseTcpserver(std::string_view text) {
  const auto body = scan::After(text, "tcpserver: ");
  if (!body) return OtherEvent{};
  if (const auto rest = scan::After(*body, "status: ")) return ParseStatus(*rest);
  if (const auto rest = scan::After(*body, "ok ")) {
    return ParseConnection(TcpserverKind::kOk, *rest);
  }
  if (const auto rest = scan::After(*body, "deny ")) {
    return ParseConnection(TcpserverKind::kDeny, *rest);
  }
  if (const auto rest = scan::After(*body, "pid ")) {
    const auto pid = Number(*rest, " from ");
    if (pid && pid->rest.empty()) return MalformedEvent{"tcpserver: pid: no client address"};
    if (!pid || !IsIpAddress(pid->rest)) return MalformedEvent{"tcpserver: bad pid line"};
    TcpserverEvent event;
    event.kind = TcpserverKind::kPid;
    event.pid = pid->number;
    event.remote_ip = WithoutV4Mapping(pid->rest);
    return event;
  }
  if (const auto rest = scan::After(*body, "end ")) {
    const auto pid = Number(*rest, " status ");
    const auto status = pid ? Number(pid->rest, "") : std::nullopt;
    if (!status) return MalformedEvent{"tcpserver: bad end line"};
    TcpserverEvent event;
    event.kind = TcpserverKind::kEnd;
    event.pid = pid->number;
    event.status = static_cast<int>(status->number);
    return event;
  }
  return TcpserverEvent{};  // kOther: warnings, fatal errors, "done" lines
}

}  // namespace relaywatch::parse
