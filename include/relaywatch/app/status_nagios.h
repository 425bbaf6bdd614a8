// `relaywatch status --nagios`: the daemon's status document judged as a Nagios/Icinga plugin
// judges: one line "RELAYWATCH OK - ...|perfdata" and the exit code 0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN.
//
//   CRITICAL: the daemon cannot be asked (stopped, socket unreachable, no answer in time: nothing
//             watches the relay then, which is what this check is for); an alert given up or in
//             a channel's spool failed/; the largest source lag over --lag-critical.
//   WARNING:  the largest source lag over --lag-warning; a source whose state is "gap" (log lost
//             before it was read, within the last hour) or "waiting" (its directory missing or
//             unreadable); alerts not yet in the spool.
//   UNKNOWN:  bad arguments, an unreadable config, an answer that is not the status document.
#ifndef RELAYWATCH_APP_STATUS_NAGIOS_H_
#define RELAYWATCH_APP_STATUS_NAGIOS_H_

#include <string>
#include <string_view>

namespace relaywatch::app {

inline constexpr int kNagiosOk = 0;
inline constexpr int kNagiosWarning = 1;
inline constexpr int kNagiosCritical = 2;
inline constexpr int kNagiosUnknown = 3;

struct NagiosThresholds {
  double lag_warning = 60;    // seconds
  double lag_critical = 300;  // seconds
};

struct NagiosVerdict {
  int code = kNagiosUnknown;
  std::string line;  // with its '\n'
};

// From the JSON status document (DaemonStatusJson).
NagiosVerdict JudgeStatus(std::string_view status_json, const NagiosThresholds& t);
// When the daemon could not be asked (`why` says how).
NagiosVerdict NagiosUnreachable(std::string_view why);
// For bad arguments or an unreadable config.
NagiosVerdict NagiosUnknown(std::string_view why);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_STATUS_NAGIOS_H_
