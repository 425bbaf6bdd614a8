// `relaywatch check`: is the config good, and which logs would the daemon follow?
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "relaywatch/app/args.h"
#include "relaywatch/app/cli.h"
#include "relaywatch/app/command_config.h"
#include "relaywatch/app/commands.h"
#include "relaywatch/config/describe.h"
#include "relaywatch/core/text.h"
#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/password_file.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/log_dir.h"
#include "relaywatch/redis/connection.h"
#include "relaywatch/redis/fleet_view.h"
#include "relaywatch/store/state_dir.h"

namespace relaywatch::app {
namespace {

// A directory the admin named under sources.logs, rather than one a log/run script names.
bool NamedInLogs(const config::Config& config, const follow::Source& s) {
  return std::any_of(config.sources.logs.begin(), config.sources.logs.end(), [&](const auto& l) {
    return l.service == s.service && follow::SameDir(l.dir, s.dir);
  });
}

// The user relaywatch's own service drops to, as named in <supervise_dir>/relaywatch/run: the word
// after setuidgid (envuidgid, runuser -u, chpst -u); nullopt when there is no such script or word.
struct RunUser {
  std::string name;
  bool supplementary_groups = false;  // runuser keeps the user's groups; setuidgid drops them
};

std::optional<RunUser> ServiceRunUser(const config::Config& config) {
  if (config.sources.supervise_dir.empty()) return std::nullopt;
  std::ifstream in(config.sources.supervise_dir + "/relaywatch/run");
  std::string line;
  for (int n = 0; n < 1000 && std::getline(in, line); ++n) {
    std::istringstream words(line);
    std::string word;
    std::string previous;
    while (words >> word && word[0] != '#') {
      const bool runuser = previous == "-u" && line.find("runuser") != std::string::npos;
      if (previous == "setuidgid" || previous == "envuidgid" || runuser ||
          (previous == "-u" && line.find("chpst") != std::string::npos)) {
        return RunUser{word.substr(0, word.find(':')), runuser};
      }
      previous = word.substr(word.rfind('/') + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::string> ServiceUser(const config::Config& config) {
  std::optional<RunUser> user = ServiceRunUser(config);
  if (!user) return std::nullopt;
  return user->name;
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

// Who the daemon runs as, when check runs as root and can tell: the user its run script drops to,
// else the owner of state_dir when that is not root. setuidgid, envuidgid and chpst keep only the
// user's own group; runuser and an unknown starter keep its supplementary groups too.
struct Identity {
  uid_t uid = 0;
  std::vector<gid_t> gids;
  std::string name;
};

std::optional<Identity> RunIdentity(const config::Config& config) {
  if (::geteuid() != 0) return std::nullopt;
  std::array<char, 16384> buf{};
  struct passwd pw {};
  struct passwd* found = nullptr;
  bool supplementary = true;
  if (std::optional<RunUser> user = ServiceRunUser(config)) {
    supplementary = user->supplementary_groups;
    if (::getpwnam_r(user->name.c_str(), &pw, buf.data(), buf.size(), &found) != 0) found = nullptr;
  } else {
    struct stat st {};
    if (::stat(config.state_dir.c_str(), &st) == 0 && st.st_uid != 0 &&
        ::getpwuid_r(st.st_uid, &pw, buf.data(), buf.size(), &found) != 0) {
      found = nullptr;
    }
  }
  if (found == nullptr || found->pw_uid == 0) return std::nullopt;
  Identity id{found->pw_uid, {found->pw_gid}, found->pw_name};
  if (supplementary) {
    std::vector<gid_t> groups(256);
    int n = static_cast<int>(groups.size());
    if (::getgrouplist(found->pw_name, found->pw_gid, groups.data(), &n) >= 0) {
      groups.resize(static_cast<std::size_t>(n));
      id.gids = std::move(groups);
    }
  }
  return id;
}

// Whether the mode bits give `id` all of `bits` (4 read, 1 execute/search) on a file; ACLs are
// not consulted.
bool Permits(const struct stat& st, const Identity& id, unsigned bits) {
  unsigned shift = 0;
  if (st.st_uid == id.uid) {
    shift = 6;
  } else if (std::find(id.gids.begin(), id.gids.end(), st.st_gid) != id.gids.end()) {
    shift = 3;
  }
  return ((st.st_mode >> shift) & bits) == bits;
}

// Why `id` cannot open `path` for `bits`: a directory above it it may not search, or the path's
// own mode; nullopt when it can (or when the path is missing: other checks say so).
std::optional<std::string> ReachProblem(const std::string& path, const Identity& id,
                                        unsigned bits) {
  const std::filesystem::path p(path);
  std::filesystem::path prefix;
  for (auto it = p.begin(); it != p.end(); ++it) {
    prefix /= *it;
    if (std::next(it) == p.end()) break;
    struct stat st {};
    if (::stat(prefix.c_str(), &st) != 0) return std::nullopt;
    if (S_ISDIR(st.st_mode) && !Permits(st, id, 1)) {
      return prefix.string() + " above it may not be searched";
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  if (!Permits(st, id, bits)) return std::string();
  return std::nullopt;
}

// A log directory and its current file the daemon's user could not read, though check (root) can.
void ReadabilityDoubts(const follow::Source& s, const Identity& id,
                       std::vector<std::string>& doubts) {
  const std::string who = " is not readable by " + id.name + " (the user relaywatch runs as)";
  const std::string current = s.dir + "/current";
  for (const auto& [path, bits] :
       {std::pair<std::string, unsigned>{s.dir, 5}, std::pair<std::string, unsigned>{current, 4}}) {
    if (std::optional<std::string> problem = ReachProblem(path, id, bits)) {
      doubts.push_back("service " + s.service + ": " + path + who +
                       (problem->empty() ? "" : ": " + *problem));
      return;
    }
  }
}

// A program that cannot be started: a channel's command[0] (sendmail, exec), an absolute path
// (the loader requires one) that the daemon spawns without a PATH search.
std::optional<std::string> ProgramProblem(const std::string& program,
                                          const std::optional<Identity>& id) {
  struct stat st {};
  if (::stat(program.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return program + " does not exist";
    return program + ": " + std::strerror(errno);
  }
  if (S_ISDIR(st.st_mode)) return program + " is a directory, not a program";
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0 || ::access(program.c_str(), X_OK) != 0) {
    return program + " is not executable";
  }
  if (id) {
    if (std::optional<std::string> problem = ReachProblem(program, *id, 1)) {
      return program + " is not executable by " + id->name + " (the user relaywatch runs as)" +
             (problem->empty() ? "" : ": " + *problem);
    }
  }
  return std::nullopt;
}

// What stops a channel from ever delivering: its program missing or not executable.
std::vector<std::string> Errors(const config::Config& config) {
  std::vector<std::string> errors;
  const std::optional<Identity> id = RunIdentity(config);
  for (const config::ChannelConfig& channel : config.alerts.channels) {
    if (channel.via == config::ChannelVia::kSmtp || channel.command.empty()) continue;
    if (std::optional<std::string> problem = ProgramProblem(channel.command.front(), id)) {
      errors.push_back("channel " + channel.name + ": " + *problem);
    }
  }
  return errors;
}

// An SMTP channel's host that does not resolve now (the daemon resolves it at each delivery);
// nothing is connected to.
std::optional<std::string> ResolveProblem(const config::ChannelConfig& channel) {
  struct addrinfo hints {};
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* result = nullptr;
  const int rc = ::getaddrinfo(channel.host.c_str(), nullptr, &hints, &result);
  if (rc == 0) {
    ::freeaddrinfo(result);
    return std::nullopt;
  }
  const std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
  return "channel " + channel.name + ": host " + channel.host + " does not resolve: " + why +
         "; its alerts wait, retried, until it does";
}

// What is valid YAML and a valid config, yet almost surely not what the admin meant.
std::vector<std::string> Doubts(const config::Config& config,
                                const follow::DiscoveryResult& found) {
  std::vector<std::string> doubts;
  const std::optional<Identity> id = RunIdentity(config);
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
    } else if (id) {
      ReadabilityDoubts(s, *id, doubts);
    }
  }
  for (const config::ChannelConfig& channel : config.alerts.channels) {
    for (std::string& warning : deliver::ChannelFileWarnings(channel)) {
      doubts.push_back(std::move(warning));
    }
    if (channel.via == config::ChannelVia::kSmtp) {
      if (std::optional<std::string> problem = ResolveProblem(channel)) {
        doubts.push_back(std::move(*problem));
      }
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

// With a fleet section: whether Redis answers and takes the password. A password file that is
// refused, or a password Redis refuses, is an error (the daemon could never join the fleet);
// Redis not answering now is a warning (the daemon counts alone until it does).
std::optional<std::string> FleetCheck(const config::Config& config,
                                      std::vector<std::string>& errors) {
  if (!config.fleet.enabled) return std::nullopt;
  if (!config.fleet.password_file.empty()) {
    if (auto p = deliver::ReadPasswordFile(config.fleet.password_file); !p) {
      errors.push_back("fleet: " + p.error().message);
      return std::nullopt;
    }
  }
  auto conn = redis::Connection::Open(config.fleet);
  if (!conn) {
    if (conn.error().message.find("AUTH refused") != std::string::npos) {
      errors.push_back("fleet: " + conn.error().message);
      return std::nullopt;
    }
    return "warning: fleet: " + conn.error().message +
           "; the daemon counts and pages on its own counts until Redis answers";
  }
  auto view = redis::FetchFleetView(**conn, config.fleet, redis::FleetRulesOf(config), 1);
  if (!view) return "warning: fleet: " + view.error().message;
  std::string nodes;
  for (const redis::FleetNode& n : view->nodes) {
    if (n.live) nodes += (nodes.empty() ? "" : " ") + n.name;
  }
  return "fleet: redis " + redis::Address(config.fleet) + " answers; this node is " +
         config.fleet.node + "; nodes live now: " + (nodes.empty() ? "none" : nodes);
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
                               "name file:line:column), checks that each channel's program "
                               "exists and is executable, and lists the log directories found; "
                               "warns of what is valid but likely broken (an SMTP host that does "
                               "not resolve, a log the daemon's user may not read).\n"
                               "Exit 0 good, 1 bad.",
                               exit_code);
  if (!args) return exit_code;
  auto config = LoadCommandConfig(args->get("config"), /*allow_builtin=*/false);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return kExitBadInput;
  }
  const std::vector<std::string> errors = Errors(*config);
  std::vector<std::string> fleet_errors;
  std::optional<std::string> fleet_line = FleetCheck(*config, fleet_errors);
  for (const std::string& error : errors) {
    std::fprintf(stderr, "error: %s\n", core::EscapeForLog(error).c_str());
  }
  for (const std::string& error : fleet_errors) {
    std::fprintf(stderr, "error: %s\n", core::EscapeForLog(error).c_str());
  }
  if (!errors.empty()) {
    std::printf("%s: valid, but %zu error%s (on stderr) stop alerts\n", config->path.c_str(),
                errors.size(), errors.size() == 1 ? "" : "s");
  } else if (!fleet_errors.empty()) {
    // The daemon would run, but never join the fleet: it would count and page alone.
    std::printf("%s: valid, but this node cannot join the fleet (on stderr)\n",
                config->path.c_str());
  } else {
    std::printf("%s: ok\n", config->path.c_str());
  }
  std::printf("%s", config::DescribeConfig(*config).c_str());
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
  if (fleet_line) std::printf("%s\n", core::EscapeForLog(*fleet_line).c_str());
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
  return errors.empty() && fleet_errors.empty() ? kExitOk : kExitBadInput;
}

}  // namespace relaywatch::app
