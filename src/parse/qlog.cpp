#include "relaywatch/parse/qlog.h"

#include <array>
#include <cstddef>

#include "relaywatch/parse/ip_address.h"
#include "scan.h"

namespace relaywatch::parse {
namespace {

using scan::kNpos;

constexpr std::string_view kEnvelope = "qlogenvelope:";
constexpr std::string_view kReceived = "qlogreceived:";

// One " key=" token; `missing` is the malformed reason when a required key is absent, empty
// for an optional one.
struct Key {
  std::string_view token;
  std::string_view missing;
};

// The keys the client can influence, in line order, found from the left.
enum Head { kResult, kCode, kReason, kDetail, kHelo, kMailfrom, kRcptto, kHeadCount };
constexpr std::array<Key, kHeadCount> kHeadKeys = {{
    {" result=", "qlog: no 'result='"},
    {" code=", ""},
    {" reason=", "qlog: no 'reason='"},
    {" detail=", ""},
    {" helo=", ""},
    {" mailfrom=", "qlog: no 'mailfrom='"},
    {" rcptto=", "qlog: no 'rcptto='"},
}};

// The server's own keys, in line order, found from the right.
enum Tail {
  kRelay,
  kRcpthosts,
  kSize,
  kAuthuser,
  kAuthtype,
  kEncrypted,
  kSslverified,
  kLocalip,
  kLocalport,
  kRemoteip,
  kRemoteport,
  kRemotehost,
  kQp,
  kPid,
  kTailCount
};
constexpr std::array<Key, kTailCount> kTailKeys = {{
    {" relay=", "qlog: no 'relay='"},
    {" rcpthosts=", ""},
    {" size=", ""},
    {" authuser=", "qlog: no 'authuser='"},
    {" authtype=", ""},
    {" encrypted=", ""},
    {" sslverified=", ""},
    {" localip=", ""},
    {" localport=", "qlog: no 'localport='"},
    {" remoteip=", "qlog: no 'remoteip='"},
    {" remoteport=", ""},
    {" remotehost=", ""},
    {" qp=", ""},
    {" pid=", "qlog: no 'pid=' (cut line)"},
}};

}  // namespace

Event ParseQlog(std::string_view text) {
  QlogEvent event;
  std::string_view body;
  if (text.starts_with(kEnvelope)) {
    event.kind = QlogKind::kEnvelope;
    body = text.substr(kEnvelope.size());
  } else if (text.starts_with(kReceived)) {
    event.kind = QlogKind::kReceived;
    body = text.substr(kReceived.size());
  } else {
    return OtherEvent{};
  }
  for (std::size_t at = scan::Find(body, "qlog"); at != kNpos;
       at = scan::Find(body, "qlog", at + 1)) {
    const std::string_view rest = body.substr(at);
    if (rest.starts_with(kEnvelope) || rest.starts_with(kReceived)) {
      return MalformedEvent{"qlog: interleaved line (a second qlog head)"};
    }
  }

  // Right to left: each key's value ends where the key after it begins.
  std::array<std::string_view, kTailCount> tail{};
  std::size_t end = body.size();
  for (std::size_t i = kTailCount; i-- > 0;) {
    const std::string_view token = kTailKeys[i].token;
    const std::size_t at = scan::RFind(body.substr(0, end), token);
    if (at == kNpos) {
      if (!kTailKeys[i].missing.empty()) return MalformedEvent{kTailKeys[i].missing};
      continue;
    }
    tail[i] = body.substr(at + token.size(), end - at - token.size());
    end = at;
  }

  // Left to right within what precedes " relay=".
  const std::string_view head_text = body.substr(0, end);
  if (!head_text.starts_with(kHeadKeys[kResult].token)) return MalformedEvent{"qlog: no 'result='"};
  std::array<std::size_t, kHeadCount> starts{};
  std::array<bool, kHeadCount> found{};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < kHeadCount; ++i) {
    const std::size_t at = scan::Find(head_text, kHeadKeys[i].token, pos);
    if (at == kNpos) {
      if (!kHeadKeys[i].missing.empty()) return MalformedEvent{kHeadKeys[i].missing};
      continue;
    }
    found[i] = true;
    starts[i] = at;
    pos = at + kHeadKeys[i].token.size();
  }
  std::array<std::string_view, kHeadCount> head{};
  std::size_t value_end = head_text.size();
  for (std::size_t i = kHeadCount; i-- > 0;) {
    if (!found[i]) continue;
    const std::size_t value_start = starts[i] + kHeadKeys[i].token.size();
    head[i] = head_text.substr(value_start, value_end - value_start);
    value_end = starts[i];
  }

  if (!tail[kPid].empty()) {
    const auto pid = scan::ParseUint32(tail[kPid]);
    if (!pid) return MalformedEvent{"qlog: pid is not a number (glued line)"};
    event.pid = *pid;
  }
  event.result = head[kResult];
  event.reason = head[kReason];
  event.detail = head[kDetail];
  event.mailfrom = head[kMailfrom];
  event.rcptto = head[kRcptto];
  event.rcpt_count = scan::CountListEntries(event.rcptto);
  event.authuser = tail[kAuthuser];
  // qmail-smtpd writes TCPREMOTEIP, or "unknown" without it: nothing else is a client address.
  if (tail[kRemoteip].empty()) return MalformedEvent{"qlog: remoteip: no client address"};
  if (tail[kRemoteip] != "unknown" && !IsIpAddress(tail[kRemoteip])) {
    return MalformedEvent{"qlog: bad remoteip"};
  }
  event.remoteip = WithoutV4Mapping(tail[kRemoteip]);
  event.localport = tail[kLocalport];
  event.relay = tail[kRelay] == "yes";
  event.rcpthosts = tail[kRcpthosts] == "yes";
  return event;
}

}  // namespace relaywatch::parse
