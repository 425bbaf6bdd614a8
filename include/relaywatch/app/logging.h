// The daemon's own log: one event per line on stderr, level first ("warning: unable to ..."),
// no timestamp of its own, because multilog `t` stamps each line.
#ifndef RELAYWATCH_APP_LOGGING_H_
#define RELAYWATCH_APP_LOGGING_H_

#include <string_view>

namespace relaywatch::app {

void SetupLogging();
void LogInfo(std::string_view msg);
void LogWarning(std::string_view msg);
void LogError(std::string_view msg);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_LOGGING_H_
