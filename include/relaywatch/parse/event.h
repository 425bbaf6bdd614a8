// Event: what one log line says, as typed values.
//
// Every string_view points into the Line's text and lives as long as it does; detect copies what
// it keeps. A line that is none of the known kinds is OtherEvent. A line that claims to be a known
// kind (a "CHKUSER " line) but does not parse is MalformedEvent with a short fixed reason: it is
// counted and shown in reports, never guessed at.
#ifndef RELAYWATCH_PARSE_EVENT_H_
#define RELAYWATCH_PARSE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "relaywatch/parse/auth_spelling.h"

namespace relaywatch::parse {

// chkuser's log titles ("CHKUSER <title>: ..."), from chkuser 2.0.9 and sagredo's chkuser.
enum class ChkuserVerdict {
  kRelayingRcpt,          // "relaying rcpt": authenticated or RELAYCLIENT, to a remote domain
  kAcceptedRcpt,          // "accepted rcpt": to a local mailbox
  kAcceptedAnyRcpt,       // "accepted any rcpt"
  kRejectedRcpt,          // "rejected rcpt": not existing / max number of recipients / ...
  kRejectedRelaying,      // "rejected relaying": client not allowed to relay
  kAcceptedSender,        // "accepted sender"
  kRejectedSender,        // "rejected sender"
  kIntrusionThreshold,    // "intrusion threshold": max number of allowed rcpt / invalid rcpt
  kRejectedIntrusion,     // "rejected intrusion": session over intrusion threshold
  kNoAuthResource,        // "no auth resource"
  kMbxOverquota,          // "mbx overquota"
  kMustAuth,              // "must auth": sender not authenticated/authorized (2.0.9)
  kAcceptedDoublebounce,  // "accepted doublebounce": qmail's #@[] sender (2.0.9)
  kAcceptedNullSender,    // "accepted null sender": <> sender (2.0.8; 2.0.9 says "accepted sender")
  kOther,                 // a title this version does not know; `title` has it
};

struct ChkuserEvent {
  ChkuserVerdict verdict = ChkuserVerdict::kOther;
  std::string_view title;        // "relaying rcpt"
  std::string_view sender;       // envelope sender; empty = null sender <>
  std::string_view auth_user;    // chkuser's AUTH field; empty = not authenticated
  std::string_view ident;        // IDENT (classic) / chkuser-identify (field-named)
  std::string_view helo;         // may contain ':' ("[IPv6:2001:db8::5]"); may be empty
  std::string_view remote_host;  // usually "unknown" (tcpserver -H)
  std::string_view remote_ip;    // v4, v6 or "::ffff:a.b.c.d"
  std::string_view rcpt;         // empty for sender lines ("rcpt <>")
  std::string_view reason;       // text after " : "
  bool field_named = false;      // sagredo's "remoteinfo/auth:" dialect
  AuthSpelling auth_spelling = AuthSpelling::kUnknown;
  std::uint64_t auth_hash = 0;  // std::hash of auth_user, when spelt kKey or kBareLogin
  // parse::Ipv4Bits(remote_ip), found by the parser: remote_ip is then an IPv4 address in its
  // canonical text. nullopt for any other address, and in an event not made by ParseChkuser.
  std::optional<std::uint32_t> remote_ipv4;
};

// A recipient the server took: relayed, or to a local mailbox.
inline bool IsDelivery(ChkuserVerdict v) {
  return v == ChkuserVerdict::kRelayingRcpt || v == ChkuserVerdict::kAcceptedRcpt ||
         v == ChkuserVerdict::kAcceptedAnyRcpt;
}

// chkuser's recipient threshold ("max number of allowed rcpt"), not its invalid-rcpt one.
inline bool IsRcptLimitHit(const ChkuserEvent& e) {
  return e.verdict == ChkuserVerdict::kIntrusionThreshold &&
         e.reason.find("max number of allowed rcpt") != std::string_view::npos;
}

// sagredo's qlog lines: "qlogenvelope: k=v ..." (one per accepted RCPT) and
// "qlogreceived: k=v ..." (one per accepted message, with the whole rcptto= list).
enum class QlogKind { kEnvelope, kReceived, kOther };
struct QlogEvent {
  QlogKind kind = QlogKind::kOther;
  std::string_view result;  // "accepted", "rejected"...
  std::string_view reason;
  std::string_view detail;
  std::string_view mailfrom;
  std::string_view rcptto;       // comma-separated list
  std::uint32_t rcpt_count = 0;  // entries in rcptto
  std::string_view authuser;     // real SMTP AUTH login; empty when none
  std::string_view remoteip;
  std::string_view localport;
  bool relay = false;      // relay=yes: RELAYCLIENT was set (by IP, or after SMTP AUTH)
  bool rcpthosts = false;  // rcpthosts=yes: a local recipient, delivered here, not relayed
  std::uint32_t pid = 0;
};

// simscan: "simscan:[PID]:VERDICT:secs:subject:ip:sender:rcpt1,rcpt2,...". VERDICT is CLEAN,
// RELAYCLIENT, SPAM REJECT (...), VIRUS (...)...; RELAYCLIENT lines are one per relayed message.
struct SimscanEvent {
  std::uint32_t pid = 0;
  std::string_view verdict;
  bool relayclient = false;
  std::string_view remote_ip;  // may be "(null)"
  std::string_view sender;
  std::string_view recipients;  // comma-separated list
  std::uint32_t rcpt_count = 0;
};

// QMailToaster 3.x: "mail recv: pid N from <SENDER> qp Q" (one per message).
struct QmtRecvEvent {
  std::uint32_t pid = 0;
  std::string_view sender;
  std::uint64_t qp = 0;
};

// eMPF: "policy_check: local|remote P -> local|remote RCPT (AUTHENTICATED SENDER)" and
// "policy_check: policy allows|forbids transmission".
struct PolicyCheckEvent {
  bool is_verdict = false;  // the "policy allows/forbids transmission" form
  bool allowed = false;     // for verdict lines
  bool sender_local = false;
  std::string_view principal;  // AUTH login when authenticated, else envelope sender
  bool rcpt_local = false;
  std::string_view rcpt;
  bool authenticated = false;  // "(AUTHENTICATED SENDER)"
};

// tcpserver: status / pid N from IP / ok N LOCAL:IP:PORT REMOTE:IP::PORT / deny ... / end N status
// S.
enum class TcpserverKind { kStatus, kPid, kOk, kDeny, kEnd, kOther };
struct TcpserverEvent {
  TcpserverKind kind = TcpserverKind::kOther;
  std::uint32_t pid = 0;
  std::string_view remote_ip;
  std::string_view local_port;
  int status = 0;            // for kEnd
  std::uint32_t active = 0;  // for kStatus "A/M"
  std::uint32_t max = 0;
};

// qmail-smtpd: "qmail-smtpd[PID]: auth: auth-success|auth-failed type=T user=<U>" and any other
// "qmail-smtpd: ..." text (kind kOther).
struct SmtpdEvent {
  enum class Kind { kAuthSuccess, kAuthFailed, kOther } kind = Kind::kOther;
  std::uint32_t pid = 0;
  std::string_view auth_type;
  std::string_view user;
  std::string_view text;
};

// spamdyke: "VERDICT from: S to: R origin_ip: IP origin_rdns: N auth: A encryption: E [reason: X]".
struct SpamdykeEvent {
  std::string_view verdict;  // ALLOWED, DENIED_RDNS_MISSING, TLS_ENCRYPTED, ...
  bool denied = false;
  std::string_view from;
  std::string_view to;
  std::string_view origin_ip;
  std::string_view origin_rdns;
  std::string_view auth;  // "(unknown)" when not authenticated
  std::string_view encryption;
  std::string_view reason;
};

// rblsmtpd: "rblsmtpd: IP pid N ZONE: CODE text" and the older "rblsmtpd: ZONE blocked IP ...".
struct RblsmtpdEvent {
  std::string_view remote_ip;
  std::uint32_t pid = 0;
  std::string_view zone;
};

// vchkpw / vpopmail login failures: "vchkpw-pop3: password fail user@dom:IP".
struct VchkpwEvent {
  std::string_view service;  // "pop3", "smtp", "imap", ...
  bool failed = false;
  std::string_view user;
  std::string_view remote_ip;
};

struct OtherEvent {};

struct MalformedEvent {
  std::string_view reason;  // static text, e.g. "chkuser: no 'remote <'"
};

using Event = std::variant<OtherEvent, MalformedEvent, ChkuserEvent, QlogEvent, SimscanEvent,
                           QmtRecvEvent, PolicyCheckEvent, TcpserverEvent, SmtpdEvent,
                           SpamdykeEvent, RblsmtpdEvent, VchkpwEvent>;

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_EVENT_H_
