#include "relaywatch/stamp/log_files.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "relaywatch/stamp/tai64n.h"

namespace relaywatch::stamp {

std::optional<LogFileName> ParseLogFileName(std::string_view name) {
  if (name == "current") return LogFileName{LogFileKind::kCurrent, {}};
  if (name == "previous") return LogFileName{LogFileKind::kPrevious, {}};
  if (name.size() != kTai64nLabelSize + 2 || name[kTai64nLabelSize] != '.') return std::nullopt;
  LogFileKind kind;
  switch (name.back()) {
    case 's':
      kind = LogFileKind::kArchiveDone;
      break;
    case 'u':
      kind = LogFileKind::kArchiveUnfinished;
      break;
    default:
      return std::nullopt;
  }
  auto t = ParseTai64nLabel(name.substr(0, kTai64nLabelSize));
  if (!t) return std::nullopt;
  return LogFileName{kind, *t};
}

std::string ArchiveName(core::Timestamp t, bool unfinished) {
  return FormatTai64nLabel(t) + (unfinished ? ".u" : ".s");
}

std::vector<std::string> OrderLogFiles(std::vector<std::string> names) {
  // Sort key: group (archives, previous, current), time, .s before .u, then the name itself.
  using Key = std::tuple<int, core::Timestamp, int>;
  std::vector<std::pair<Key, std::string>> files;
  files.reserve(names.size());
  for (std::string& name : names) {
    auto parsed = ParseLogFileName(name);
    if (!parsed) continue;
    Key key;
    switch (parsed->kind) {
      case LogFileKind::kArchiveDone:
        key = {0, parsed->time, 0};
        break;
      case LogFileKind::kArchiveUnfinished:
        key = {0, parsed->time, 1};
        break;
      case LogFileKind::kPrevious:
        key = {1, {}, 0};
        break;
      case LogFileKind::kCurrent:
        key = {2, {}, 0};
        break;
    }
    files.emplace_back(key, std::move(name));
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> ordered;
  ordered.reserve(files.size());
  for (auto& [key, name] : files) ordered.push_back(std::move(name));
  return ordered;
}

}  // namespace relaywatch::stamp
