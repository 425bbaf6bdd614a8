// Follower::Impl, shared by follower.cpp (Asio, inotify, watches), follower_read.cpp (reading
// and delivering lines) and follower_files.cpp (listing, taking files, starting).
//
// State, as the follower sees one directory:
//  - queue_: the files taken and held open, in reading order; the front is being read. Only the
//    back can still grow, and only if it was `current` when taken and still is.
//  - cursor_: what lies behind the queue, for when its newest file disappears (file_order.h).
//  - position_: just after the last consumed '\n' of the front file (or the last finished one).
// Every wake-up (inotify, safety tick, posted continuation) runs Pump(), which reconciles from
// the files themselves (fstat of the held fd, stat of `current`, a listing when names changed):
// inotify events are hints, never the truth.
#ifndef RELAYWATCH_SRC_FOLLOW_FOLLOWER_IMPL_H_
#define RELAYWATCH_SRC_FOLLOW_FOLLOWER_IMPL_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/decode/line_decoder.h"
#include "relaywatch/follow/file_order.h"
#include "relaywatch/follow/follower.h"
#include "relaywatch/follow/log_dir.h"
#include "relaywatch/stamp/line_splitter.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::follow {

// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  ~UniqueFd();
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// A log file taken for reading.
struct HeldFile {
  UniqueFd fd;
  FileKey key;
  std::string name;               // its name when taken, for messages
  bool may_grow = false;          // taken as `current` and not yet seen replaced
  std::uint64_t read_pos = 0;     // next byte to read
  std::string head;               // its first bytes, up to kFingerprintBytes
  std::uint64_t fingerprint = 0;  // Fingerprint(head)
};

class Follower::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& io, Source source, FollowerCallbacks callbacks, FollowerOptions options);

  void Start(StartFrom from);
  void Stop();
  void InjectOverflow();

  const Source& source() const { return source_; }
  const state::Position& position() const { return position_; }
  const FollowerStats& stats() const { return stats_; }
  std::string WaitingReason() const { return watch_problem_.empty() ? problem_ : watch_problem_; }

 private:
  // follower.cpp: wake-ups and watches.
  void ArmInotify();
  void OnInotify(const boost::system::error_code& ec);
  // Reads every queued inotify event: a log file name changing asks for a listing, an archive
  // name appearing is noted in cursor_'s labels; the rest is reported.
  struct Events {
    bool overflow = false;
    bool dir_gone = false;
    bool parent_event = false;
  };
  Events ReadEvents();
  // Rescan's drain: the events of everything that happened before the listing just taken.
  // True when events were lost.
  bool DrainEvents();
  // After lost events: watch afresh, note that labels were missed, list again. No Pump.
  void Resync();
  void ArmTimer();
  void OnTimer(const boost::system::error_code& ec);
  void SchedulePump();
  void Watch();
  void DropWatch(int& wd);
  void ReactToOverflow();
  void Warn(const std::string& message);
  // Says `message` once, until ClearProblem (the same trouble seen on every tick is news once).
  void Problem(const std::string& message);
  void ClearProblem() { problem_.clear(); }

  // follower_read.cpp: reading and delivering.
  void Pump();
  enum class ReadResult { kEof, kBudgetSpent, kFailed };
  ReadResult ReadFront(std::size_t& budget);
  void Feed(HeldFile& f, std::string_view chunk, std::uint64_t base);
  void Deliver(const HeldFile& f, std::string_view line, bool cut, std::uint64_t offset);
  bool StillCurrent(const HeldFile& f);
  bool CheckTruncated(HeldFile& f);
  void FinishFront();
  void SetPositionTo(const HeldFile& f, std::uint64_t offset);
  void EndBatch();
  // Files pruned unread, seen at a listing: reported at once, then at most once a second (what
  // is seen meanwhile is added up and reported with the next, or at Stop).
  void HoldGap(const PrunedUnread& pruned);
  void FlushGap(bool force);

  // follower_files.cpp: listing, taking files, the start.
  void Rescan();
  // False when the listing was stale: the first file to take was renamed or replaced since
  // (multilog rotating as the daemon starts). Nothing is taken nor reported then, and the start
  // is applied again to the next listing.
  bool ApplyStart(const std::vector<LogFileInfo>& files, const StartFrom& from);
  // Opens files[indices...] in order and queues them; the first starts at `first_offset`.
  void Take(const std::vector<LogFileInfo>& files, const std::vector<std::size_t>& indices,
            std::uint64_t first_offset = 0);
  std::optional<core::Timestamp> FirstStamp(const LogFileInfo& file);
  std::uint64_t LastLineStart(const HeldFile& f, std::uint64_t size);
  std::string PathOf(std::string_view name) const;

  net::io_context& io_;
  Source source_;
  FollowerCallbacks callbacks_;
  FollowerOptions options_;

  std::optional<net::posix::stream_descriptor> inotify_;
  int dir_wd_ = -1;
  int parent_wd_ = -1;
  bool dir_reported_ = false;  // the directory's absence was said; say nothing more until back
  net::steady_timer timer_;
  bool pump_posted_ = false;
  bool in_pump_ = false;  // Pump() is on the stack: Stop() must leave queue_ to it
  bool started_ = false;
  bool stopped_ = true;
  bool need_scan_ = true;
  // Not yet applied: the directory was not listed yet, or its listing was stale (ApplyStart).
  std::optional<StartFrom> start_;
  std::string problem_;
  std::string watch_problem_;  // why the directory cannot be watched, while it cannot

  std::deque<HeldFile> queue_;
  ReadCursor cursor_;
  ArchiveCache archive_cache_;  // archives already examined: a rescan opens only new files
  stamp::LineSplitter splitter_;
  std::uint64_t consumed_ = 0;             // in the front file: just after the last '\n' consumed
  std::uint64_t splitter_long_lines_ = 0;  // long lines of splitters already replaced
  std::uint64_t cut_seen_ = 0;             // splitter_.long_lines() at the last line delivered
  // The source's one decoder: stamps (also Position::last_stamp), dates unstamped lines, parses.
  decode::LineDecoder decoder_;
  decode::DecodedLine decoded_;   // reused per line
  stamp::Stamper first_stamper_;  // FirstStamp's, apart from the decoder's last stamp
  std::vector<char> buffer_;

  state::Position position_;
  std::optional<state::Position> reported_;  // last passed to on_batch_end
  FollowerStats stats_;
  std::optional<Gap> held_gap_;  // seen, not yet reported
  std::optional<std::chrono::steady_clock::time_point> last_gap_at_;
  net::steady_timer gap_timer_;  // reports held_gap_ when its second is up
  bool gap_timer_armed_ = false;
};

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_SRC_FOLLOW_FOLLOWER_IMPL_H_
