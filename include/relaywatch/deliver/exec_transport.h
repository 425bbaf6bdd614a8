// ExecTransport: hands an Alert to an admin's program (config `via: exec`): the Alert as JSON on
// stdin, its main fields in environment variables. No shell is ever involved.
//
// The program runs from its argv list with a minimal environment, not the daemon's: PATH
// (kExecPath) and the variables given, each value sanitized by SanitizeEnvValue (the fields are
// attacker-controlled log text: no control bytes, no non-ASCII, bounded), each name checked to be
// [A-Z_][A-Z0-9_]* so a name can never carry a '=' or a second variable. Its exit status
// maps as exit_status.h says (0 ok; 111, 75, 74, 71 temporary; else permanent); at `timeout` its
// process group is killed and the result is kTemporary.
#ifndef RELAYWATCH_DELIVER_EXEC_TRANSPORT_H_
#define RELAYWATCH_DELIVER_EXEC_TRANSPORT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/deliver/channel.h"

namespace relaywatch::deliver {

inline constexpr std::string_view kExecPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
inline constexpr std::size_t kMaxEnvValue = 256;

struct ExecOptions {
  std::vector<std::string> command;  // program (absolute path) and arguments
  core::Duration timeout = std::chrono::seconds(30);
};

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// `value` safe for an environment variable: every byte below 0x20, 0x7f and every byte from
// 0x80 up becomes '?', and the result is cut to kMaxEnvValue bytes.
std::string SanitizeEnvValue(std::string_view value);

class ExecTransport {
 public:
  explicit ExecTransport(ExecOptions options);

  // Runs the program with `json` on stdin and `vars` (after PATH) as its whole environment. A var
  // whose name is not [A-Z_][A-Z0-9_]* or is PATH is left out.
  DeliveryResult Send(std::string_view json, const EnvVars& vars);

  // The environment Send passes: "PATH=...", then "NAME=sanitized value" for each valid var.
  static std::vector<std::string> Environment(const EnvVars& vars);

 private:
  ExecOptions options_;
};

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_EXEC_TRANSPORT_H_
