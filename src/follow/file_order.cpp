#include "relaywatch/follow/file_order.h"

#include <algorithm>
#include <utility>

namespace relaywatch::follow {
namespace {

void Behind(ReadCursor& cursor, FileIdentity id) {
  // An empty file cannot be told from a later one that recycled its inode; reading it again
  // costs nothing, so it is not kept.
  if (id.head.empty()) return;
  for (const FileIdentity& have : cursor.behind) {
    if (SameFile(have, id)) return;
  }
  cursor.behind.push_back(std::move(id));
  if (cursor.behind.size() > kMaxBehind) cursor.behind.erase(cursor.behind.begin());
}

void ArchivedThrough(ReadCursor& cursor, core::Timestamp t) {
  if (!cursor.archived_through || *cursor.archived_through < t) cursor.archived_through = t;
}

}  // namespace

bool IsArchive(const LogFileInfo& f) {
  return f.kind.kind == stamp::LogFileKind::kArchiveDone ||
         f.kind.kind == stamp::LogFileKind::kArchiveUnfinished;
}

bool SameFile(const FileIdentity& earlier, const FileIdentity& later) {
  return earlier.key == later.key && !earlier.head.empty() &&
         later.head.compare(0, earlier.head.size(), earlier.head) == 0;
}

std::vector<std::size_t> FilesAfter(const std::vector<LogFileInfo>& files,
                                    const std::vector<FileKey>& open, const ReadCursor& cursor) {
  // Keys taken: those open, and those chosen here. Between multilog's link() and unlink() a
  // file is listed twice, as @….s and as `previous`; it must be taken once.
  std::vector<FileKey> taken = open;
  std::vector<std::size_t> out;
  auto take = [&](std::size_t i) {
    if (std::find(taken.begin(), taken.end(), files[i].id.key) != taken.end()) return;
    taken.push_back(files[i].id.key);
    out.push_back(i);
  };
  if (!open.empty()) {
    // The newest open file cannot have had its inode recycled: the key alone finds it.
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (files[i].id.key == open.back()) {
        for (std::size_t j = i + 1; j < files.size(); ++j) take(j);
        return out;
      }
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const LogFileInfo& f = files[i];
    if (IsArchive(f) && cursor.archived_through && f.kind.time <= *cursor.archived_through) {
      continue;
    }
    bool behind = std::any_of(cursor.behind.begin(), cursor.behind.end(),
                              [&](const FileIdentity& b) { return SameFile(b, f.id); });
    if (!behind) take(i);
  }
  return out;
}

void NoteTaken(ReadCursor& cursor, const std::vector<LogFileInfo>& files, std::size_t index) {
  for (std::size_t i = 0; i < index && i < files.size(); ++i) {
    if (IsArchive(files[i])) {
      ArchivedThrough(cursor, files[i].kind.time);
    } else {
      Behind(cursor, files[i].id);
    }
  }
  if (index < files.size() && IsArchive(files[index])) {
    ArchivedThrough(cursor, files[index].kind.time);
  }
}

void NoteAllBehind(ReadCursor& cursor, const std::vector<LogFileInfo>& files) {
  NoteTaken(cursor, files, files.size());
}

void NoteFinished(ReadCursor& cursor, FileIdentity id) { Behind(cursor, std::move(id)); }

bool MatchesPosition(const LogFileInfo& file, const state::Position& position) {
  if (file.id.key.device != position.device || file.id.key.inode != position.inode) return false;
  if (file.id.head.size() < position.fingerprint_len) return false;
  return state::Fingerprint(std::string_view(file.id.head).substr(0, position.fingerprint_len)) ==
         position.fingerprint;
}

ResumePlan PlanResume(const std::vector<LogFileInfo>& files, const state::Position& position) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (MatchesPosition(files[i], position)) return ResumePlan{i, position.offset, false};
  }
  ResumePlan plan;
  plan.gap = true;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (position.last_stamp && IsArchive(files[i]) && files[i].kind.time < *position.last_stamp) {
      continue;
    }
    plan.index = i;
    break;
  }
  return plan;
}

std::optional<std::size_t> PlanWarmStart(const std::vector<LogFileInfo>& files,
                                         core::Timestamp since) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!IsArchive(files[i]) || files[i].kind.time >= since) return i;
  }
  return std::nullopt;
}

}  // namespace relaywatch::follow
