// FileOrder: which file of a multilog directory to read next, decided from a listing.
//
// multilog only ever adds a file at the end of the reading order (a new `current`), moves one
// forward in a way that keeps the order (`current` → `previous` → `@<label>.s`, the label being
// the time of archiving, later than every older archive), and prunes from the front. So a
// reader needs two things to pick up where it was: the identity of the newest file it has taken
// (found again by device + inode wherever it moved), and, when that file is gone, a ReadCursor
// saying what is behind it: archives labelled at or before a time, and a few files by identity.
// A Position names a file by device + inode + fingerprint, so a recycled inode is not taken for
// the file it names. These functions are pure: the follower lists the directory (log_dir.h)
// and opens what they choose.
#ifndef RELAYWATCH_FOLLOW_FILE_ORDER_H_
#define RELAYWATCH_FOLLOW_FILE_ORDER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/stamp/log_files.h"
#include "relaywatch/state/position.h"

namespace relaywatch::follow {

// A file as the kernel knows it while it exists.
struct FileKey {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const FileKey&, const FileKey&) = default;
};

// A file as it can be recognised after it was closed: its key and its first bytes.
struct FileIdentity {
  FileKey key;
  std::string head;  // up to state::kFingerprintBytes
};

// True when `later` is the file `earlier` was: same key, and `earlier`'s non-empty head is a
// prefix of `later`'s (a file only grows; a recycled inode holds other bytes). An empty head
// identifies nothing.
bool SameFile(const FileIdentity& earlier, const FileIdentity& later);

struct LogFileInfo {
  std::string name;         // the directory entry: "current", "@4000….s", …
  stamp::LogFileName kind;  // parsed name
  FileIdentity id;
  std::uint64_t size = 0;
};

// True for an archive (@….s or @….u): a file multilog no longer writes.
bool IsArchive(const LogFileInfo& f);

// What the reader knows of archive labels, to tell a file multilog pruned before the reader
// opened it. multilog gives each file one archive name when it is finished (a link
// `@<label>.s`, or `@<label>.u` for a file a restart found unfinished), labels in the order of
// the files (the time of archiving), and prunes the oldest archive first. So every label the
// reader learns (from a listing, or from the inotify IN_CREATE of the name) is the label of a
// file it took or put behind, or of a file it has not taken yet. A label that is no longer listed
// while a later one is belongs to a pruned file: if it is not the label of a file taken before
// its name was known (taken as `current` or `previous`), that file was never read.
struct LabelLedger {
  std::optional<core::Timestamp> through;  // every label at or before it is accounted for
  std::set<core::Timestamp> pending;       // later labels known, not accounted for yet
  std::deque<FileKey> unlabelled;  // files taken or put behind as previous/current whose label is
                                   // not known yet, oldest first
  std::optional<FileKey> last_taken;  // the newest file taken
  bool complete = true;  // false once labels may have gone unseen (inotify lost events)
};

// What lies behind the reader, for when the newest file it took is gone.
struct ReadCursor {
  std::optional<core::Timestamp> archived_through;  // archives labelled at or before are behind
  std::vector<FileIdentity> behind;                 // finished or skipped files, newest last
  LabelLedger labels;
};

// Keeps ReadCursor::behind short: older entries are dropped first.
inline constexpr std::size_t kMaxBehind = 8;

// Indices of `files` (reading order) still to be taken after `open` (the keys of the files the
// reader holds open, newest last). When the newest open file is listed, everything after it;
// otherwise (none open, or it was deleted or pruned) every file `cursor` does not put behind.
// Files already open are never returned, nor one file twice (multilog lists an archive also as
// `previous` for a moment).
std::vector<std::size_t> FilesAfter(const std::vector<LogFileInfo>& files,
                                    const std::vector<FileKey>& open, const ReadCursor& cursor);

// Updates `cursor` for taking files[index]: every archive before it, and every file before it in
// the listing, is behind (and accounted for in its labels).
void NoteTaken(ReadCursor& cursor, const std::vector<LogFileInfo>& files, std::size_t index);

// Updates `cursor` for starting at the end of the directory: everything listed is behind.
void NoteAllBehind(ReadCursor& cursor, const std::vector<LogFileInfo>& files);

// Updates `cursor` for a file read to its end and closed.
void NoteFinished(ReadCursor& cursor, FileIdentity id);

// An archive name appeared (inotify IN_CREATE or IN_MOVED_TO of `@<label>.s`/`.u`).
void NoteArchiveNamed(ReadCursor& cursor, core::Timestamp label);

// Labels may have been missed (inotify lost events, or there is no inotify): the next listing
// cannot tell every pruned file, only whether the newest file taken is gone.
void NoteLabelsIncomplete(ReadCursor& cursor);

// Files multilog pruned before the reader opened them.
struct PrunedUnread {
  std::uint64_t files = 0;  // how many; 0 with !count_known
  bool count_known = true;  // false: the newest file taken was pruned, and labels were missed,
                            // so files after it may have been pruned too (or none)
  std::optional<core::Timestamp> after;    // their lines come after this label (the last file
                                           // accounted for), when known
  std::optional<core::Timestamp> through;  // and are stamped at or before this one
};

// Accounts for the labels known against a listing taken after every label named so far was
// noted (the follower drains inotify right after listing): each known label up to the newest
// listed archive is a file listed (taken or still to take), the label of a file taken earlier
// whose label was not known, or a file pruned unread. Call before taking files from the listing.
std::optional<PrunedUnread> NoteListing(ReadCursor& cursor, const std::vector<LogFileInfo>& files);

// True when `file` is the file `position` names: same key, and the fingerprint of its first
// fingerprint_len bytes matches.
bool MatchesPosition(const LogFileInfo& file, const state::Position& position);

// Where a reader resumes from `position`.
struct ResumePlan {
  std::optional<std::size_t> index;  // the file to continue with; nullopt: none listed yet
  std::uint64_t offset = 0;          // where in it
  bool gap = false;                  // the position's file is gone: lines may have been lost
};

// The position's file at its offset when it is listed. Otherwise multilog has pruned it, and
// with it every older file, so the reader continues with the oldest listed file that is not an
// archive labelled before the position's last stamp (an archive holds only lines stamped at or
// before its label), and the plan says there is a gap. A position that names no file (inode 0:
// the reader started where there was nothing to read and put nothing behind) is no gap: every
// listed file is new, and the plan starts at the first, at 0.
ResumePlan PlanResume(const std::vector<LogFileInfo>& files, const state::Position& position);

// Where a warm start begins: the first archive labelled at or after `since` (older archives hold
// only older lines), else `previous` or `current`; nullopt when nothing is listed.
std::optional<std::size_t> PlanWarmStart(const std::vector<LogFileInfo>& files,
                                         core::Timestamp since);

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_FOLLOW_FILE_ORDER_H_
