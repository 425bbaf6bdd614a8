// Fuzzes the `log/run` reader: ParseShellScript and DiscoverFromRunScript on any script text
// (both are pure: no file is read). Invariants: no crash; words and commands carry 1-based line
// numbers within the script; each finding is a non-empty directory or a problem with a message.
// Every script gives at least one finding: a directory, or a problem saying why there is none
// (`exec multilog t`, a multilog writing no directory, gave none before; README.md here).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/shell_script.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace follow = relaywatch::follow;
  using relaywatch::fuzz::Check;
  const std::string_view script = relaywatch::fuzz::AsText(data, size);
  const int lines = 1 + static_cast<int>(std::count(script.begin(), script.end(), '\n'));

  for (const follow::ShellCommand& command : follow::ParseShellScript(script)) {
    Check(!command.words.empty(), "an empty command", script);
    Check(command.line >= 1 && command.line <= lines, "command line out of range", script);
    for (const follow::ShellWord& word : command.words) {
      Check(word.line >= command.line && word.line <= lines, "word line out of range", script);
    }
  }

  const std::vector<follow::RunScriptFinding> found = follow::DiscoverFromRunScript(script);
  Check(!found.empty(), "no directory and no problem", script);
  for (const follow::RunScriptFinding& f : found) {
    if (const auto* dir = std::get_if<follow::DiscoveredDir>(&f)) {
      Check(!dir->dir.empty(), "an empty directory", script);
      Check(dir->line >= 1 && dir->line <= lines, "directory line out of range", script);
    } else {
      const auto& problem = std::get<follow::RunScriptProblem>(f);
      Check(!problem.message.empty(), "a problem without a message", script);
      Check(problem.line >= 1 && problem.line <= lines, "problem line out of range", script);
    }
  }
  return 0;
}
