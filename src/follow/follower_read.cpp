// Follower::Impl: reading the queued files and delivering their lines.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "follower_impl.h"

namespace relaywatch::follow {

void Follower::Impl::Pump() {
  if (stopped_) return;
  in_pump_ = true;
  // With nothing held, any wake-up may mean a new file: list the directory.
  if (need_scan_ || queue_.empty()) Rescan();
  std::size_t budget = options_.burst_bytes;
  bool more = false;
  while (!queue_.empty() && !stopped_) {
    HeldFile& f = queue_.front();
    // A growing file is checked before reading on: bytes past a truncation are not lines.
    if (f.may_grow && queue_.size() == 1) CheckTruncated(f);
    ReadResult r = ReadFront(budget);
    if (stopped_) break;
    if (r == ReadResult::kBudgetSpent) {
      more = true;  // let other handlers run; continue in a posted turn
      break;
    }
    if (r == ReadResult::kFailed || queue_.size() > 1 || !f.may_grow) {
      FinishFront();
      // Take what follows now, before multilog can prune it.
      if (need_scan_ && !stopped_) Rescan();
      continue;
    }
    // At the end of the newest file, taken as `current`.
    if (StillCurrent(f)) break;
    // Renamed away (rotation), replaced or deleted. multilog closes a file before renaming it,
    // so it will not grow again: read what is left, then finish it. List the directory first,
    // to take its successor before multilog can prune that.
    f.may_grow = false;
    Rescan();
  }
  in_pump_ = false;
  if (stopped_) {
    queue_.clear();  // Stop() was called from a callback: the files go now
    return;
  }
  EndBatch();
  if (more) SchedulePump();
}

Follower::Impl::ReadResult Follower::Impl::ReadFront(std::size_t& budget) {
  HeldFile& f = queue_.front();
  for (;;) {
    if (budget == 0) return ReadResult::kBudgetSpent;
    std::size_t want = std::min(buffer_.size(), budget);
    ssize_t n = ::pread(f.fd.get(), buffer_.data(), want, static_cast<off_t>(f.read_pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      Warn("unable to read " + PathOf(f.name) + ": " + std::strerror(errno) +
           "; giving up on the rest of that file");
      return ReadResult::kFailed;
    }
    if (n == 0) return ReadResult::kEof;
    std::string_view chunk(buffer_.data(), static_cast<std::size_t>(n));
    if (f.head.size() < state::kFingerprintBytes && f.read_pos <= f.head.size()) {
      std::size_t from = static_cast<std::size_t>(f.head.size() - f.read_pos);
      if (from < chunk.size()) {
        f.head.append(chunk.substr(from, state::kFingerprintBytes - f.head.size()));
        f.fingerprint = state::Fingerprint(f.head);
      }
    }
    std::uint64_t base = f.read_pos;
    f.read_pos += static_cast<std::uint64_t>(n);
    stats_.bytes += static_cast<std::uint64_t>(n);
    budget -= static_cast<std::size_t>(n);
    Feed(f, chunk, base);
    if (stopped_) return ReadResult::kFailed;
    // A short read is the end for now; whatever comes later brings an inotify event.
    if (static_cast<std::size_t>(n) < want) return ReadResult::kEof;
  }
}

void Follower::Impl::Feed(HeldFile& f, std::string_view chunk, std::uint64_t base) {
  const char* begin = chunk.data();
  const char* end = begin + chunk.size();
  splitter_.Feed(chunk, [&](std::string_view line) {
    // Find the '\n' that ended this line, to know the offset just after it. A line the
    // splitter cut early (too long, '\n' not here yet) has none: it is not consumed until its
    // '\n' arrives, so a restart re-reads it rather than the middle of it.
    const char* nl = nullptr;
    if (line.data() >= begin && line.data() < end) {
      const char* e = line.data() + line.size();
      nl = (e < end && *e == '\n')
               ? e
               : static_cast<const char*>(std::memchr(e, '\n', static_cast<std::size_t>(end - e)));
    } else {
      // The held start of a line, completed (or cut) by this chunk: its '\n' is the first one.
      nl = static_cast<const char*>(std::memchr(begin, '\n', chunk.size()));
    }
    if (nl != nullptr) consumed_ = base + static_cast<std::uint64_t>(nl - begin) + 1;
    // The splitter counts a line it cuts just before handing it over.
    const bool cut = splitter_.long_lines() != cut_seen_;
    cut_seen_ = splitter_.long_lines();
    Deliver(f, line, cut, consumed_);
  });
  if (stopped_) return;  // Stop() from a callback: the position stays after the last line
  if (!splitter_.skipping_long_line()) {
    consumed_ = base + chunk.size() - splitter_.pending();
    SetPositionTo(f, consumed_);
  }
}

void Follower::Impl::Deliver(const HeldFile& f, std::string_view line, bool cut,
                             std::uint64_t offset) {
  if (stopped_) return;
  decoder_.Decode(line, cut, decoded_);
  position_.last_stamp = decoder_.last_stamp();
  SetPositionTo(f, offset);
  ++stats_.lines;
  if (callbacks_.on_line) callbacks_.on_line(decoded_, position_);
}

void Follower::Impl::SetPositionTo(const HeldFile& f, std::uint64_t offset) {
  position_.device = f.key.device;
  position_.inode = f.key.inode;
  position_.fingerprint = f.fingerprint;
  position_.fingerprint_len = static_cast<std::uint32_t>(f.head.size());
  position_.offset = offset;
}

bool Follower::Impl::StillCurrent(const HeldFile& f) {
  struct stat st;
  if (::stat(PathOf("current").c_str(), &st) != 0) {
    // Gone: rotation under way, or deleted. Anything else (the directory became unreadable)
    // says nothing about the file we hold: keep reading it.
    return !(errno == ENOENT || errno == ENOTDIR);
  }
  return static_cast<std::uint64_t>(st.st_dev) == f.key.device &&
         static_cast<std::uint64_t>(st.st_ino) == f.key.inode;
}

bool Follower::Impl::CheckTruncated(HeldFile& f) {
  struct stat st;
  if (::fstat(f.fd.get(), &st) != 0) return false;
  std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  bool truncated = size < f.read_pos;
  if (!truncated && !f.head.empty()) {
    // Truncated and written again past our offset: only its first bytes can tell.
    char head[state::kFingerprintBytes];
    ssize_t n = ::pread(f.fd.get(), head, f.head.size(), 0);
    truncated = n >= 0 && std::string_view(head, static_cast<std::size_t>(n)) != f.head;
  }
  if (!truncated) return false;
  ++stats_.truncations;
  Warn(PathOf(f.name) + " was truncated (from " + std::to_string(f.read_pos) + " to " +
       std::to_string(size) + " bytes); reading it again from the start");
  // What was held of a partial line belonged to the old content.
  splitter_long_lines_ += splitter_.long_lines();
  splitter_ = stamp::LineSplitter(options_.max_line);
  cut_seen_ = 0;
  f.read_pos = 0;
  f.head.clear();
  f.fingerprint = state::Fingerprint("");
  consumed_ = 0;
  SetPositionTo(f, 0);
  return true;
}

void Follower::Impl::FinishFront() {
  HeldFile& f = queue_.front();
  // A last line without '\n' in a file that will not grow is complete as it will ever be.
  splitter_.Flush([&](std::string_view line) {
    ++stats_.unterminated_lines;
    Deliver(f, line, /*cut=*/false, f.read_pos);
  });
  consumed_ = f.read_pos;
  SetPositionTo(f, consumed_);
  stats_.long_lines = splitter_long_lines_ + splitter_.long_lines();
  NoteFinished(cursor_, FileIdentity{f.key, f.head});
  ++stats_.files_finished;
  queue_.pop_front();
  if (!queue_.empty()) {
    consumed_ = queue_.front().read_pos;
    SetPositionTo(queue_.front(), consumed_);
  }
  // Nothing held: list again for what follows. (When Take stopped at max_open_files it asked
  // for a listing itself; otherwise the files after this one are already held, and listing the
  // directory after every archive would cost O(archives) per archive on a long catch-up.)
  if (queue_.empty()) need_scan_ = true;
}

void Follower::Impl::EndBatch() {
  stats_.long_lines = splitter_long_lines_ + splitter_.long_lines();
  FlushGap(/*force=*/false);
  // No file yet, and files put behind (a tail start with no `current`): there is no position to
  // resume from; a position with no file would mean that every file listed later is new.
  if (position_.device == 0 && position_.inode == 0 &&
      (cursor_.archived_through || !cursor_.behind.empty())) {
    return;
  }
  if (reported_ && *reported_ == position_) return;
  reported_ = position_;
  if (callbacks_.on_batch_end) callbacks_.on_batch_end(position_);
}

}  // namespace relaywatch::follow

namespace relaywatch::follow {

void Follower::Impl::HoldGap(const PrunedUnread& pruned) {
  if (!held_gap_) {
    held_gap_.emplace();
    held_gap_->service = source_.service;
    held_gap_->dir = source_.dir;
    held_gap_->seen = pruned.count_known ? Gap::Seen::kPrunedUnread : Gap::Seen::kMaybePruned;
    held_gap_->from = pruned.after;
  } else if (!pruned.count_known) {
    held_gap_->seen = Gap::Seen::kMaybePruned;
  }
  Gap& g = *held_gap_;
  g.files_skipped += pruned.files;
  if (!g.from || (pruned.after && *pruned.after < *g.from)) g.from = pruned.after;
  if (pruned.through && (!g.to || *g.to < *pruned.through)) g.to = pruned.through;
}

void Follower::Impl::FlushGap(bool force) {
  if (!held_gap_ || stopped_) return;
  constexpr auto kGapEvery = std::chrono::seconds(1);
  const auto now = std::chrono::steady_clock::now();
  if (!force && last_gap_at_ && now - *last_gap_at_ < kGapEvery) {
    // Reported when its second is up, even if nothing wakes the follower meanwhile.
    if (!gap_timer_armed_) {
      gap_timer_armed_ = true;
      gap_timer_.expires_at(*last_gap_at_ + kGapEvery);
      gap_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        self->gap_timer_armed_ = false;
        if (!ec) self->FlushGap(/*force=*/false);
      });
    }
    return;
  }
  last_gap_at_ = now;
  Gap gap = std::move(*held_gap_);
  held_gap_.reset();
  ++stats_.gaps;
  stats_.files_pruned_unread += gap.files_skipped;
  if (callbacks_.on_gap) callbacks_.on_gap(gap);
}

}  // namespace relaywatch::follow
