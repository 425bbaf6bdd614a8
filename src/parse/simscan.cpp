#include "relaywatch/parse/simscan.h"

#include "relaywatch/parse/ip_address.h"
#include "scan.h"

namespace relaywatch::parse {
namespace {

using scan::kNpos;

constexpr std::string_view kPrefix = "simscan:[";

// "%3.4fs": digits, one '.', digits, then 's'.
bool IsSeconds(std::string_view text) {
  if (text.size() < 2 || text.back() != 's') return false;
  text.remove_suffix(1);
  bool dot = false;
  for (char c : text) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (!scan::IsDigit(c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Event ParseSimscan(std::string_view text) {
  if (!text.starts_with(kPrefix)) return OtherEvent{};
  std::string_view rest = text.substr(kPrefix.size());
  const std::string_view digits = scan::LeadingDigits(rest);
  const auto pid = scan::ParseUint32(digits);
  rest.remove_prefix(digits.size());
  if (!pid || !rest.starts_with("]:")) return MalformedEvent{"simscan: no '[PID]:'"};
  rest.remove_prefix(2);
  if (rest.empty() || rest.front() == ' ') return OtherEvent{};  // a debug message

  SimscanEvent event;
  event.pid = *pid;
  const std::size_t verdict_end = rest.find(':');
  if (verdict_end == kNpos || verdict_end == 0) return MalformedEvent{"simscan: no verdict"};
  event.verdict = rest.substr(0, verdict_end);
  event.relayclient = event.verdict == "RELAYCLIENT";
  rest.remove_prefix(verdict_end + 1);
  const std::size_t secs_end = rest.find(':');
  if (secs_end == kNpos || !IsSeconds(rest.substr(0, secs_end))) {
    return MalformedEvent{"simscan: no scan time"};
  }
  rest.remove_prefix(secs_end + 1);

  const std::size_t rcpt_colon = rest.rfind(':');
  if (rcpt_colon == kNpos || rcpt_colon == 0) return MalformedEvent{"simscan: no recipients"};
  const std::size_t sender_colon = rest.rfind(':', rcpt_colon - 1);
  if (sender_colon == kNpos) return MalformedEvent{"simscan: no sender"};
  event.recipients = rest.substr(rcpt_colon + 1);
  event.sender = rest.substr(sender_colon + 1, rcpt_colon - sender_colon - 1);
  if (event.recipients.find(' ') != kNpos) {
    return MalformedEvent{"simscan: interleaved line (space in the recipient list)"};
  }
  event.rcpt_count = scan::CountListEntries(event.recipients);

  const std::string_view subject_ip = rest.substr(0, sender_colon);
  std::size_t ip_colon;
  if (const auto found = FindIpSeparator(subject_ip)) {
    ip_colon = *found;
  } else {
    // simscan writes TCPREMOTEIP, or "(null)" without it: an empty field it never writes.
    ip_colon = subject_ip.rfind(':');
    if (ip_colon != kNpos && ip_colon + 1 == subject_ip.size()) {
      return MalformedEvent{"simscan: remote ip: no client address"};
    }
    if (ip_colon == kNpos || subject_ip.substr(ip_colon + 1) != "(null)") {
      return MalformedEvent{"simscan: bad remote ip"};
    }
  }
  event.remote_ip = WithoutV4Mapping(subject_ip.substr(ip_colon + 1));
  return event;
}

}  // namespace relaywatch::parse
