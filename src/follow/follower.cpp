// Follower: the public face, and the Impl's wake-ups: inotify, the safety timer, watches.
#include "relaywatch/follow/follower.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "follower_impl.h"
#include "relaywatch/stamp/log_files.h"

namespace relaywatch::follow {
namespace {

// On the directory: appends, and every way a name can come or go; the directory itself going.
constexpr std::uint32_t kDirMask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE |
                                   IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// On the nearest existing parent while the directory is missing or unreadable.
constexpr std::uint32_t kParentMask =
    IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::uint32_t kGone = IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT;
constexpr std::uint32_t kNameChange = IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE;

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Follower::Impl::Impl(net::io_context& io, Source source, FollowerCallbacks callbacks,
                     FollowerOptions options)
    : io_(io),
      source_(std::move(source)),
      callbacks_(std::move(callbacks)),
      options_(std::move(options)),
      timer_(io),
      splitter_(options_.max_line),
      decoder_(options_.zone),
      first_stamper_(options_.zone),
      buffer_(options_.read_buffer == 0 ? 1 : options_.read_buffer),
      gap_timer_(io) {}

void Follower::Impl::Start(StartFrom from) {
  if (started_) return;
  started_ = true;
  stopped_ = false;
  start_ = std::move(from);
  if (start_->position) {
    position_ = *start_->position;
    decoder_ = decode::LineDecoder(options_.zone, position_.last_stamp);
  }
  struct stat st;
  if (!start_->position && !start_->warm_since && ::stat(source_.dir.c_str(), &st) != 0 &&
      errno == ENOENT) {
    // Tail of a directory that is not there yet: whatever appears in it is new.
    start_.reset();
  }
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    NoteLabelsIncomplete(cursor_);
    Warn("unable to create an inotify instance for " + source_.dir + ": " + std::strerror(errno) +
         "; checking every " + core::FormatDuration(options_.safety_interval) + " instead");
  } else {
    inotify_.emplace(io_, fd);
    ArmInotify();
  }
  // Watch before the first listing, so nothing that happens after the listing goes unseen.
  Watch();
  ArmTimer();
  need_scan_ = true;
  SchedulePump();
}

void Follower::Impl::Stop() {
  if (stopped_) return;
  FlushGap(/*force=*/true);
  stopped_ = true;
  timer_.cancel();
  gap_timer_.cancel();
  if (inotify_) {
    boost::system::error_code ignored;
    inotify_->close(ignored);
    inotify_.reset();
  }
  dir_wd_ = parent_wd_ = -1;
  if (!in_pump_) queue_.clear();
}

void Follower::Impl::ArmInotify() {
  inotify_->async_wait(
      net::posix::stream_descriptor::wait_read,
      [self = shared_from_this()](const boost::system::error_code& ec) { self->OnInotify(ec); });
}

Follower::Impl::Events Follower::Impl::ReadEvents() {
  Events seen;
  if (!inotify_) return seen;
  alignas(inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(inotify_->native_handle(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: all read
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) seen.overflow = true;
      if (ev->wd == dir_wd_ && dir_wd_ >= 0) {
        if (ev->mask & kGone) seen.dir_gone = true;
        // Names of log files only: lock, state, processed and newstate come and go too.
        if ((ev->mask & kNameChange) && ev->len > 0) {
          if (auto name = stamp::ParseLogFileName(ev->name)) {
            need_scan_ = true;
            // Every file multilog finishes gets its archive name so: the label is noted even
            // when the archive is pruned before any listing shows it.
            const bool archive = name->kind == stamp::LogFileKind::kArchiveDone ||
                                 name->kind == stamp::LogFileKind::kArchiveUnfinished;
            if (archive && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
              NoteArchiveNamed(cursor_, name->time);
            }
          }
        }
      } else if (ev->wd == parent_wd_ && parent_wd_ >= 0) {
        seen.parent_event = true;
        if (ev->mask & IN_IGNORED) parent_wd_ = -1;
      }
    }
  }
  return seen;
}

void Follower::Impl::OnInotify(const boost::system::error_code& ec) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  if (ec) {
    Warn("unable to wait for inotify events on " + source_.dir + ": " + ec.message() +
         "; checking every " + core::FormatDuration(options_.safety_interval) + " instead");
    boost::system::error_code ignored;
    inotify_->close(ignored);
    inotify_.reset();
    dir_wd_ = parent_wd_ = -1;
    return;
  }
  Events seen = ReadEvents();
  if (seen.overflow) {
    ReactToOverflow();
  } else {
    if (seen.dir_gone) {
      DropWatch(dir_wd_);
      need_scan_ = true;
    }
    if (seen.dir_gone || seen.parent_event) Watch();
    Pump();
  }
  if (!stopped_) ArmInotify();
}

bool Follower::Impl::DrainEvents() {
  Events seen = ReadEvents();
  if (seen.overflow) {
    Resync();
    return true;
  }
  if (seen.dir_gone) {
    DropWatch(dir_wd_);
    need_scan_ = true;
    Watch();
  } else if (seen.parent_event) {
    Watch();
  }
  return false;
}

void Follower::Impl::InjectOverflow() {
  if (stopped_) return;
  if (inotify_) {
    char buf[64 * 1024];
    while (::read(inotify_->native_handle(), buf, sizeof buf) > 0) {
    }
  }
  ReactToOverflow();
}

void Follower::Impl::ReactToOverflow() {
  Resync();
  Pump();
}

void Follower::Impl::Resync() {
  ++stats_.overflows;
  Warn("inotify queue overflowed for " + source_.dir + "; rescanning it");
  // Events were lost, the directory may even have been replaced: watch it afresh and list it.
  // Archive names went unseen with them: the next listing can only tell whether the newest file
  // taken was pruned.
  NoteLabelsIncomplete(cursor_);
  DropWatch(dir_wd_);
  DropWatch(parent_wd_);
  Watch();
  need_scan_ = true;
}

void Follower::Impl::ArmTimer() {
  timer_.expires_after(options_.safety_interval);
  timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) { self->OnTimer(ec); });
}

void Follower::Impl::OnTimer(const boost::system::error_code& ec) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  // Cheap on purpose: Pump() stats `current` against the file held (a listing only when
  // nothing is held or something changed); a missing watch is retried.
  if (dir_wd_ < 0) Watch();
  Pump();
  ArmTimer();
}

void Follower::Impl::SchedulePump() {
  if (pump_posted_ || stopped_) return;
  pump_posted_ = true;
  net::post(io_, [self = shared_from_this()] {
    self->pump_posted_ = false;
    self->Pump();
  });
}

void Follower::Impl::DropWatch(int& wd) {
  if (wd >= 0 && inotify_) ::inotify_rm_watch(inotify_->native_handle(), wd);
  wd = -1;
}

void Follower::Impl::Watch() {
  if (!inotify_ || dir_wd_ >= 0) return;
  const int fd = inotify_->native_handle();
  int wd = ::inotify_add_watch(fd, source_.dir.c_str(), kDirMask);
  if (wd >= 0) {
    // Unwatched since a listing (the directory was gone or replaced): names went unseen.
    if (stats_.scans > 0) NoteLabelsIncomplete(cursor_);
    dir_wd_ = wd;
    DropWatch(parent_wd_);
    dir_reported_ = false;
    watch_problem_.clear();
    need_scan_ = true;
    return;
  }
  if (!dir_reported_) {
    dir_reported_ = true;
    watch_problem_ = "unable to watch " + source_.dir + ": " + std::strerror(errno);
    Warn(watch_problem_ + "; waiting for it");
  }
  // Watch the nearest parent that exists; any change there may bring the directory (back).
  std::filesystem::path p = std::filesystem::path(source_.dir).parent_path();
  for (;;) {
    int pwd = ::inotify_add_watch(fd, p.c_str(), kParentMask);
    if (pwd >= 0) {
      if (parent_wd_ >= 0 && parent_wd_ != pwd) DropWatch(parent_wd_);
      parent_wd_ = pwd;
      return;
    }
    if (!p.has_parent_path() || p.parent_path() == p) return;
    p = p.parent_path();
  }
}

void Follower::Impl::Warn(const std::string& message) {
  if (callbacks_.on_warning) callbacks_.on_warning(message);
}

void Follower::Impl::Problem(const std::string& message) {
  if (message == problem_) return;
  problem_ = message;
  Warn(message);
}

Follower::Follower(net::io_context& io, Source source, FollowerCallbacks callbacks,
                   FollowerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(source), std::move(callbacks),
                                   std::move(options))) {}

Follower::~Follower() { impl_->Stop(); }
void Follower::Start(StartFrom from) { impl_->Start(std::move(from)); }
void Follower::Stop() { impl_->Stop(); }
const Source& Follower::source() const { return impl_->source(); }
const state::Position& Follower::position() const { return impl_->position(); }
const FollowerStats& Follower::stats() const { return impl_->stats(); }
std::string Follower::waiting_reason() const { return impl_->WaitingReason(); }
void Follower::InjectOverflowForTest() { impl_->InjectOverflow(); }

}  // namespace relaywatch::follow
