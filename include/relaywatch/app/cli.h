// The command line: one binary, subcommands from one table (app/commands.h).
#ifndef RELAYWATCH_APP_CLI_H_
#define RELAYWATCH_APP_CLI_H_

#include <string>
#include <vector>

#include "relaywatch/core/result.h"

namespace relaywatch::app {

// Exit codes (DESIGN.md): 0 ok, 1 bad input or config, 2 usage, other = internal error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 3;

// The command line split into the command and its arguments. Options before the command go after
// it ("relaywatch -c F check" is "relaywatch check -c F"); only -c/--config may come first (it is
// the one option every command that reads the config shares). "help COMMAND" is "COMMAND --help".
// An empty `command` means none was given. Errors are usage errors, with the message to print.
struct CommandLine {
  std::string command;
  std::vector<std::string> args;
  bool help = false;  // "help COMMAND": `args` is {"--help"}
};
core::Result<CommandLine> SplitCommandLine(const std::vector<std::string>& argv);

int RunCli(int argc, char** argv);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_CLI_H_
