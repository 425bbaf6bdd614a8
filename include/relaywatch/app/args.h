// Args: the small option parser every subcommand uses.
//
// GNU style: "--name VALUE", "--name=VALUE", "-c FILE", "-cFILE", flags without values, "--" ends
// options. Short flags are not bundled ("-ha" is an error).
// Unknown options and missing values are usage errors (exit 2) with a message naming them.
#ifndef RELAYWATCH_APP_ARGS_H_
#define RELAYWATCH_APP_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/result.h"

namespace relaywatch::app {

struct OptionSpec {
  std::string name;     // "config"
  char short_name = 0;  // 'c'
  bool takes_value = true;
  bool repeatable = false;
  std::string value_name;  // "FILE", for --help
  std::string help;
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;  // name -> values (flags: {""})
  std::vector<std::string> positional;
  bool has(const std::string& name) const { return values.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
};

core::Result<ParsedArgs> ParseArgs(const std::vector<OptionSpec>& specs,
                                   const std::vector<std::string>& argv);
// "  -c, --config FILE   help" lines for --help.
std::string OptionsHelp(const std::vector<OptionSpec>& specs);

// The start of every subcommand: its options parsed, positional arguments refused. nullopt means
// the command is done and `exit_code` says how: a usage error was printed to stderr as
// "relaywatch COMMAND: message" (kExitUsage), or --help printed `usage`, a blank line and the
// option list (kExitOk). `specs` must hold "help".
std::optional<ParsedArgs> ParseCommandArgs(std::string_view command,
                                           const std::vector<OptionSpec>& specs,
                                           const std::vector<std::string>& argv,
                                           std::string_view usage, int& exit_code);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_ARGS_H_
