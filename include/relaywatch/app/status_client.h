// QueryStatus: the client side of StatusServer, for `relaywatch status`.
#ifndef RELAYWATCH_APP_STATUS_CLIENT_H_
#define RELAYWATCH_APP_STATUS_CLIENT_H_

#include <chrono>
#include <string>
#include <string_view>

#include "relaywatch/core/result.h"

namespace relaywatch::app {

// Asks the daemon whose state dir is `state_dir` and returns its whole answer. Connecting,
// sending and reading all together take at most `timeout`: a daemon that does not answer by then
// (stopped in a debugger, its socket's backlog full) is an error that says so, never a hang. A
// busy answer (kBusyAnswer: too many clients at once) is asked again every 100 ms until then.
core::Result<std::string> QueryStatus(const std::string& state_dir, std::string_view request,
                                      std::chrono::milliseconds timeout);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_STATUS_CLIENT_H_
