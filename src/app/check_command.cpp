// `relaywatch check`: is the config good, and which logs would the daemon follow?
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/commands.h"
#include "relaywatch/config/describe.h"
#include "relaywatch/core/text.h"
#include "relaywatch/deliver/channel.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/log_dir.h"
#include "relaywatch/store/state_dir.h"

namespace relaywatch::app {
namespace {

// A directory the admin named under sources.logs, rather than one a log/run script names.
bool NamedInLogs(const config::Config& config, const follow::Source& s) {
  return std::any_of(config.sources.logs.begin(), config.sources.logs.end(), [&](const auto& l) {
    return l.service == s.service && follow::SameDir(l.dir, s.dir);
  });
}

// The user relaywatch's own service drops to: the word after setuidgid (envuidgid, runuser -u,
// chpst -u) in <supervise_dir>/relaywatch/run; nullopt when there is no such script or word.
std::optional<std::string> ServiceUser(const config::Config& config) {
  if (config.sources.supervise_dir.empty()) return std::nullopt;
  std::ifstream in(config.sources.supervise_dir + "/relaywatch/run");
  std::string line;
  for (int n = 0; n < 1000 && std::getline(in, line); ++n) {
    std::istringstream words(line);
    std::string word;
    std::string previous;
    while (words >> word && word[0] != '#') {
      if (previous == "setuidgid" || previous == "envuidgid" ||
          (previous == "-u" && line.find("runuser") != std::string::npos) ||
          (previous == "-u" && line.find("chpst") != std::string::npos)) {
        return word.substr(0, word.find(':'));
      }
      previous = word.substr(word.rfind('/') + 1);
    }
  }
  return std::nullopt;
}

std::optional<uid_t> UserId(const std::string& name) {
  std::array<char, 4096> buf{};
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return found->pw_uid;
}

// What the daemon would refuse in state_dir (store/state_dir.h), for the user it runs as: the one
// its service's run script names; else this user when it is not root (check run as the daemon's
// user); else, as root, the owner of state_dir when that is not root (root-owned files in it
// would stop that user's daemon).
std::optional<std::string> StateDirDoubt(const config::Config& config) {
  std::optional<uid_t> uid;
  if (std::optional<std::string> user = ServiceUser(config)) uid = UserId(*user);
  if (!uid && ::geteuid() != 0) uid = ::geteuid();
  struct stat st {};
  if (!uid && ::stat(config.state_dir.c_str(), &st) == 0 && st.st_uid != 0) uid = st.st_uid;
  if (!uid) return std::nullopt;
  std::optional<std::string> problem = store::StateDirProblem(config.state_dir, *uid);
  if (!problem) return std::nullopt;
  return "relaywatch running as " + store::UserName(*uid) + " would refuse state_dir " +
         config.state_dir + ": " + *problem;
}

// What is valid YAML and a valid config, yet almost surely not what the admin meant.
std::vector<std::string> Doubts(const config::Config& config,
                                const follow::DiscoveryResult& found) {
  std::vector<std::string> doubts;
  for (const auto& s : found.sources) {
    std::string name = "service " + s.service + ": " + s.dir;
    // multilog keeps too little to outlast a stop of relaywatch during a burst.
    for (const auto& [dir, script] : found.scripts) {
      if (!follow::SameDir(dir, s.dir)) continue;
      const follow::DiscoveredDir& d = script.second;
      const auto bytes = follow::ArchiveBytes(d);
      if (bytes && *bytes < follow::kMinArchiveBytes) {
        const std::uint64_t per_second = follow::kPeakLinesPerSecond * follow::kLineBytes;
        doubts.push_back(
            name + ": " + script.first + ": multilog s" + std::to_string(*d.size) + " n" +
            std::to_string(*d.num) + " keeps " + std::to_string(*bytes) +
            " bytes of archives besides current, " +
            std::to_string((*bytes + per_second / 2) / per_second) + " s of log at " +
            std::to_string(follow::kPeakLinesPerSecond) +
            " lines/s; a stop or lag of relaywatch longer than that loses lines (a gap alert "
            "says so). Make s x (n - 1) at least " +
            std::to_string(follow::kMinArchiveBytes) + " (" +
            std::to_string(follow::kArchiveSeconds) + " s), e.g. s1000000 n12");
      }
      break;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(s.dir, ec)) {
      doubts.push_back(name + (NamedInLogs(config, s) ? " does not exist; check sources.logs"
                                                      : " does not exist (yet); its log/run has "
                                                        "not written it"));
      continue;
    }
    // As the user check runs as: run it as the daemon's user to see what the daemon sees.
    auto files = follow::ListLogFiles(s.dir);
    if (!files) {
      doubts.push_back("service " + s.service + ": " + files.error().message);
    } else if (files->empty()) {
      doubts.push_back(name +
                       " holds no multilog 'current' nor @*.s archive (yet): is it the "
                       "directory multilog writes?");
    }
  }
  for (const config::ChannelConfig& channel : config.alerts.channels) {
    for (std::string& warning : deliver::ChannelFileWarnings(channel)) {
      doubts.push_back(std::move(warning));
    }
    if (channel.via == config::ChannelVia::kSmtp && !channel.username.empty() &&
        !channel.starttls) {
      doubts.push_back("channel " + channel.name + ": logs in as " + channel.username +
                       " without starttls: the password is sent in clear to " + channel.host + ":" +
                       std::to_string(channel.port) + " (allow_plaintext_auth: true)");
    }
  }
  if (std::optional<std::string> doubt = StateDirDoubt(config)) doubts.push_back(std::move(*doubt));
  for (const auto& rule : config.rules) {
    if (rule.kind() == detect::RuleKind::kSender && config.default_domain.empty()) {
      doubts.push_back("rule " + rule.name +
                       ": a login written without '@' (bob) is not judged; set default_domain "
                       "to judge it as bob@that-domain");
    }
    const auto* policy = std::get_if<detect::ServicePolicyParams>(&rule.params);
    if (policy == nullptr || found.sources.empty()) continue;
    for (const std::string& allowed : policy->allowed_services) {
      const bool known = std::any_of(found.sources.begin(), found.sources.end(),
                                     [&](const auto& s) { return s.service == allowed; });
      if (!known) {
        doubts.push_back("rule " + rule.name + ": allowed service " + allowed +
                         " is none of the sources above; relaying there would be allowed, "
                         "everywhere else it is a finding");
      }
    }
  }
  return doubts;
}

}  // namespace

int CheckCommand(const std::vector<std::string>& argv) {
  static const std::vector<OptionSpec> kOptions = {
      {"config", 'c', true, false, "FILE", "config file (default /etc/relaywatch/relaywatch.yaml)"},
      {"help", 'h', false, false, "", "show this help"},
  };
  int exit_code = kExitOk;
  auto args = ParseCommandArgs("check", kOptions, argv,
                               "usage: relaywatch check [-c FILE]\n\nValidates the config (errors "
                               "name file:line:column) and lists the log directories found.\n"
                               "Exit 0 good, 1 bad.",
                               exit_code);
  if (!args) return exit_code;
  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/false);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return kExitBadInput;
  }
  std::printf("%s: ok\n%s", config->path.c_str(), config::DescribeConfig(*config).c_str());
  follow::DiscoveryResult found = follow::DiscoverSources(config->sources);
  std::printf("sources (%zu):\n", found.sources.size());
  for (const auto& s : found.sources) {
    std::printf("  %-14s %s\n", core::EscapeForLog(s.service).c_str(),
                core::EscapeForLog(s.dir).c_str());
  }
  for (const auto& p : found.problems) {
    std::printf("  warning: %s\n", core::EscapeForLog(p).c_str());
  }
  for (const std::string& doubt : Doubts(*config, found)) {
    std::printf("warning: %s\n", core::EscapeForLog(doubt).c_str());
  }
  if (found.sources.empty()) {
    if (config->sources.supervise_dir.empty()) {
      std::printf(
          "warning: no log directory to follow; set sources.supervise_dir or "
          "sources.logs\n");
    } else {
      std::printf(
          "warning: no log directory to follow: no multilog directory found in %s/*/log/run "
          "(see above); name the directories in sources.logs\n",
          core::EscapeForLog(config->sources.supervise_dir).c_str());
    }
  }
  return kExitOk;
}

}  // namespace relaywatch::app
