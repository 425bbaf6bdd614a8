#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/explain.h"
#include "relaywatch/app/local_zone.h"
#include "relaywatch/core/text.h"

namespace relaywatch::app {
namespace {

const std::vector<OptionSpec>& ExplainOptions() {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"service", 0, true, false, "NAME", "the service the lines come from (default smtp)"},
      {"file", 'f', true, false, "FILE", "explain every line of FILE (- for stdin), then sum up"},
      {"help", 'h', false, false, "", "show this help"},
  };
  return kOptions;
}

constexpr std::string_view kUsage =
    "usage: relaywatch explain [-c FILE] [--service NAME] [LINE | -f FILE]\n\n"
    "How each log line is read (event, login as keyed, sender, client address, service) and,\n"
    "for each configured rule, whether it counts the line and if not why. Lines are taken one\n"
    "at a time: a message line's login, which comes from its session, is not worked out.";

int Usage(const std::string& why) {
  std::fprintf(stderr, "relaywatch explain: %s\n(see relaywatch explain --help)\n", why.c_str());
  return kExitUsage;
}

bool Write(const std::string& s) { return std::fwrite(s.data(), 1, s.size(), stdout) == s.size(); }

}  // namespace

int ExplainCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(ExplainOptions(), argv);
  if (!args) return Usage(args.error().message);
  if (args->has("help")) {
    std::printf("%.*s\n\n%s", static_cast<int>(kUsage.size()), kUsage.data(),
                OptionsHelp(ExplainOptions()).c_str());
    return kExitOk;
  }
  const auto file = args->get("file");
  if (file && !args->positional.empty()) return Usage("give a LINE or -f FILE, not both");
  if (!file && args->positional.size() != 1) {
    return Usage(args->positional.empty() ? "expected a LINE or -f FILE"
                                          : "expected one LINE (quote it), got " +
                                                std::to_string(args->positional.size()));
  }
  const std::string service = args->get("service").value_or("smtp");
  if (service.empty()) return Usage("--service: expected a name");

  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/true);
  if (!config) {
    std::fprintf(stderr, "relaywatch explain: %s\n", config.error().message.c_str());
    return kExitBadInput;
  }
  Explainer explainer(*config, service, SystemLocalZone());
  bool ok = true;
  if (!file) {
    std::string line = args->positional[0];
    if (!line.empty() && line.back() == '\n') line.pop_back();
    ok = Write(Explainer::Render(explainer.Explain(line), line, 1));
  } else {
    std::FILE* in = *file == "-" ? stdin : std::fopen(file->c_str(), "rb");
    if (in == nullptr) {
      std::fprintf(stderr, "relaywatch explain: unable to open %s: %s\n",
                   core::EscapeForLog(*file).c_str(), std::strerror(errno));
      return kExitBadInput;
    }
    std::string line;
    std::uint64_t number = 0;
    int c;
    auto flush = [&] {
      ++number;
      ok = Write(Explainer::Render(explainer.Explain(line), line, number) + "\n") && ok;
      line.clear();
    };
    while ((c = std::getc(in)) != EOF) {
      if (c == '\n') {
        flush();
      } else {
        line.push_back(static_cast<char>(c));
      }
    }
    const bool read_error = std::ferror(in) != 0;
    if (!line.empty()) flush();
    if (in != stdin) std::fclose(in);
    if (read_error) {
      std::fprintf(stderr, "relaywatch explain: unable to read %s\n",
                   core::EscapeForLog(*file).c_str());
      return kExitBadInput;
    }
    ok = Write(explainer.Summary()) && ok;
  }
  if (!ok || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "relaywatch explain: unable to write: %s\n", std::strerror(errno));
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace relaywatch::app
