// DiscoverSources: the edge of discovery, reading the supervise tree.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <variant>

#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/log_dir.h"

namespace relaywatch::follow {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kOwnService = "relaywatch";

// Lexically normal, without a trailing slash (except for "/").
std::string Normal(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The whole file, or the errno of the failure. Run scripts are small; more than 1 MiB is not one.
std::variant<std::string, int> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return err;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (1u << 20)) {
      ::close(fd);
      return EFBIG;
    }
  }
  ::close(fd);
  return text;
}

// Through a symlink (/service -> /var/qmail/supervise) one log dir can be found twice; two
// services may also log into one directory. It is read once, under the first name.
void Add(DiscoveryResult& result, Source s) {
  for (const Source& have : result.sources) {
    if (!SameDir(have.dir, s.dir)) continue;
    if (have.service != s.service) {
      result.problems.push_back("service " + s.service + " logs to " + s.dir + " like service " +
                                have.service + "; read once, as " + have.service);
    }
    return;
  }
  result.sources.push_back(std::move(s));
}

}  // namespace

DiscoveryResult DiscoverSources(const config::SourcesConfig& config) {
  DiscoveryResult result;
  if (!config.supervise_dir.empty()) {
    const fs::path supervise(config.supervise_dir);
    std::vector<std::string> names;
    std::error_code ec;
    fs::directory_iterator it(supervise, ec);
    if (ec) {
      result.problems.push_back("unable to read " + config.supervise_dir + ": " +
                                std::strerror(ec.value()));
    } else {
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!name.empty() && name[0] != '.') names.push_back(name);
      }
      if (ec) {
        result.problems.push_back("unable to read " + config.supervise_dir + ": " +
                                  std::strerror(ec.value()));
      }
    }
    std::sort(names.begin(), names.end());
    const std::set<std::string> wanted(config.services.begin(), config.services.end());
    std::set<std::string> seen;
    for (const std::string& name : names) {
      if (!wanted.empty() && !wanted.count(name)) continue;
      // relaywatch's own service (install-supervise.sh puts it next to qmail's): its log holds
      // no qmail line, only what relaywatch says about them.
      if (wanted.empty() && name == kOwnService) continue;
      const fs::path log_dir = supervise / name / "log";
      const std::string run = (log_dir / "run").string();
      auto text = ReadSmallFile(run);
      if (const int* err = std::get_if<int>(&text)) {
        // A service without a log/run logs elsewhere; only say so when it was asked for. A
        // log/run symlink to nothing is a broken service, not an absent one.
        std::error_code link_ec;
        if (*err == ENOENT && fs::is_symlink(fs::symlink_status(run, link_ec))) {
          result.problems.push_back(run + ": a symlink to nothing (" +
                                    fs::read_symlink(run, link_ec).string() + ")");
          seen.insert(name);
        } else if (*err != ENOENT && *err != ENOTDIR) {
          result.problems.push_back("unable to read " + run + ": " + std::strerror(*err));
          seen.insert(name);
        }
        continue;
      }
      seen.insert(name);
      if (::access(run.c_str(), X_OK) != 0) {
        result.problems.push_back(run + ": not executable, so supervise cannot run it (chmod +x)");
      }
      const std::vector<RunScriptFinding> findings =
          DiscoverFromRunScript(std::get<std::string>(text));
      auto path_of = [&](const DiscoveredDir& d) {
        fs::path dir(d.dir);
        if (dir.is_absolute()) return Normal(dir);
        // supervise runs log/run in the log dir as the kernel resolves it: through a symlinked
        // service (/service/smtpd -> /var/qmail/supervise/smtpd), ".." is the target's parent.
        const bool goes_up =
            std::any_of(dir.begin(), dir.end(), [](const fs::path& part) { return part == ".."; });
        return Normal((goes_up ? fs::path(ResolvedDir(log_dir.string())) : log_dir) / dir);
      };
      // The directory of the same multilog command that gets every line, if any.
      auto unfiltered_of = [&](int line) -> const DiscoveredDir* {
        for (const RunScriptFinding& g : findings) {
          const auto* d = std::get_if<DiscoveredDir>(&g);
          if (d != nullptr && d->line == line && !d->filtered) return d;
        }
        return nullptr;
      };
      for (const RunScriptFinding& f : findings) {
        if (const auto* d = std::get_if<DiscoveredDir>(&f)) {
          const DiscoveredDir* all = d->filtered ? unfiltered_of(d->line) : nullptr;
          if (all != nullptr) {
            result.problems.push_back(run + ":" + std::to_string(d->line) + ": " + path_of(*d) +
                                      " holds copies of lines multilog also writes to " +
                                      path_of(*all) + "; not read, so none counts twice");
            continue;
          }
          Add(result, Source{name, path_of(*d)});
          result.scripts.emplace(path_of(*d),
                                 std::make_pair(run + ":" + std::to_string(d->line), *d));
        } else {
          const auto& p = std::get<RunScriptProblem>(f);
          result.problems.push_back(run + ":" + std::to_string(p.line) + ": " + p.message);
        }
      }
    }
    for (const std::string& name : wanted) {
      if (!seen.count(name)) {
        result.problems.push_back("sources.services: no " +
                                  (supervise / name / "log/run").string() + " for service " + name);
      }
    }
  }
  for (const config::LogSource& log : config.logs) {
    Source s{log.service, Normal(fs::path(log.dir))};
    // An explicit entry names the service of a directory discovery may have found too.
    auto same = std::find_if(result.sources.begin(), result.sources.end(),
                             [&](const Source& have) { return SameDir(have.dir, s.dir); });
    if (same != result.sources.end()) {
      same->service = s.service;
    } else {
      Add(result, std::move(s));
    }
  }
  return result;
}

}  // namespace relaywatch::follow
