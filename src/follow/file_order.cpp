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

// Every label up to `t` is accounted for.
void LabelsThrough(LabelLedger& l, core::Timestamp t) {
  if (!l.through || *l.through < t) l.through = t;
  l.pending.erase(l.pending.begin(), l.pending.upper_bound(t));
}

bool IsAccounted(const LabelLedger& l, core::Timestamp t) { return l.through && t <= *l.through; }

// files[index] was taken or put behind.
void Account(LabelLedger& l, const std::vector<LogFileInfo>& files, std::size_t index) {
  const LogFileInfo& f = files[index];
  if (IsArchive(f)) {
    if (IsAccounted(l, f.kind.time)) return;
    // Its label names it. Files taken earlier whose label is still unknown are older, so their
    // labels came first: left over, they are stale (a `current` deleted rather than rotated).
    auto it = std::find(l.unlabelled.begin(), l.unlabelled.end(), f.id.key);
    l.unlabelled.erase(l.unlabelled.begin(),
                       it == l.unlabelled.end() ? l.unlabelled.end() : it + 1);
    LabelsThrough(l, f.kind.time);
    return;
  }
  if (std::find(l.unlabelled.begin(), l.unlabelled.end(), f.id.key) != l.unlabelled.end()) return;
  // Listed also under its archive name (between multilog's link() and unlink()): labelled.
  for (const LogFileInfo& g : files) {
    if (IsArchive(g) && g.id.key == f.id.key) return;
  }
  l.unlabelled.push_back(f.id.key);
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

namespace {

void NoteBehind(ReadCursor& cursor, const std::vector<LogFileInfo>& files, std::size_t end) {
  for (std::size_t i = 0; i < end && i < files.size(); ++i) {
    if (IsArchive(files[i])) {
      ArchivedThrough(cursor, files[i].kind.time);
    } else {
      Behind(cursor, files[i].id);
    }
    Account(cursor.labels, files, i);
  }
}

}  // namespace

void NoteTaken(ReadCursor& cursor, const std::vector<LogFileInfo>& files, std::size_t index) {
  NoteBehind(cursor, files, index);
  if (index < files.size()) {
    if (IsArchive(files[index])) ArchivedThrough(cursor, files[index].kind.time);
    Account(cursor.labels, files, index);
    cursor.labels.last_taken = files[index].id.key;
  }
}

void NoteAllBehind(ReadCursor& cursor, const std::vector<LogFileInfo>& files) {
  NoteBehind(cursor, files, files.size());
}

void NoteFinished(ReadCursor& cursor, FileIdentity id) { Behind(cursor, std::move(id)); }

void NoteArchiveNamed(ReadCursor& cursor, core::Timestamp label) {
  if (!IsAccounted(cursor.labels, label)) cursor.labels.pending.insert(label);
}

void NoteLabelsIncomplete(ReadCursor& cursor) { cursor.labels.complete = false; }

std::optional<PrunedUnread> NoteListing(ReadCursor& cursor, const std::vector<LogFileInfo>& files) {
  LabelLedger& l = cursor.labels;
  std::optional<core::Timestamp> newest;  // the newest archive listed
  for (const LogFileInfo& f : files) {
    if (!IsArchive(f)) continue;
    if (!newest || *newest < f.kind.time) newest = f.kind.time;
    if (!IsAccounted(l, f.kind.time)) l.pending.insert(f.kind.time);
  }
  auto listed = [&](const FileKey& key) {
    return std::any_of(files.begin(), files.end(),
                       [&](const LogFileInfo& f) { return f.id.key == key; });
  };
  PrunedUnread pruned;
  if (!l.complete && l.last_taken && !listed(*l.last_taken)) {
    // The newest file taken is gone, so pruning reached past it; without every label the files
    // between it and the oldest one left cannot be counted: there may be none.
    pruned.count_known = false;
    pruned.after = l.through;
    for (const LogFileInfo& f : files) {
      if (IsArchive(f)) {
        pruned.through = f.kind.time;
        break;
      }
    }
  }
  // Each label up to the newest listed one, oldest first. A later one names a file archived
  // after the listing: it is settled by the next.
  while (!l.pending.empty() && newest && *l.pending.begin() <= *newest) {
    const core::Timestamp t = *l.pending.begin();
    auto f = std::find_if(files.begin(), files.end(),
                          [&](const LogFileInfo& g) { return IsArchive(g) && g.kind.time == t; });
    if (f != files.end()) {
      auto u = std::find(l.unlabelled.begin(), l.unlabelled.end(), f->id.key);
      // Not a file taken: it is still to be read, and so is every later one.
      if (u == l.unlabelled.end()) break;
      l.unlabelled.erase(l.unlabelled.begin(), u + 1);
    } else if (!l.unlabelled.empty()) {
      l.unlabelled.pop_front();  // the label of the oldest file taken before its name was known
    } else if (pruned.count_known) {
      if (pruned.files == 0) pruned.after = l.through;
      ++pruned.files;
      pruned.through = t;
    }
    LabelsThrough(l, t);
  }
  if (!l.complete) {
    // From here on every label is seen again. A file taken whose label was missed and that is
    // gone now must not take the label of a later file.
    std::erase_if(l.unlabelled, [&](const FileKey& k) { return !listed(k); });
    l.complete = true;
  }
  if (pruned.files == 0 && pruned.count_known) return std::nullopt;
  return pruned;
}

bool MatchesPosition(const LogFileInfo& file, const state::Position& position) {
  if (file.id.key.device != position.device || file.id.key.inode != position.inode) return false;
  if (file.id.head.size() < position.fingerprint_len) return false;
  return state::Fingerprint(std::string_view(file.id.head).substr(0, position.fingerprint_len)) ==
         position.fingerprint;
}

ResumePlan PlanResume(const std::vector<LogFileInfo>& files, const state::Position& position) {
  if (position.device == 0 && position.inode == 0) {
    ResumePlan plan;
    if (!files.empty()) plan.index = 0;
    return plan;
  }
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
