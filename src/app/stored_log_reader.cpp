#include "relaywatch/app/stored_log_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include "relaywatch/core/text.h"
#include "relaywatch/stamp/line_splitter.h"
#include "relaywatch/stamp/log_files.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::app {
namespace {

constexpr std::size_t kChunk = 1 << 20;

std::string_view BaseName(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

// One input's files, pulled a line at a time. The queued views point into `chunk_` or into
// `carried_`, both stable until the next Refill, which happens only when the queue is empty.
class StoredLogReader::Cursor {
 public:
  Cursor(StoredLogInput input, core::LocalZone zone, std::optional<core::Timestamp> skip_before,
         std::optional<core::Timestamp> stop_at, StoredLogTotals& totals)
      : files_(std::move(input.files)),
        stamper_(std::move(zone)),
        stop_at_(stop_at),
        totals_(totals),
        chunk_(new char[kChunk]) {
    if (skip_before) {
      // An archive's label is the time multilog closed it: every line in it is older.
      std::erase_if(files_, [&](const std::string& path) {
        auto name = stamp::ParseLogFileName(BaseName(path));
        return name && (name->kind == stamp::LogFileKind::kArchiveDone ||
                        name->kind == stamp::LogFileKind::kArchiveUnfinished) &&
               name->time < *skip_before;
      });
    }
  }
  ~Cursor() { CloseFile(); }

  // Makes the next line current; false at the end (or at stop_at).
  bool Advance() {
    while (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      if (done_ || !Refill()) return false;
    }
    line_ = queue_[head_++];
    stamped_ = stamper_.Stamp(line_);
    if (stamped_.stamped) {
      last_ = stamped_.time;
    } else {
      stamped_.time = last_;  // an unstamped line is taken to be as old as the one before it
    }
    if (stop_at_ && stamped_.stamped && stamped_.time >= *stop_at_) {
      done_ = true;
      queue_.clear();
      head_ = 0;
      return false;
    }
    return true;
  }

  std::string_view line() const { return line_; }
  const stamp::Line& stamped() const { return stamped_; }
  core::Timestamp time() const { return stamped_.time; }

 private:
  bool OpenNext() {
    while (next_file_ < files_.size()) {
      const std::string& path = files_[next_file_++];
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd_ >= 0) {
        ++totals_.files;
        return true;
      }
      // multilog may have pruned or renamed it since the listing: say so, go on.
      totals_.warnings.push_back("unable to open " + core::EscapeForLog(path) + ": " +
                                 std::strerror(errno) + "; skipped");
    }
    return false;
  }

  void CloseFile() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool Refill() {
    if (fd_ < 0 && !OpenNext()) {
      done_ = true;
      return false;
    }
    // The splitter's views point into chunk_, except a line it had to join across two reads
    // (and a flushed last line), which points into its own buffer and is valid only during the
    // call: those few are copied.
    carried_.clear();
    auto push = [this](std::string_view l) {
      const char* begin = chunk_.get();
      if (l.data() >= begin && l.data() + l.size() <= begin + kChunk) {
        queue_.push_back(l);
      } else {
        queue_.push_back(carried_.emplace_back(l));
      }
    };
    ssize_t n = ::read(fd_, chunk_.get(), kChunk);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
      if (n < 0) {
        totals_.warnings.push_back("unable to read " + core::EscapeForLog(files_[next_file_ - 1]) +
                                   ": " + std::strerror(errno) + "; rest of file skipped");
      }
      splitter_.Flush(push);  // a last line without newline still counts
      totals_.long_lines = totals_.long_lines - long_seen_ + splitter_.long_lines();
      long_seen_ = splitter_.long_lines();
      CloseFile();
      return true;
    }
    totals_.bytes += static_cast<std::uint64_t>(n);
    splitter_.Feed(std::string_view(chunk_.get(), static_cast<std::size_t>(n)), push);
    totals_.long_lines = totals_.long_lines - long_seen_ + splitter_.long_lines();
    long_seen_ = splitter_.long_lines();
    return true;
  }

  std::vector<std::string> files_;
  std::size_t next_file_ = 0;
  int fd_ = -1;
  stamp::Stamper stamper_;
  std::optional<core::Timestamp> stop_at_;
  StoredLogTotals& totals_;
  std::unique_ptr<char[]> chunk_;
  stamp::LineSplitter splitter_;
  std::uint64_t long_seen_ = 0;
  std::vector<std::string_view> queue_;  // the lines of the last chunk; queue_[head_] is next
  std::size_t head_ = 0;
  std::deque<std::string> carried_;  // copies of joined lines; a deque keeps them in place
  std::string_view line_;
  stamp::Line stamped_;
  core::Timestamp last_{};
  bool done_ = false;
};

StoredLogReader::StoredLogReader(std::vector<StoredLogInput> inputs, core::LocalZone zone,
                                 std::optional<core::Timestamp> skip_before,
                                 std::optional<core::Timestamp> stop_at) {
  for (StoredLogInput& in : inputs) {
    cursors_.push_back(std::make_unique<Cursor>(std::move(in), zone, skip_before, stop_at, totals_));
  }
}

StoredLogReader::~StoredLogReader() = default;

void StoredLogReader::ForEach(const Sink& sink) {
  if (cursors_.size() == 1) {  // the common case: no merge
    while (cursors_[0]->Advance()) sink(0, cursors_[0]->line(), cursors_[0]->stamped());
    return;
  }
  std::vector<bool> live(cursors_.size());
  for (std::size_t i = 0; i < cursors_.size(); ++i) live[i] = cursors_[i]->Advance();
  for (;;) {
    std::size_t pick = cursors_.size();
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      if (live[i] && (pick == cursors_.size() || cursors_[i]->time() < cursors_[pick]->time())) {
        pick = i;
      }
    }
    if (pick == cursors_.size()) return;
    sink(pick, cursors_[pick]->line(), cursors_[pick]->stamped());
    live[pick] = cursors_[pick]->Advance();
  }
}

}  // namespace relaywatch::app
