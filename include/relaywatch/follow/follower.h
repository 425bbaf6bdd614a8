// Follower: every line of one multilog directory, live, exactly once, across rotation and
// restarts.
//
// One Follower per Source. It reads `current` as lines arrive and follows multilog's rotation
// (`current` → `previous` → hard link `@<tai64n>.s`, a moment with no `current`), the `.u`
// archives a crash leaves, truncation, deletion and re-creation. Guarantees:
//  - A line is delivered once, when its '\n' arrives, with the Position just after it; a file
//    that will not grow any more (rotated, deleted) is drained to its end before it is closed,
//    and a last line without '\n' is then delivered too.
//  - Files are taken in multilog's order and held open as soon as they are listed, so pruning
//    cannot take a file the follower has seen; a saved Position is found again among `current`,
//    `previous` and the archives by device + inode + fingerprint. If multilog pruned it while
//    the follower was down, a Gap says so; nothing is skipped silently.
//  - While following, a file multilog archived and pruned before the follower opened it (the
//    follower fell behind by more than multilog's `n` files, or was stopped) is told by its
//    archive label: inotify names every archive created, and a label neither listed nor of a
//    file taken is a file pruned unread. A Gap (kPrunedUnread) says how many and their span at
//    the listing that shows it, then at most once a second. If inotify lost events, a Gap
//    (kMaybePruned) says only that the newest file taken was pruned.
//  - Idle costs nothing: inotify (its fd the only thing in Asio's reactor) wakes it, plus a stat
//    of `current` every safety_interval. inotify queue overflow is reconciled by a rescan.
//  - A missing or unreadable directory is reported once, watched through its nearest existing
//    parent, and picked up when it appears; the Follower keeps waiting meanwhile.
// Not thread-safe: use it from the thread that runs the io_context (or before it runs); the
// io_context must outlive it.
// Not supported: multilog's `!processor` (the archive is then a different file from `previous`).
#ifndef RELAYWATCH_FOLLOW_FOLLOWER_H_
#define RELAYWATCH_FOLLOW_FOLLOWER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "relaywatch/core/time.h"
#include "relaywatch/decode/line_decoder.h"
#include "relaywatch/follow/asio.h"
#include "relaywatch/follow/discovery.h"
#include "relaywatch/state/position.h"

namespace relaywatch::follow {

// Lines lost, or that may have been: multilog pruned files before the follower read them.
struct Gap {
  enum class Seen {
    // At the start: the Position's file was gone. from: the last stamp read before it
    // (Position::last_stamp); to: the stamp of the first line read after it, when known.
    // files_skipped is 1: pruning leaves no count of the files after it.
    kAtResume,
    // While following: files_skipped archives were pruned before the follower opened them
    // (files_skipped >= 1). Their lines come after `from` (the label of the last archive
    // accounted for, when known) and are stamped at or before `to` (the last one's label).
    kPrunedUnread,
    // While following, after inotify lost events: the newest file taken was pruned and archive
    // names went unseen, so files after it may have been pruned unread too, or none.
    // files_skipped: those known (maybe 0); `to`: the label of the oldest archive left.
    kMaybePruned,
  };
  std::string service;
  std::string dir;
  Seen seen = Seen::kAtResume;
  std::optional<core::Timestamp> from;
  std::optional<core::Timestamp> to;
  std::uint64_t files_skipped = 0;
  std::optional<std::uint64_t> bytes;  // unread bytes, when known
};

struct FollowerCallbacks {
  // A complete line, decoded (decode/line_decoder.h: stamp, the date of an unstamped line, the
  // parsed Event; `raw` is the line without its '\n', a CR kept), valid during the call, and the
  // Position just after it.
  std::function<void(const decode::DecodedLine& line, const state::Position& after)> on_line;
  // After each read burst, with the Position reached (also when a burst only changed files).
  std::function<void(const state::Position&)> on_batch_end;
  std::function<void(const Gap&)> on_gap;
  // Something the admin should know, e.g. "unable to watch /var/log/qmail/smtpd: No such file or
  // directory; waiting for it". No "warning: " prefix; attacker text never appears in it.
  std::function<void(std::string_view warning)> on_warning;
};

struct FollowerOptions {
  // Tick of the safety check (a stat of `current`; a listing when no file is held), and of
  // retrying a directory that could not be watched.
  std::chrono::milliseconds safety_interval{5000};
  std::size_t read_buffer = 128 * 1024;  // bytes per read()
  std::size_t burst_bytes = 1 << 20;     // bytes per turn before yielding to the io_context
  std::size_t max_line = 64 * 1024;      // longer lines are cut to this and counted
  std::size_t max_open_files = 32;       // files held open ahead of the one being read
  core::LocalZone zone;                  // reads `d` stamps (empty: UTC)
  // Tests only: called after each listing of the directory, before the follower acts on it, to
  // make multilog's rotation fall exactly between the two.
  std::function<void()> on_listed_for_test;
};

// Where to begin.
struct StartFrom {
  std::optional<state::Position> position;    // resume just after it
  std::optional<core::Timestamp> warm_since;  // without a position: from the first archive that
                                              // may hold lines at or after this; else the end
};

struct FollowerStats {
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;
  std::uint64_t files_finished = 0;  // files drained and closed (rotations followed)
  std::uint64_t truncations = 0;
  std::uint64_t long_lines = 0;          // cut to max_line
  std::uint64_t unterminated_lines = 0;  // last lines of finished files without '\n'
  std::uint64_t overflows = 0;           // inotify queue overflows reconciled
  std::uint64_t scans = 0;               // directory listings
  std::uint64_t gaps = 0;
  std::uint64_t files_pruned_unread = 0;  // by kPrunedUnread gaps
};

class Follower {
 public:
  Follower(net::io_context& io, Source source, FollowerCallbacks callbacks,
           FollowerOptions options = {});
  ~Follower();  // stops; no callback runs afterwards
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Begins following; call once. Lines are read from inside the io_context's handlers, never
  // from Start (a warning about the directory may come from it).
  void Start(StartFrom from);
  // Stops watching and closes every file; the last Position stays readable. Idempotent.
  void Stop();

  const Source& source() const;
  // The Position reached so far (after the last consumed line, or the start of the file taken).
  const state::Position& position() const;
  const FollowerStats& stats() const;
  // Why it is waiting instead of reading (its directory missing or unreadable, a listing or an
  // open failing: the warning it logged), or "" while it follows.
  std::string waiting_reason() const;

  // Test hook: throws away the queued inotify events and reacts as to IN_Q_OVERFLOW.
  void InjectOverflowForTest();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_FOLLOW_FOLLOWER_H_
