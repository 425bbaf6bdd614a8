#include "relaywatch/app/gap_finding.h"

#include <algorithm>

namespace relaywatch::app {

detect::Finding GapFinding(const follow::Source& source, const follow::Gap& gap,
                           core::Timestamp now) {
  detect::Finding f;
  f.rule = "gap";
  f.kind = detect::RuleKind::kGap;
  f.key = "log:" + source.service;
  f.count = std::max<std::uint64_t>(gap.files_skipped, 1);
  f.limit = 0;
  f.window = std::chrono::hours(1);
  f.first = gap.from.value_or(gap.to.value_or(now));
  f.last = gap.to.value_or(now);
  f.service = source.service;
  f.basis = "follower";
  // At resume multilog had deleted the file being read and leaves no count of any after it;
  // while following, the archive names count the files pruned unread. Say the span.
  const std::string n = std::to_string(gap.files_skipped);
  const std::string files = gap.files_skipped == 1 ? " file" : " files";
  std::string advice;
  switch (gap.seen) {
    case follow::Gap::Seen::kAtResume:
      f.detail = "log lost before it was read in " + source.dir +
                 ": multilog pruned the file being read and any after it";
      break;
    case follow::Gap::Seen::kPrunedUnread:
      f.detail = "log lost before it was read in " + source.dir + ": multilog pruned " + n + files +
                 " before relaywatch could read them";
      advice = "; raise s or n in its log/run";
      break;
    case follow::Gap::Seen::kMaybePruned:
      f.detail = "log may have been lost before it was read in " + source.dir +
                 ": multilog pruned files while inotify lost events, so some may have gone "
                 "unread";
      advice = "; raise s or n in its log/run";
      break;
  }
  f.detail += (gap.from ? ", lines after " + core::FormatIso8601Utc(*gap.from) : std::string()) +
              (gap.to ? " until " + core::FormatIso8601Utc(*gap.to) : std::string()) + advice;
  return f;
}

}  // namespace relaywatch::app
