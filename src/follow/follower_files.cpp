// Follower::Impl: listing the directory, taking files in order, and where reading starts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <numeric>

#include "follower_impl.h"
#include "relaywatch/follow/log_dir.h"

namespace relaywatch::follow {
namespace {

// Take's first_offset meaning "at the start of the last line of the file" (tail).
constexpr std::uint64_t kAtLastLine = std::numeric_limits<std::uint64_t>::max();

std::vector<std::size_t> From(std::size_t first, std::size_t end) {
  std::vector<std::size_t> v(first < end ? end - first : 0);
  std::iota(v.begin(), v.end(), first);
  return v;
}

}  // namespace

std::string Follower::Impl::PathOf(std::string_view name) const {
  return source_.dir + "/" + std::string(name);
}

void Follower::Impl::Rescan() {
  need_scan_ = false;
  ++stats_.scans;
  auto files = ScanLogDir(source_.dir, &archive_cache_);
  if (!files.ok()) {
    if (inotify_ && ::access(source_.dir.c_str(), R_OK | X_OK) != 0) {
      // Gone or unreadable, perhaps before inotify said so: watch it, or its parent, afresh.
      // Watch() says so once.
      DropWatch(dir_wd_);
      Watch();
    } else {
      Problem(files.error().message + "; retrying");
      need_scan_ = true;  // at the next wake-up (an event, or the tick)
    }
    return;
  }
  ClearProblem();
  // The names of everything done before the listing are queued now: an archive created and
  // pruned before it is known by its label, which is what tells a file pruned unread.
  if (!inotify_ || dir_wd_ < 0) NoteLabelsIncomplete(cursor_);
  const bool lost_events = DrainEvents();
  if (options_.on_listed_for_test) options_.on_listed_for_test();
  if (start_) {
    // Kept until applied: a start lost to a stale listing would leave the cursor nowhere, and
    // the next listing would take every file from the oldest (lines read twice).
    if (ApplyStart(*files, *start_)) start_.reset();
    return;
  }
  if (auto pruned = NoteListing(cursor_, *files)) HoldGap(*pruned);
  // Some of the events lost may be of names made after the listing: the next one is unsure too.
  if (lost_events) NoteLabelsIncomplete(cursor_);
  std::vector<FileKey> open;
  for (const HeldFile& h : queue_) open.push_back(h.key);
  Take(*files, FilesAfter(*files, open, cursor_));
  FlushGap(/*force=*/false);
}

bool Follower::Impl::ApplyStart(const std::vector<LogFileInfo>& files, const StartFrom& from) {
  // Whether Take queued the first file it was given (it does not when the file was renamed or
  // replaced since the listing; then it lists again).
  auto took = [&](const std::vector<std::size_t>& indices, std::uint64_t first_offset) {
    const std::size_t before = queue_.size();
    Take(files, indices, first_offset);
    return queue_.size() > before;
  };
  if (from.position) {
    const state::Position& pos = *from.position;
    ResumePlan plan = PlanResume(files, pos);
    if (!plan.gap) {
      if (!plan.index) return true;  // nothing read and nothing listed: every file to come is new
      const LogFileInfo& file = files[*plan.index];
      const bool shorter = plan.offset > file.size;
      if (!took(From(*plan.index, files.size()), shorter ? 0 : plan.offset)) return false;
      if (shorter) {
        ++stats_.truncations;
        Warn(PathOf(file.name) + " is shorter (" + std::to_string(file.size) +
             " bytes) than the saved position (" + std::to_string(plan.offset) +
             "); reading it from the start");
      }
      return true;
    }
    Gap gap;
    gap.service = source_.service;
    gap.dir = source_.dir;
    gap.from = pos.last_stamp;
    if (plan.index) {
      gap.to = FirstStamp(files[*plan.index]);
      if (!took(From(*plan.index, files.size()), 0)) return false;
    }
    gap.files_skipped = 1;
    ++stats_.gaps;
    if (callbacks_.on_gap) callbacks_.on_gap(gap);
    return true;
  }
  if (from.warm_since) {
    if (auto first = PlanWarmStart(files, *from.warm_since)) {
      return took(From(*first, files.size()), 0);
    }
    return true;
  }
  // Tail: only what `current` gets from now on.
  if (!files.empty() && files.back().kind.kind == stamp::LogFileKind::kCurrent) {
    return took({files.size() - 1}, kAtLastLine);
  }
  NoteAllBehind(cursor_, files);
  return true;
}

void Follower::Impl::Take(const std::vector<LogFileInfo>& files,
                          const std::vector<std::size_t>& indices, std::uint64_t first_offset) {
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (queue_.size() >= std::max<std::size_t>(options_.max_open_files, 1)) {
      need_scan_ = true;  // the rest once the front is finished
      return;
    }
    const LogFileInfo& info = files[indices[k]];
    // Between multilog's link() and unlink() one file is listed as @….s and as `previous`.
    if (std::any_of(queue_.begin(), queue_.end(),
                    [&](const HeldFile& h) { return h.key == info.id.key; })) {
      continue;
    }
    const std::string path = PathOf(info.name);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st;
    if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
      if (errno == ENOENT) {
        // Renamed since the listing (previous became an archive): list again, in order.
        need_scan_ = true;
        SchedulePump();
      } else {
        Problem("unable to open " + path + ": " + std::strerror(errno) + "; retrying in " +
                core::FormatDuration(options_.safety_interval));
        need_scan_ = true;
      }
      return;
    }
    HeldFile h;
    h.key = FileKey{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    if (!(h.key == info.id.key)) {  // replaced since the listing
      archive_cache_.clear();       // (an archive name re-used: trust nothing remembered)
      need_scan_ = true;
      SchedulePump();
      return;
    }
    char head[state::kFingerprintBytes];
    ssize_t n = ::pread(fd.get(), head, sizeof head, 0);
    h.head.assign(head, n > 0 ? static_cast<std::size_t>(n) : 0);
    h.fingerprint = state::Fingerprint(h.head);
    h.fd = std::move(fd);
    h.name = info.name;
    h.may_grow = info.kind.kind == stamp::LogFileKind::kCurrent;
    std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    if (k == 0) h.read_pos = first_offset == kAtLastLine ? LastLineStart(h, size) : first_offset;
    NoteTaken(cursor_, files, indices[k]);
    queue_.push_back(std::move(h));
    if (queue_.size() == 1) {
      consumed_ = queue_.front().read_pos;
      SetPositionTo(queue_.front(), consumed_);
    }
  }
}

std::uint64_t Follower::Impl::LastLineStart(const HeldFile& f, std::uint64_t size) {
  std::uint64_t len = std::min<std::uint64_t>(size, options_.max_line + 1);
  std::string tail(static_cast<std::size_t>(len), '\0');
  ssize_t n = ::pread(f.fd.get(), tail.data(), tail.size(), static_cast<off_t>(size - len));
  if (n != static_cast<ssize_t>(len)) return size;
  std::size_t nl = tail.rfind('\n');
  if (nl != std::string::npos) return size - len + nl + 1;
  return len == size ? 0 : size;
}

std::optional<core::Timestamp> Follower::Impl::FirstStamp(const LogFileInfo& file) {
  std::string_view head = file.id.head;
  head = head.substr(0, head.find('\n'));
  stamp::Line line = first_stamper_.Stamp(head);
  if (!line.stamped) return std::nullopt;
  return line.time;
}

}  // namespace relaywatch::follow
