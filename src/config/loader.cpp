#include "relaywatch/config/loader.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "alerts_loader.h"
#include "fleet_loader.h"
#include "relaywatch/core/text.h"
#include "rules_loader.h"
#include "text_checks.h"
#include "yaml_fields.h"

namespace relaywatch::config {
namespace {

using internal::Field;
using internal::Mapping;
using internal::Reporter;

constexpr std::array<std::pair<std::string_view, Startup>, 2> kStartups = {{
    {"warm", Startup::kWarm},
    {"tail", Startup::kTail},
}};

constexpr std::string_view kPathWhat = "an absolute path";
constexpr std::string_view kServiceWhat = "a service name like submission";

bool IsDiscoveryDir(std::string_view s) { return s.empty() || internal::IsAbsolutePath(s); }

core::Error TooLarge(std::string_view file_name) {
  return core::Error{std::string(file_name) + ": larger than 1 MiB, the most a config may be"};
}

// The file, read up to kMaxConfigBytes (a symlink to /dev/zero, or any file without end, stops
// there).
core::Result<std::string> ReadWholeFile(const std::string& path) {
  auto failure = [&path](int error) {
    return core::Error{"unable to read " + path + ": " +
                       std::error_code(error, std::generic_category()).message()};
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(errno);
  std::string text;
  std::array<char, 8192> buffer;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return failure(error);
    }
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > kMaxConfigBytes) {
      ::close(fd);
      return TooLarge(path);
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

core::Result<std::string> MachineName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) {
    return core::Error{"unable to find this machine's name: " +
                       std::error_code(errno, std::generic_category()).message() +
                       "; set hostname in the config"};
  }
  return std::string(name.data());
}

core::Result<LogSource> ReadLogSource(const Reporter& reporter, const Field& field) {
  auto log = internal::ReadMapping(reporter, field, "sources.logs[]");
  if (!log) return log.error();
  LogSource out;
  const Field* service = log->Find("service");
  if (service == nullptr) return reporter.At(field, "missing key service");
  auto service_name =
      internal::ReadChecked(reporter, *service, kServiceWhat, internal::IsServiceName);
  if (!service_name) return service_name.error();
  out.service = std::move(*service_name);
  const Field* dir = log->Find("dir");
  if (dir == nullptr) return reporter.At(field, "missing key dir");
  auto dir_path = internal::ReadChecked(reporter, *dir, kPathWhat, internal::IsAbsolutePath);
  if (!dir_path) return dir_path.error();
  out.dir = std::move(*dir_path);
  return out;
}

core::Result<SourcesConfig> ReadSources(const Reporter& reporter, const Field& field) {
  auto sources = internal::ReadMapping(reporter, field, "sources");
  if (!sources) return sources.error();
  SourcesConfig out;
  if (const Field* dir = sources->Find("supervise_dir")) {
    auto path =
        internal::ReadChecked(reporter, *dir, "an absolute path, or \"\" for none", IsDiscoveryDir);
    if (!path) return path.error();
    out.supervise_dir = std::move(*path);
  }
  if (const Field* services = sources->Find("services")) {
    auto names =
        internal::ReadCheckedList(reporter, *services, kServiceWhat, internal::IsServiceName);
    if (!names) return names.error();
    out.services = std::move(*names);
  }
  if (const Field* logs = sources->Find("logs")) {
    auto elements = internal::ReadList(reporter, *logs);
    if (!elements) return elements.error();
    for (const Field& element : *elements) {
      auto log = ReadLogSource(reporter, element);
      if (!log) return log.error();
      out.logs.push_back(std::move(*log));
    }
  }
  return out;
}

bool IsPromPath(std::string_view s) {
  return internal::IsAbsolutePath(s) && s.size() > 6 && s.ends_with(".prom") &&
         s[s.size() - 6] != '/';
}

core::Result<MetricsConfig> ReadMetrics(const Reporter& reporter, const Field& field) {
  auto metrics = internal::ReadMapping(reporter, field, "metrics");
  if (!metrics) return metrics.error();
  MetricsConfig out;
  const Field* textfile = metrics->Find("textfile");
  if (textfile == nullptr) {
    return reporter.At(field,
                       "missing key textfile (the .prom file node_exporter's textfile "
                       "collector reads)");
  }
  auto path = internal::ReadChecked(
      reporter, *textfile,
      "an absolute path ending in .prom, like /var/lib/node_exporter/textfile/relaywatch.prom",
      IsPromPath);
  if (!path) return path.error();
  out.textfile = std::move(*path);
  if (const Field* every = metrics->Find("every")) {
    auto value = internal::ReadDuration(reporter, *every);
    if (!value) return value.error();
    out.every = *value;
  }
  return out;
}

// The top-level keys other than the sections (sources, rules, alerts, metrics, fleet).
core::Status ReadScalars(const Reporter& reporter, const Mapping& root, Config& config) {
  if (const Field* hostname = root.Find("hostname")) {
    auto name = internal::ReadChecked(reporter, *hostname, "a host name like mx1.example.com",
                                      internal::IsDomain);
    if (!name) return name.error();
    config.hostname = std::move(*name);
  } else {
    auto name = MachineName();
    if (!name) return name.error();
    config.hostname = std::move(*name);
  }
  if (const Field* state_dir = root.Find("state_dir")) {
    auto path = internal::ReadChecked(reporter, *state_dir, kPathWhat, internal::IsAbsolutePath);
    if (!path) return path.error();
    config.state_dir = std::move(*path);
  }
  if (const Field* startup = root.Find("startup")) {
    auto value = internal::ReadChoice<Startup>(reporter, *startup, kStartups);
    if (!value) return value.error();
    config.startup = *value;
  }
  if (const Field* domain = root.Find("default_domain")) {
    auto name =
        internal::ReadChecked(reporter, *domain, "a domain like example.com", internal::IsDomain);
    if (!name) return name.error();
    config.default_domain = internal::LowercaseDomain("@" + *name).substr(1);
  }
  return core::OkStatus();
}

core::Result<Config> ReadConfig(const Reporter& reporter, const YAML::Node& document,
                                std::string_view file_name) {
  Field top{"", document, document.Mark()};
  if (!document.IsDefined() || document.IsNull()) {
    return reporter.At(top.mark, "", "no settings (the file is empty or holds only comments)");
  }
  if (!document.IsMap()) return reporter.Expected(top, "a mapping of settings (key: value)");
  auto root = internal::ReadMapping(reporter, top, "");
  if (!root) return root.error();

  Config config;
  config.path = std::string(file_name);
  if (auto status = ReadScalars(reporter, *root, config); !status) return status.error();
  if (const Field* sources = root->Find("sources")) {
    auto value = ReadSources(reporter, *sources);
    if (!value) return value.error();
    config.sources = std::move(*value);
  }
  const Field* rules = root->Find("rules");
  if (rules == nullptr) {
    return reporter.At(top, "missing key rules (at least one rule is needed)");
  }
  auto rule_specs = internal::ReadRules(reporter, *rules);
  if (!rule_specs) return rule_specs.error();
  config.rules = std::move(*rule_specs);
  if (const Field* alerts = root->Find("alerts")) {
    auto value = internal::ReadAlerts(reporter, *alerts);
    if (!value) return value.error();
    config.alerts = std::move(*value);
  }
  if (const Field* metrics = root->Find("metrics")) {
    auto value = ReadMetrics(reporter, *metrics);
    if (!value) return value.error();
    config.metrics = std::move(*value);
  }
  if (const Field* fleet = root->Find("fleet")) {
    // After ReadScalars: the node's name defaults to config.hostname.
    auto value = internal::ReadFleet(reporter, *fleet, config.hostname);
    if (!value) return value.error();
    config.fleet = std::move(*value);
  }
  return config;
}

// Where a document's events start: the YAML::Parser loop below only needs to know whether there
// is a document and where, not to build it.
class DocumentMarks : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}

  YAML::Mark start = YAML::Mark::null_mark();
  YAML::Mark first = YAML::Mark::null_mark();  // of the document's top node

 private:
  void Node(const YAML::Mark& mark) {
    if (first.is_null()) first = mark;
  }
};

// The text at `mark`, to the end of its line.
std::string_view TextAt(std::string_view yaml, const YAML::Mark& mark) {
  if (mark.is_null() || mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= yaml.size()) {
    return {};
  }
  std::string_view rest = yaml.substr(static_cast<std::size_t>(mark.pos));
  return rest.substr(0, rest.find('\n'));
}

// Fails when `yaml` holds a second document. yaml-cpp's LoadAll loops for ever on input it cannot
// move past (a lone ',': each call makes an empty "document" and consumes nothing), so documents
// are taken one at a time and the loop stops at the second, whatever it is.
core::Status CheckOneDocument(const Reporter& reporter, std::string_view yaml) {
  std::istringstream input{std::string(yaml)};
  YAML::Parser parser(input);
  DocumentMarks first;
  if (!parser.HandleNextDocument(first)) return core::OkStatus();
  DocumentMarks second;
  if (!parser.HandleNextDocument(second)) return core::OkStatus();
  const YAML::Mark where = second.first.is_null() ? second.start : second.first;
  const std::string_view at = TextAt(yaml, where);
  if (!TextAt(yaml, second.start).starts_with("---") && !at.empty() &&
      std::string_view(",]}").find(at.front()) != std::string_view::npos) {
    // Not a document: a token yaml-cpp stopped at without an error.
    return reporter.At(where, "",
                       "expected a setting (key: value) or the end of the file, got \"" +
                           core::EscapeForLog(at.substr(0, 20)) + "\"");
  }
  return reporter.At(where, "", "more than one YAML document ('---'); the config is one document");
}

// Line `line` (0-based) of `yaml`, without its newline; empty past the end.
std::string_view LineAt(std::string_view yaml, int line) {
  for (int i = 0; i < line && !yaml.empty(); ++i) {
    std::size_t newline = yaml.find('\n');
    yaml = newline == std::string_view::npos ? std::string_view() : yaml.substr(newline + 1);
  }
  return yaml.substr(0, yaml.find('\n'));
}

// yaml-cpp's messages for a tab in the indentation ("illegal block entry", "end of map not
// found") and for an unquoted value YAML reads as something else do not say what is wrong; these
// are the common ways a hand-edited file breaks.
std::string SyntaxHint(std::string_view yaml, int line) {
  std::string_view text = LineAt(yaml, line);
  std::string_view indent = text.substr(0, text.find_first_not_of(" \t"));
  if (indent.find('\t') != std::string_view::npos) {
    return " (this line is indented with a tab; YAML allows only spaces)";
  }
  // fleet.redis: [::1]:6379 starts a list.
  std::size_t bracket = text.find("]:");
  if (bracket != std::string_view::npos && bracket + 2 < text.size() && text[bracket + 2] >= '0' &&
      text[bracket + 2] <= '9') {
    return " (quote an IPv6 address and port: \"[::1]:6379\")";
  }
  // fleet.prefix: relaywatch: is a key inside a value.
  std::string_view trimmed = text.substr(0, text.find_last_not_of(" \r") + 1);
  if (trimmed.ends_with(':') && trimmed.find(": ") != std::string_view::npos) {
    return " (quote a value that ends in ':', like \"relaywatch:\")";
  }
  return "";
}

}  // namespace

core::Result<Config> LoadConfigFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) return text.error();
  return LoadConfigString(*text, path);
}

core::Result<Config> LoadConfigString(std::string_view yaml, std::string_view file_name) {
  Reporter reporter{std::string(file_name)};
  if (yaml.size() > kMaxConfigBytes) return TooLarge(file_name);
  try {
    if (core::Status one = CheckOneDocument(reporter, yaml); !one) return one.error();
    // YAML::Load builds the first document only (one HandleNextDocument into its NodeBuilder).
    return ReadConfig(reporter, YAML::Load(std::string(yaml)), file_name);
  } catch (const YAML::Exception& e) {
    // Parser errors (and anything else yaml-cpp throws) carry a mark and a bare message.
    return reporter.At(e.mark, "", e.msg + SyntaxHint(yaml, e.mark.line));
  } catch (const std::exception& e) {
    return core::Error{std::string(file_name) + ": unable to load: " + e.what()};
  }
}

}  // namespace relaywatch::config
