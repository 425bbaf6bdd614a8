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
  std::fprintf(out, "usage: relaywatch [-c FILE] COMMAND [OPTIONS]\n\ncommands:\n");
  for (const Command& c : Commands()) std::fprintf(out, "  %-11s %s\n", c.name, c.help);
  std::fprintf(out,
               "\n`relaywatch COMMAND --help` (or `relaywatch help COMMAND`) describes each. Exit "
               "codes: 0 ok, 1 bad input or config, 2 usage, 3 internal error or report output "
               "not written.\n");
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

}  // namespace

core::Result<CommandLine> SplitCommandLine(const std::vector<std::string>& argv) {
  CommandLine out;
  std::vector<std::string> leading;  // options before the command, moved after it
  std::size_t i = 0;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-c" || a == "--config") {
      if (i + 1 >= argv.size()) return core::Error{"option " + a + " needs a value (FILE)"};
      leading.push_back(a);
      leading.push_back(argv[++i]);
    } else if (a.starts_with("--config=") || (a.starts_with("-c") && a.size() > 2)) {
      leading.push_back(a);
    } else if (a == "--help" || a == "-h" || a == "--version") {
      if (!leading.empty()) return core::Error{"option " + a + " must come before -c"};
      out.command = a;
      return out;
    } else if (a.starts_with("-") && a != "-") {
      return core::Error{"option " + a + " must follow the command (only -c FILE may precede it)"};
    } else {
      break;
    }
  }
  if (i == argv.size()) {
    if (!leading.empty()) return core::Error{"no command given after " + leading.front()};
    return out;
  }
  out.command = argv[i++];
  if (out.command == "help") {
    if (i == argv.size()) {
      out.help = true;
      out.command.clear();
      return out;
    }
    if (i + 1 < argv.size()) return core::Error{"help: expected one command, got more"};
    out.command = argv[i];
    if (!FindCommand(out.command)) {
      return core::Error{"help: unknown command '" + out.command + "'"};
    }
    out.help = true;
    out.args = {"--help"};
    return out;
  }
  out.args = std::move(leading);
  out.args.insert(out.args.end(), argv.begin() + static_cast<long>(i), argv.end());
  return out;
}

int RunCli(int argc, char** argv) {
  auto line = SplitCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!line) {
    std::fprintf(stderr, "relaywatch: %s\n", line.error().message.c_str());
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string& name = line->command;
  if (name.empty() && line->help) {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (name.empty()) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  if (name == "--help" || name == "-h") {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (name == "--version") {
    std::printf("relaywatch %s\n", RELAYWATCH_VERSION);
    return kExitOk;
  }
  const Command* c = FindCommand(name);
  if (c == nullptr) {
    std::fprintf(stderr, "relaywatch: unknown command '%s'\n", name.c_str());
    PrintUsage(stderr);
    return kExitUsage;
  }
  try {
    return c->run(line->args);
  } catch (const std::exception& e) {
    // Edges catch their own; anything here is a bug, reported as one.
    std::fprintf(stderr, "relaywatch %s: internal error: %s\n", c->name, e.what());
    return kExitInternal;
  }
}

}  // namespace relaywatch::app
