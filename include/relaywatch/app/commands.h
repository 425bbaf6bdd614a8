// The subcommands, as one table (name, one-line help, function), like ninja's kTools.
#ifndef RELAYWATCH_APP_COMMANDS_H_
#define RELAYWATCH_APP_COMMANDS_H_

#include <string>
#include <vector>

namespace relaywatch::app {

struct Command {
  const char* name;
  const char* help;
  int (*run)(const std::vector<std::string>& args);  // args after the command name
};

const std::vector<Command>& Commands();

int CheckCommand(const std::vector<std::string>& args);
int MuteCommand(const std::vector<std::string>& args);
int ReportCommand(const std::vector<std::string>& args);
int RunCommand(const std::vector<std::string>& args);
int StatusCommand(const std::vector<std::string>& args);
int TestAlertCommand(const std::vector<std::string>& args);
int UnmuteCommand(const std::vector<std::string>& args);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_COMMANDS_H_
