// `relaywatch mute` and `relaywatch unmute`: ask the running daemon, over its status socket, to
// stop (or start again) paging for one login.
#include <cstdio>
#include <optional>
#include <string>

#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/commands.h"
#include "relaywatch/app/mutes.h"
#include "relaywatch/app/status_client.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/login_key.h"

namespace relaywatch::app {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr auto kDefaultFor = std::chrono::hours(24);

// `name` LOGIN [options]: the options parsed, exactly one LOGIN; nullopt when done (exit_code).
std::optional<ParsedArgs> Parse(const char* name, const std::vector<OptionSpec>& specs,
                                const std::vector<std::string>& argv, const char* usage,
                                int& exit_code) {
  auto args = ParseArgs(specs, argv);
  if (args && args->has("help")) {
    std::printf("%s\n\n%s", usage, OptionsHelp(specs).c_str());
    exit_code = kExitOk;
    return std::nullopt;
  }
  std::string why;
  if (!args) {
    why = args.error().message;
  } else if (args->positional.empty()) {
    why = "expected a LOGIN (or ip:ADDRESS)";
  } else if (args->positional.size() > 1) {
    why = "unexpected argument " + args->positional[1];
  } else if (args->positional[0].empty() || args->positional[0].size() > alerting::kMaxMuteField) {
    why = "LOGIN: expected 1 to " + std::to_string(alerting::kMaxMuteField) + " bytes";
  }
  if (!why.empty()) {
    std::fprintf(stderr, "relaywatch %s: %s\n", name, why.c_str());
    exit_code = kExitUsage;
    return std::nullopt;
  }
  return std::move(*args);
}

int Send(const char* name, const config::Config& config, MuteRequest r) {
  // Keyed as the detector keys it (as report --user does).
  if (r.key.starts_with("ip:")) {
    r.key = detect::LoginKey({}, r.key.substr(3));
  } else {
    r.key = detect::LoginKey(r.key, {}, config.default_domain);
  }
  auto answer = QueryStatus(config.state_dir, EncodeMuteRequest(r), kTimeout);
  if (!answer) {
    std::string message = answer.error().message;
    const std::string reach = "unable to reach the daemon at ";
    if (message.starts_with(reach))
      message = "unable to connect to " + message.substr(reach.size());
    std::fprintf(stderr, "relaywatch %s: %s\n", name, message.c_str());
    return kExitBadInput;
  }
  int code = kExitOk;
  std::size_t pos = 0;
  while (pos < answer->size()) {
    std::size_t end = answer->find('\n', pos);
    if (end == std::string::npos) end = answer->size();
    const std::string line = answer->substr(pos, end - pos);
    pos = end + 1;
    if (line.starts_with("ok: ")) {
      std::printf("%s\n", line.c_str() + 4);
    } else if (line.starts_with("warning: ")) {
      std::fprintf(stderr, "relaywatch %s: %s\n", name, line.c_str() + 9);
    } else if (line.starts_with("error: ")) {
      std::fprintf(stderr, "relaywatch %s: %s\n", name, line.c_str() + 7);
      code = kExitBadInput;
    } else {
      std::fprintf(stderr, "relaywatch %s: unexpected answer from the daemon: %s\n", name,
                   line.c_str());
      code = kExitBadInput;
    }
  }
  return code;
}

}  // namespace

int MuteCommand(const std::vector<std::string>& argv) {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"rule", 0, true, false, "NAME", "only this rule's alerts (default: every rule)"},
      {"for", 0, true, false, "DURATION", "how long, like 30m, 2h, 1d (default 24h)"},
      {"reason", 0, true, false, "TEXT", "why, for the log and status"},
      {"help", 'h', false, false, "", "show this help"},
  };
  int exit_code = kExitOk;
  auto args = Parse("mute", kOptions, argv,
                    "usage: relaywatch mute LOGIN [-c FILE] [--rule NAME] [--for DURATION] "
                    "[--reason TEXT]\n\n"
                    "The running daemon keeps counting LOGIN (or ip:ADDRESS) but pages nobody "
                    "for it until the mute ends.",
                    exit_code);
  if (!args) return exit_code;
  MuteRequest r;
  r.key = args->positional[0];
  r.rule = args->get("rule").value_or("");
  r.reason = args->get("reason").value_or("");
  core::Duration span = kDefaultFor;
  if (auto text = args->get("for")) {
    auto parsed = core::ParseDuration(*text);
    if (!parsed || *parsed < std::chrono::seconds(1) || *parsed > std::chrono::days(3650)) {
      std::fprintf(stderr,
                   "relaywatch mute: --for: expected a duration like 30m, 2h or 1d, got \"%s\"\n",
                   text->c_str());
      return kExitUsage;
    }
    span = *parsed;
  }
  for (auto [name, value] : {std::pair{"rule", &r.rule}, std::pair{"reason", &r.reason}}) {
    if (value->size() > alerting::kMaxMuteField) {
      std::fprintf(stderr, "relaywatch mute: --%s: longer than %zu bytes\n", name,
                   alerting::kMaxMuteField);
      return kExitUsage;
    }
  }
  r.seconds =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(span).count());
  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/false);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return kExitBadInput;
  }
  return Send("mute", *config, std::move(r));
}

int UnmuteCommand(const std::vector<std::string>& argv) {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"rule", 0, true, false, "NAME", "only the mute of this rule (default: every mute of LOGIN)"},
      {"help", 'h', false, false, "", "show this help"},
  };
  int exit_code = kExitOk;
  auto args = Parse("unmute", kOptions, argv,
                    "usage: relaywatch unmute LOGIN [-c FILE] [--rule NAME]\n\n"
                    "Ends the mutes of LOGIN (or ip:ADDRESS) in the running daemon: it pages "
                    "again.",
                    exit_code);
  if (!args) return exit_code;
  MuteRequest r;
  r.mute = false;
  r.key = args->positional[0];
  r.rule = args->get("rule").value_or("");
  if (r.rule.size() > alerting::kMaxMuteField) {
    std::fprintf(stderr, "relaywatch unmute: --rule: longer than %zu bytes\n",
                 alerting::kMaxMuteField);
    return kExitUsage;
  }
  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/false);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return kExitBadInput;
  }
  return Send("unmute", *config, std::move(r));
}

}  // namespace relaywatch::app
