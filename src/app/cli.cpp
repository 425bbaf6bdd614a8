#include "relaywatch/app/cli.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "relaywatch/app/commands.h"

namespace relaywatch::app {
namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: relaywatch COMMAND [OPTIONS]\n\ncommands:\n");
  for (const Command& c : Commands()) std::fprintf(out, "  %-11s %s\n", c.name, c.help);
  std::fprintf(out,
               "\n`relaywatch COMMAND --help` describes each. Exit codes: 0 ok, 1 bad input "
               "or config, 2 usage, 3 internal error or report output not written.\n");
}

}  // namespace

int RunCli(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (name == "--version") {
    std::printf("relaywatch %s\n", RELAYWATCH_VERSION);
    return kExitOk;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : Commands()) {
    if (name != c.name) continue;
    try {
      return c.run(args);
    } catch (const std::exception& e) {
      // Edges catch their own; anything here is a bug, reported as one.
      std::fprintf(stderr, "relaywatch %s: internal error: %s\n", c.name, e.what());
      return kExitInternal;
    }
  }
  std::fprintf(stderr, "relaywatch: unknown command '%s'\n", name.c_str());
  PrintUsage(stderr);
  return kExitUsage;
}

}  // namespace relaywatch::app
