#include "relaywatch/follow/stored_logs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "relaywatch/core/text.h"
#include "relaywatch/decode/line_decoder.h"
#include "relaywatch/stamp/line_splitter.h"
#include "relaywatch/stamp/log_files.h"

namespace relaywatch::follow {
namespace {

constexpr std::size_t kChunk = 1 << 20;
constexpr std::string_view kQlogTag = "qlogenvelope:";
// The look-back over archives older than the range stops after this many bytes: a log that
// never had qlog lines is not read through its whole history for every report.
constexpr std::uint64_t kLookBackBytes = 64ull << 20;
// How far before the first qlogenvelope line its chkuser line is looked for.
constexpr std::size_t kPairReach = 64 * 1024;

std::string_view BaseName(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool IsArchive(const std::string& path) {
  auto name = stamp::ParseLogFileName(BaseName(path));
  return name && (name->kind == stamp::LogFileKind::kArchiveDone ||
                  name->kind == stamp::LogFileKind::kArchiveUnfinished);
}

// The file's bytes (at most `cap`); empty when it cannot be read (the reading pass says so).
std::string Slurp(const std::string& path, std::uint64_t cap) {
  std::string out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return out;
  char buf[1 << 16];
  while (out.size() < cap) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// Whether `text` holds `needle`: memchr (vectorised) for the needle's first byte, rare in log
// text for "qlogenvelope:", then a compare; several times faster here than glibc's memmem.
bool Contains(std::string_view text, std::string_view needle) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (static_cast<std::size_t>(end - p) >= needle.size()) {
    p = static_cast<const char*>(std::memchr(p, needle[0], static_cast<std::size_t>(end - p)));
    if (p == nullptr || static_cast<std::size_t>(end - p) < needle.size()) return false;
    if (std::memcmp(p, needle.data(), needle.size()) == 0) return true;
    ++p;
  }
  return false;
}

// Whether the file holds `needle`, searched in 1 MiB reads; `looked` counts the bytes read.
bool FileContains(const std::string& path, std::string_view needle, std::uint64_t cap,
                  std::uint64_t& looked) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return false;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  std::size_t kept = 0;  // the end of the last read, in case the needle spans two reads
  bool found = false;
  while (!found && looked < cap) {
    const ssize_t n = ::read(fd, buf.get() + kept, kChunk - kept);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    looked += static_cast<std::uint64_t>(n);
    const std::size_t have = kept + static_cast<std::size_t>(n);
    found = Contains(std::string_view(buf.get(), have), needle);
    kept = std::min(have, needle.size() - 1);
    std::memmove(buf.get(), buf.get() + have - kept, kept);
  }
  ::close(fd);
  return found;
}

// The line of `text` that holds byte `at`.
std::string_view LineAt(std::string_view text, std::size_t at, std::size_t* start) {
  std::size_t b = text.rfind('\n', at == 0 ? 0 : at - 1);
  b = (b == std::string_view::npos || at == 0) ? 0 : b + 1;
  std::size_t e = text.find('\n', at);
  if (e == std::string_view::npos) e = text.size();
  *start = b;
  return text.substr(b, e - b);
}

// Where in `text` (one file) the first qlogenvelope line is, as the byte offset of the line that
// makes the log a qlog log: the chkuser line of the same recipient shortly before it, or itself.
std::optional<std::size_t> FirstQlogMark(std::string_view text, const core::LocalZone& zone) {
  std::size_t from = 0;
  while (true) {
    const std::size_t hit = text.find(kQlogTag, from);
    if (hit == std::string_view::npos) return std::nullopt;
    from = hit + kQlogTag.size();
    std::size_t start = 0;
    const std::string_view raw = LineAt(text, hit, &start);
    decode::LineDecoder decoder(zone);
    const stamp::Line line = decoder.Stamp(raw);
    const parse::Event event = decode::LineDecoder::Parse(raw, line);
    const auto* q = std::get_if<parse::QlogEvent>(&event);
    // The tag inside some other line's text (a sender can be anything) is not a qlog line.
    if (q == nullptr || q->kind != parse::QlogKind::kEnvelope) continue;
    // Its chkuser line: the nearest one before it with the same recipient.
    std::size_t end = start;
    while (end > 0 && start - end < kPairReach) {
      std::size_t prev_start = 0;
      const std::string_view prev = LineAt(text, end - 1, &prev_start);
      const stamp::Line pl = decoder.Stamp(prev);
      const parse::Event pe = decode::LineDecoder::Parse(prev, pl);
      if (const auto* c = std::get_if<parse::ChkuserEvent>(&pe); c && c->rcpt == q->rcptto) {
        return prev_start;
      }
      end = prev_start;
    }
    return start;
  }
}

}  // namespace

// One input's files, pulled a line at a time. The queued views point into `chunk_` or into
// `carried_`, both stable until the next Refill, which happens only when the queue is empty.
class StoredLogReader::Cursor {
 public:
  Cursor(std::size_t input, StoredLogInput in, core::LocalZone zone,
         std::optional<core::Timestamp> skip_before, std::optional<core::Timestamp> stop_at,
         StoredLogTotals& totals)
      : input_(input),
        zone_(zone),
        decoder_(std::move(zone)),
        stop_at_(stop_at),
        totals_(totals),
        chunk_(new char[kChunk + kPairReach]) {
    std::vector<std::string> older;
    for (std::string& path : in.files) {
      // An archive's label is the time multilog closed it: every line in it is older.
      if (skip_before && IsArchive(path) &&
          stamp::ParseLogFileName(BaseName(path))->time < *skip_before) {
        older.push_back(std::move(path));
      } else {
        files_.push_back(std::move(path));
      }
    }
    LookBack(older);
  }
  ~Cursor() { CloseFile(); }

  // Makes the next line current; false at the end (or at stop_at).
  bool Advance() {
    while (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      if (done_ || !Refill()) return false;
    }
    const Queued& q = queue_[head_++];
    current_.raw = q.raw;
    current_.cut = q.cut;
    current_.qlog_from_here = q.qlog_mark;
    current_.line = decoder_.Stamp(q.raw);
    if (stop_at_ && current_.line.stamped && current_.line.time >= *stop_at_) {
      done_ = true;
      queue_.clear();
      head_ = 0;
      return false;
    }
    return true;
  }

  const StoredLine& current() const { return current_; }
  core::Timestamp time() const { return current_.line.time; }

 private:
  struct Queued {
    std::string_view raw;
    bool cut = false;
    bool qlog_mark = false;
  };

  // The look-back: the files before the range, newest first (at most kLookBackBytes of them). A
  // qlog line there means the log was a qlog log before the range began: marked at the first line
  // handed on.
  void LookBack(const std::vector<std::string>& older) {
    constexpr std::uint64_t kWhole = std::uint64_t{1} << 30;
    std::uint64_t looked = 0;
    for (auto it = older.rbegin(); it != older.rend() && looked < kLookBackBytes; ++it) {
      if (!FileContains(*it, kQlogTag, kLookBackBytes, looked)) continue;
      if (FirstQlogMark(Slurp(*it, kWhole), zone_)) {
        // The first line handed on, whichever file it is in: the first file in the range may
        // hold none (empty, or not to be opened).
        Mark(kFirstLine, 0);
        return;
      }
    }
  }

  // The look-ahead in the range, as each chunk is read and before its lines are queued: the chunk
  // (`n` bytes at chunk_, read from file offset `at`) and the next kPairReach bytes of the file,
  // read with pread(2) behind it, are searched while the core's cache still has them. A qlog
  // line's chkuser line is at most kPairReach before it, so it is in this chunk or, when the
  // qlog line is in the next chunk's first kPairReach bytes, seen now through the peek. Lines are
  // marked by their number in the file: those queued before this chunk, plus the newlines before
  // the mark (the first of which ends a line the last chunk began, if any).
  void LookAhead(std::size_t file, std::size_t n, off_t at) {
    if (Marked()) return;
    ssize_t peek = 0;
    do {
      peek = ::pread(fd_, chunk_.get() + n, kPairReach, at + static_cast<off_t>(n));
    } while (peek < 0 && errno == EINTR);
    const std::string_view text(chunk_.get(),
                                n + static_cast<std::size_t>(std::max<ssize_t>(peek, 0)));
    if (!Contains(text, kQlogTag)) return;
    if (std::optional<std::size_t> mark = FirstQlogMark(text, zone_)) {
      auto newlines = static_cast<std::uint64_t>(
          std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*mark), '\n'));
      // While the rest of a cut line is skipped, the chunk's first newline ends that line, which
      // was handed on (and counted) when it was cut.
      if (splitter_.skipping_long_line() && newlines > 0) --newlines;
      Mark(file, line_in_file_ + newlines);
    }
  }

  void Mark(std::size_t file, std::uint64_t line) {
    mark_file_ = file;
    mark_line_ = line;
  }
  bool Marked() const { return mark_file_ != kNoMark; }

  bool OpenNext() {
    while (next_file_ < files_.size()) {
      const std::string& path = files_[next_file_++];
      line_in_file_ = 0;
      file_at_ = 0;
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
    const std::size_t file = next_file_ - 1;
    auto push = [this, file](std::string_view l) {
      Queued q;
      const char* begin = chunk_.get();
      q.raw = (l.data() >= begin && l.data() + l.size() <= begin + kChunk)
                  ? l
                  : std::string_view(carried_.emplace_back(l));
      // The splitter counts a line it cuts just before handing it over.
      q.cut = splitter_.long_lines() != cut_seen_;
      cut_seen_ = splitter_.long_lines();
      q.qlog_mark = mark_file_ == kFirstLine || (file == mark_file_ && line_in_file_ == mark_line_);
      if (q.qlog_mark) mark_file_ = kHandedOn;
      ++line_in_file_;
      queue_.push_back(q);
    };
    ssize_t n = ::read(fd_, chunk_.get(), kChunk);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
      if (n < 0) {
        totals_.warnings.push_back("unable to read " + core::EscapeForLog(files_[file]) + ": " +
                                   std::strerror(errno) + "; rest of file skipped");
      }
      splitter_.Flush(push);  // a last line without newline still counts
      CloseFile();
      return true;
    }
    totals_.bytes += static_cast<std::uint64_t>(n);
    LookAhead(file, static_cast<std::size_t>(n), file_at_);
    file_at_ += static_cast<off_t>(n);
    splitter_.Feed(std::string_view(chunk_.get(), static_cast<std::size_t>(n)), push);
    return true;
  }

  std::size_t input_;
  core::LocalZone zone_;
  std::vector<std::string> files_;
  std::size_t next_file_ = 0;
  std::uint64_t line_in_file_ = 0;  // lines of the open file queued so far
  static constexpr std::size_t kNoMark = static_cast<std::size_t>(-1);
  static constexpr std::size_t kFirstLine = kNoMark - 1;  // the first line handed on
  static constexpr std::size_t kHandedOn = kNoMark - 2;   // the marked line was handed on
  std::size_t mark_file_ = kNoMark;  // the look-ahead's mark, if any: its file and line
  std::uint64_t mark_line_ = 0;
  int fd_ = -1;
  off_t file_at_ = 0;  // the open file's bytes read so far (where the peek starts)
  decode::LineDecoder decoder_;
  std::optional<core::Timestamp> stop_at_;
  StoredLogTotals& totals_;
  std::unique_ptr<char[]> chunk_;
  stamp::LineSplitter splitter_;
  std::uint64_t cut_seen_ = 0;
  std::vector<Queued> queue_;  // the lines of the last chunk; queue_[head_] is next
  std::size_t head_ = 0;
  std::deque<std::string> carried_;  // copies of joined lines; a deque keeps them in place
  StoredLine current_;
  bool done_ = false;

 public:
  std::size_t input() const { return input_; }
};

StoredLogReader::StoredLogReader(std::vector<StoredLogInput> inputs, core::LocalZone zone,
                                 std::optional<core::Timestamp> skip_before,
                                 std::optional<core::Timestamp> stop_at) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    cursors_.push_back(
        std::make_unique<Cursor>(i, std::move(inputs[i]), zone, skip_before, stop_at, totals_));
  }
}

StoredLogReader::~StoredLogReader() = default;

void StoredLogReader::ForEach(const Sink& sink) {
  auto emit = [&](Cursor& c) {
    StoredLine l = c.current();
    l.input = c.input();
    sink(l);
  };
  if (cursors_.size() == 1) {  // the common case: no merge
    while (cursors_[0]->Advance()) emit(*cursors_[0]);
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
    emit(*cursors_[pick]);
    live[pick] = cursors_[pick]->Advance();
  }
}

}  // namespace relaywatch::follow
