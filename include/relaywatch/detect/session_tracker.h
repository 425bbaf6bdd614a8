// SessionTracker: ties per-message lines back to the login that sent them.
//
// simscan's RELAYCLIENT line names the client IP but not the login; QMT's "mail recv: pid N"
// names only the qmail-smtpd pid. tcpserver's "ok PID ... :IP::PORT" maps pid to IP, and chkuser's
// authenticated lines map IP to login within one service. Both maps are capped (a flood of
// connections cannot grow them without bound); a message that cannot be tied to a login is keyed
// by its IP, as unauthenticated relaying is.
#ifndef RELAYWATCH_DETECT_SESSION_TRACKER_H_
#define RELAYWATCH_DETECT_SESSION_TRACKER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "relaywatch/detect/detector_state.h"

namespace relaywatch::detect {

class SessionTracker {
 public:
  static constexpr std::size_t kMaxEntries = 1 << 16;

  void OnConnection(std::string_view service, std::uint32_t pid, std::string_view ip);
  void OnDisconnect(std::string_view service, std::uint32_t pid);
  void OnLogin(std::string_view service, std::string_view ip, std::string_view login);

  // The client IP of a qmail-smtpd pid, or "" when unknown.
  std::string_view IpOfPid(std::string_view service, std::uint32_t pid) const;
  // The login last seen authenticated from `ip` on `service`, or "" when none.
  std::string_view LoginOfIp(std::string_view service, std::string_view ip) const;

  SessionState Snapshot() const;
  void Restore(SessionState state);

 private:
  static std::string Join(std::string_view service, std::string_view rest);
  std::unordered_map<std::string, std::string> pid_ip_;    // "service\0pid" -> ip
  std::unordered_map<std::string, std::string> ip_login_;  // "service\0ip" -> login
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_SESSION_TRACKER_H_
