#include "relaywatch/parse/parser.h"

#include <array>

#include "relaywatch/parse/chkuser.h"
#include "relaywatch/parse/policy_check.h"
#include "relaywatch/parse/qlog.h"
#include "relaywatch/parse/qmt_recv.h"
#include "relaywatch/parse/rblsmtpd.h"
#include "relaywatch/parse/simscan.h"
#include "relaywatch/parse/smtpd.h"
#include "relaywatch/parse/spamdyke.h"
#include "relaywatch/parse/tcpserver.h"
#include "relaywatch/parse/vchkpw.h"

namespace relaywatch::parse {

Event ParseEvent(std::string_view tag, std::string_view text) {
  if (!text.empty()) {
    // One switch on the first byte, then one prefix compare: the common lines (CHKUSER,
    // tcpserver, qlog) reach their parser in a few instructions.
    switch (text.front()) {
      case 'C':
        if (text.starts_with("CHKUSER ")) return ParseChkuser(text);
        break;
      case 't':
        if (text.starts_with("tcpserver: ")) return ParseTcpserver(text);
        break;
      case 'q':
        if (text.starts_with("qlogenvelope:") || text.starts_with("qlogreceived:")) {
          return ParseQlog(text);
        }
        if (text.starts_with("qmail-smtpd")) return ParseSmtpd(text);
        break;
      case 's':
        if (text.starts_with("simscan:[")) return ParseSimscan(text);
        break;
      case 'p':
        if (text.starts_with("policy_check: ")) return ParsePolicyCheck(text);
        break;
      case 'm':
        if (text.starts_with("mail recv: ")) return ParseQmtRecv(text);
        break;
      case 'r':
        if (text.starts_with("rblsmtpd: ")) return ParseRblsmtpd(tag, text);
        break;
      case 'v':
        if (text.starts_with("vchkpw-")) return ParseVchkpw(text);
        break;
      default:
        break;
    }
  }
  if (tag == "rblsmtpd") return ParseRblsmtpd(tag, text);
  if (LooksLikeSpamdyke(text)) return ParseSpamdyke(text);
  return OtherEvent{};
}

std::string_view EventKindName(const Event& event) {
  // Indexed by the variant's alternatives, in event.h's order.
  static constexpr std::array<std::string_view, std::variant_size_v<Event>> kNames = {
      "other",        "malformed", "chkuser", "qlog",     "simscan",  "qmt_recv",
      "policy_check", "tcpserver", "smtpd",   "spamdyke", "rblsmtpd", "vchkpw"};
  return kNames[event.index()];
}

}  // namespace relaywatch::parse
