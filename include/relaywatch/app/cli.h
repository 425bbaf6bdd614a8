// The command line: one binary, subcommands from one table (app/commands.h).
#ifndef RELAYWATCH_APP_CLI_H_
#define RELAYWATCH_APP_CLI_H_

namespace relaywatch::app {

// Exit codes (DESIGN.md): 0 ok, 1 bad input or config, 2 usage, other = internal error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 3;

int RunCli(int argc, char** argv);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_CLI_H_
