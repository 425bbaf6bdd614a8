#include "relaywatch/parse/chkuser.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <utility>

#include "relaywatch/parse/auth_spelling.h"
#include "relaywatch/parse/ip_address.h"
#include "scan.h"

namespace relaywatch::parse {
namespace {

using scan::kNpos;

constexpr std::string_view kPrefix = "CHKUSER ";
constexpr std::string_view kFrom = ": from <";
constexpr std::string_view kRemote = "> remote <";
constexpr std::string_view kRcpt = "> rcpt <";
constexpr std::string_view kReason = "> : ";
constexpr std::string_view kAuthTag = "|remoteinfo/auth:";
constexpr std::string_view kIdentifyTag = "|chkuser-identify:";
constexpr std::string_view kHeloTag = "helo:";
constexpr std::string_view kHostTag = "|remotehostname:";
constexpr std::string_view kIpTag = "|remotehostip:";

// Every title chkuser 2.0.8, 2.0.9 and sagredo's chkuser pass to chkuser_commonlog().
constexpr std::array<std::pair<std::string_view, ChkuserVerdict>, 14> kTitles = {{
    {"relaying rcpt", ChkuserVerdict::kRelayingRcpt},
    {"accepted rcpt", ChkuserVerdict::kAcceptedRcpt},
    {"accepted any rcpt", ChkuserVerdict::kAcceptedAnyRcpt},
    {"rejected rcpt", ChkuserVerdict::kRejectedRcpt},
    {"rejected relaying", ChkuserVerdict::kRejectedRelaying},
    {"accepted sender", ChkuserVerdict::kAcceptedSender},
    {"rejected sender", ChkuserVerdict::kRejectedSender},
    {"intrusion threshold", ChkuserVerdict::kIntrusionThreshold},
    {"rejected intrusion", ChkuserVerdict::kRejectedIntrusion},
    {"no auth resource", ChkuserVerdict::kNoAuthResource},
    {"mbx overquota", ChkuserVerdict::kMbxOverquota},
    {"must auth", ChkuserVerdict::kMustAuth},
    {"accepted doublebounce", ChkuserVerdict::kAcceptedDoublebounce},
    {"accepted null sender", ChkuserVerdict::kAcceptedNullSender},
}};

MalformedEvent Malformed(std::string_view reason) { return MalformedEvent{reason}; }

// TCPREMOTEHOST as tcpserver sets it: a lowercased DNS name with djbdns' \ooo escapes, or the
// "unknown" qmail-smtpd substitutes. Anything else means the field boundaries are wrong.
bool IsHostName(std::string_view host) {
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == '\\';
    if (!ok) return false;
  }
  return true;
}

// TCPREMOTEIP, or what qmail-smtpd writes when it has none.
bool IsRemoteIp(std::string_view ip) { return ip == "unknown" || IsIpAddress(ip); }

// remoteinfo is a login or an ident answer; spaces, controls or angle brackets in it can only
// come from a spliced line.
bool IsAuthByte(unsigned char u) { return u > ' ' && u != 0x7f && u != '<' && u != '>'; }

bool IsAuthField(std::string_view auth) {
  // Eight bytes per step (every relaying line has a login to check): a byte below '!' or equal
  // to DEL, '<' or '>' leaves a high bit set. Bytes from 0x80 up (UTF-8) pass, as one at a time.
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  std::size_t i = 0;
  for (; i + 8 <= auth.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, auth.data() + i, sizeof x);
    const std::uint64_t below = (x - kOnes * 0x21) & ~x & kHigh;  // exact for "any byte < 0x21"
    if (below | has_zero(x ^ (kOnes * 0x7f)) | has_zero(x ^ (kOnes * '<')) |
        has_zero(x ^ (kOnes * '>'))) {
      return false;
    }
  }
  for (; i < auth.size(); ++i) {
    if (!IsAuthByte(static_cast<unsigned char>(auth[i]))) return false;
  }
  return true;
}

// A parsed part of the line, or the fixed reason it is malformed (`error` non-empty).
template <typename T>
struct Parsed {
  T value{};
  std::string_view error;
};

struct FromField {
  std::string_view sender;
  std::string_view auth_user;
  std::string_view ident;
  bool field_named = false;
};

struct RemoteField {
  std::string_view helo;
  std::string_view host;
  std::string_view ip;
  bool ip_is_address = false;  // already found to be an address: no need to check it again
  std::optional<std::uint32_t> ipv4 = std::nullopt;  // Ipv4Bits(ip), when found with the address
};

Parsed<FromField> ParseFrom(std::string_view from) {
  const std::size_t identify = scan::RFind(from, kIdentifyTag);
  if (identify != kNpos && from.find(':', identify + kIdentifyTag.size()) == kNpos) {
    // Field-named: a classic from-field can only end like this if its AUTH part held the tag.
    const std::string_view before = from.substr(0, identify);
    const std::size_t auth = scan::RFind(before, kAuthTag);
    if (auth == kNpos) return {{}, "chkuser: field-named from has no '|remoteinfo/auth:'"};
    return {{before.substr(0, auth), before.substr(auth + kAuthTag.size()),
             from.substr(identify + kIdentifyTag.size()), true},
            {}};
  }
  // memrchr (scan::RFind), not rfind, which compares a byte at a time: on every chkuser line.
  const std::size_t last = scan::RFind(from, ":");
  if (last == kNpos || last == 0) return {{}, "chkuser: from is not SENDER:AUTH:IDENT"};
  const std::size_t middle = scan::RFind(from.substr(0, last), ":");
  if (middle == kNpos) return {{}, "chkuser: from is not SENDER:AUTH:IDENT"};
  return {{from.substr(0, middle), from.substr(middle + 1, last - middle - 1),
           from.substr(last + 1), false},
          {}};
}

Parsed<RemoteField> ParseRemoteFieldNamed(std::string_view remote) {
  if (!remote.starts_with(kHeloTag)) return {{}, "chkuser: field-named remote has no 'helo:'"};
  // HELO is the client's text; host and address cannot hold the tags, so take the last ones.
  const std::size_t host = scan::RFind(remote, kHostTag);
  if (host == kNpos || host < kHeloTag.size()) {
    return {{}, "chkuser: field-named remote has no '|remotehostname:'"};
  }
  const std::size_t ip = scan::Find(remote, kIpTag, host + kHostTag.size());
  if (ip == kNpos) return {{}, "chkuser: field-named remote has no '|remotehostip:'"};
  return {{remote.substr(kHeloTag.size(), host - kHeloTag.size()),
           remote.substr(host + kHostTag.size(), ip - host - kHostTag.size()),
           remote.substr(ip + kIpTag.size())},
          {}};
}

Parsed<RemoteField> ParseRemoteClassic(std::string_view remote) {
  std::size_t ip_colon;
  std::optional<std::uint32_t> ipv4;
  const auto found = FindIpSeparator(remote, ipv4);
  if (found) {
    ip_colon = *found;
  } else {
    // No address literal: qmail-smtpd then writes "unknown" (checked by the caller) or nothing.
    ip_colon = remote.rfind(':');
    if (ip_colon == kNpos) return {{}, "chkuser: remote is not HELO:HOST:IP"};
  }
  if (ip_colon == 0) return {{}, "chkuser: remote is not HELO:HOST:IP"};
  const std::size_t host_colon = scan::RFind(remote.substr(0, ip_colon), ":");
  if (host_colon == kNpos) return {{}, "chkuser: remote is not HELO:HOST:IP"};
  return {{remote.substr(0, host_colon), remote.substr(host_colon + 1, ip_colon - host_colon - 1),
           remote.substr(ip_colon + 1), found.has_value(), ipv4},
          {}};
}

// Where the three delimiters are in the text after ": from <": the first "> remote <" (and
// whether another follows anywhere), the first "> rcpt <" after it (and whether another
// follows), and the last "> : " after that. Each delimiter starts with '>', so one memchr walk
// over the '>' bytes finds them all.
struct Delimiters {
  std::size_t remote = kNpos;
  std::size_t rcpt = kNpos;
  std::size_t reason = kNpos;
  bool remote_twice = false;
  bool rcpt_twice = false;
};

Delimiters FindDelimiters(std::string_view body) {
  Delimiters at;
  const char* const begin = body.data();
  const char* const end = begin + body.size();
  for (const char* p = begin; p < end; ++p) {
    p = static_cast<const char*>(std::memchr(p, '>', static_cast<std::size_t>(end - p)));
    if (p == nullptr) break;
    const std::size_t pos = static_cast<std::size_t>(p - begin);
    const std::string_view here = body.substr(pos);
    if (here.starts_with(kRemote)) {
      if (at.remote == kNpos) {
        at.remote = pos;
      } else {
        at.remote_twice = true;
      }
    } else if (here.starts_with(kRcpt)) {
      if (at.remote == kNpos || pos < at.remote + kRemote.size()) continue;
      if (at.rcpt == kNpos) {
        at.rcpt = pos;
      } else {
        at.rcpt_twice = true;
      }
    } else if (here.starts_with(kReason)) {
      if (at.rcpt != kNpos && pos >= at.rcpt + kRcpt.size()) at.reason = pos;
    }
  }
  return at;
}

}  // namespace

ChkuserVerdict ChkuserVerdictFromTitle(std::string_view title) {
  for (const auto& [text, verdict] : kTitles) {
    if (text == title) return verdict;
  }
  return ChkuserVerdict::kOther;
}

std::string_view ChkuserTitle(ChkuserVerdict verdict) {
  for (const auto& [text, known] : kTitles) {
    if (known == verdict) return text;
  }
  return {};
}

namespace {

// A line that starts with kPrefix. The event is built inside the Event returned, and every path
// returns that one object (so the compiler builds it in the caller's place): building a
// ChkuserEvent and converting it on return copied it whole, on every line; so did making an
// OtherEvent first and then a ChkuserEvent in its place, each zeroed.
Event ParseChkuserLine(std::string_view text) {
  Event result(std::in_place_type<ChkuserEvent>);
  ChkuserEvent& event = std::get<ChkuserEvent>(result);
  auto malformed = [&result](std::string_view reason) { result = Malformed(reason); };
  // A second line head means another process's write landed inside this line.
  if (scan::Find(text, kPrefix, kPrefix.size()) != kNpos) {
    malformed("chkuser: interleaved line (a second 'CHKUSER ')");
    return result;
  }
  const std::string_view rest = text.substr(kPrefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == kNpos || rest.compare(colon, kFrom.size(), kFrom) != 0) {
    malformed("chkuser: no ': from <' after the title");
    return result;
  }

  event.title = rest.substr(0, colon);
  event.verdict = ChkuserVerdictFromTitle(event.title);

  const std::string_view body = rest.substr(colon + kFrom.size());
  const Delimiters at = FindDelimiters(body);
  std::string_view error;
  if (at.remote == kNpos) {
    error = "chkuser: no '> remote <'";
  } else if (at.remote_twice) {
    error = "chkuser: '> remote <' occurs twice";
  } else if (at.rcpt == kNpos) {
    error = "chkuser: no '> rcpt <'";
  } else if (at.rcpt_twice) {
    error = "chkuser: '> rcpt <' occurs twice";
  } else if (at.reason == kNpos) {
    error = "chkuser: no '> : ' before the reason";
  }
  if (!error.empty()) {
    malformed(error);
    return result;
  }
  const std::size_t remote_start = at.remote + kRemote.size();
  const std::size_t rcpt_start = at.rcpt + kRcpt.size();
  event.rcpt = body.substr(rcpt_start, at.reason - rcpt_start);
  event.reason = body.substr(at.reason + kReason.size());

  const Parsed<FromField> from = ParseFrom(body.substr(0, at.remote));
  const std::string_view remote_text = body.substr(remote_start, at.rcpt - remote_start);
  // Made where it stays (assigned in the checks below, it was built aside and copied), and
  // checked in the same order: a line with an empty reason or a bad from is still told so.
  const Parsed<RemoteField> peer = !from.error.empty()      ? Parsed<RemoteField>{}
                                   : from.value.field_named ? ParseRemoteFieldNamed(remote_text)
                                                            : ParseRemoteClassic(remote_text);
  if (event.reason.empty()) {
    error = "chkuser: empty reason";
  } else if (!from.error.empty()) {
    error = from.error;
  } else if (!peer.error.empty()) {
    error = peer.error;
  } else if (!IsHostName(peer.value.host)) {
    error = "chkuser: bad remote host";
  } else if (peer.value.ip.empty()) {
    // qmail-smtpd always writes TCPREMOTEIP or "unknown": "remote <::>" was not written by it,
    // and counting it would make a key of no address.
    error = "chkuser: remote: no client address";
  } else if (!peer.value.ip_is_address && !IsRemoteIp(peer.value.ip)) {
    error = "chkuser: bad remote ip";
  } else if (!IsAuthField(from.value.auth_user)) {
    error = "chkuser: bad auth field";
  }
  if (!error.empty()) {
    malformed(error);
    return result;
  }

  event.sender = from.value.sender;
  event.auth_user = from.value.auth_user;
  event.ident = from.value.ident;
  event.field_named = from.value.field_named;
  event.auth_spelling = SpellingOf(event.auth_user);
  if (event.auth_spelling == AuthSpelling::kKey ||
      event.auth_spelling == AuthSpelling::kBareLogin) {
    // Hashed here, on the decoding thread, once: every shard would hash it twice.
    event.auth_hash = std::hash<std::string_view>{}(event.auth_user);
  }
  event.helo = peer.value.helo;
  event.remote_host = peer.value.host;
  event.remote_ip = WithoutV4Mapping(peer.value.ip);
  // Once here, on the decoding thread: the detector's distinct windows and report's table keep
  // addresses as bits, and a canonical one needs no canonical spelling made.
  // The value alone: copying the optional whole read back, as one word, the two parts just
  // written, which stalls.
  if (peer.value.ipv4) {
    event.remote_ipv4.emplace(*peer.value.ipv4);
  } else {
    event.remote_ipv4 = Ipv4Bits(event.remote_ip);
  }
  return result;
}

}  // namespace

Event ParseChkuser(std::string_view text) {
  if (!text.starts_with(kPrefix)) return OtherEvent{};
  return ParseChkuserLine(text);
}

}  // namespace relaywatch::parse
