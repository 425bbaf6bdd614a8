#include "relaywatch/app/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace relaywatch::app {

void SetupLogging() {
  auto logger = spdlog::stderr_logger_mt("relaywatch");
  logger->set_pattern("%l: %v");
  logger->flush_on(spdlog::level::info);  // multilog should see each line as it happens
  spdlog::set_default_logger(logger);
}

void LogInfo(std::string_view msg) { spdlog::info("{}", msg); }
void LogWarning(std::string_view msg) { spdlog::warn("{}", msg); }
void LogError(std::string_view msg) { spdlog::error("{}", msg); }

}  // namespace relaywatch::app
