// LineSplitter: turns a byte stream fed in arbitrary chunks into lines, like qmail's getln.
//
// A line is delivered only when its '\n' arrives (Flush delivers a last line that has none), so
// a half-written line at the end of a growing file is held, not misread. Lines are bytes: NUL,
// CR and invalid UTF-8 pass through untouched (the Stamper strips one trailing CR). Memory is
// bounded by max_line: a longer line is cut to its first max_line bytes, delivered once as soon
// as it is known to be too long, and the rest of it up to its '\n' is skipped and counted in
// long_lines(). Lines that lie wholly inside one chunk are delivered as views into that chunk
// with no copy; only the start of a line cut by the chunk's end is copied and held.
//
// The string_view passed to the sink is valid only during the call. Not thread-safe; one
// splitter per byte stream.
#ifndef RELAYWATCH_STAMP_LINE_SPLITTER_H_
#define RELAYWATCH_STAMP_LINE_SPLITTER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace relaywatch::stamp {

class LineSplitter {
 public:
  // A `max_line` of 0 is taken as 1.
  explicit LineSplitter(std::size_t max_line = 64 * 1024)
      : max_line_(max_line == 0 ? 1 : max_line) {}

  // Feeds `bytes`; calls sink(std::string_view line) for each complete line, without its '\n'.
  template <class Sink>
  void Feed(std::string_view bytes, Sink&& sink);

  // At the end of the stream: delivers a held last line that had no '\n', and forgets a long
  // line being skipped. Afterwards the splitter is as new (long_lines() is kept).
  template <class Sink>
  void Flush(Sink&& sink);

  // Bytes held of an incomplete line (0 while skipping the rest of a long line).
  std::size_t pending() const { return tail_.size(); }
  // True while the rest of a line longer than max_line is being skipped up to its '\n': bytes
  // fed now belong to a line already delivered.
  bool skipping_long_line() const { return skipping_; }
  // Lines that were longer than max_line and were cut.
  std::uint64_t long_lines() const { return long_lines_; }

 private:
  static const char* FindNewline(const char* p, std::size_t n) {
    return static_cast<const char*>(std::memchr(p, '\n', n));
  }

  std::size_t max_line_;
  std::string tail_;  // the start of an incomplete line; never more than max_line_ bytes
  bool skipping_ = false;
  std::uint64_t long_lines_ = 0;
};

template <class Sink>
void LineSplitter::Feed(std::string_view bytes, Sink&& sink) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();

  if (skipping_) {
    const char* nl = FindNewline(p, static_cast<std::size_t>(end - p));
    if (nl == nullptr) return;
    skipping_ = false;
    p = nl + 1;
  }

  if (!tail_.empty() && p != end) {
    // Complete the held line; this is the one place a line is copied.
    const char* nl = FindNewline(p, static_cast<std::size_t>(end - p));
    std::size_t take = static_cast<std::size_t>((nl ? nl : end) - p);
    std::size_t room = max_line_ - tail_.size();
    if (take > room) {
      tail_.append(p, room);
      ++long_lines_;
      sink(std::string_view(tail_));
      tail_.clear();
      if (nl == nullptr) {
        skipping_ = true;
        return;
      }
    } else {
      tail_.append(p, take);
      if (nl == nullptr) return;
      sink(std::string_view(tail_));
      tail_.clear();
    }
    p = nl + 1;
  }

  while (p != end) {
    const char* nl = FindNewline(p, static_cast<std::size_t>(end - p));
    if (nl == nullptr) {
      std::size_t rest = static_cast<std::size_t>(end - p);
      if (rest > max_line_) {
        ++long_lines_;
        sink(std::string_view(p, max_line_));
        skipping_ = true;
      } else {
        tail_.assign(p, rest);
      }
      return;
    }
    std::size_t len = static_cast<std::size_t>(nl - p);
    if (len > max_line_) {
      ++long_lines_;
      len = max_line_;
    }
    sink(std::string_view(p, len));
    p = nl + 1;
  }
}

template <class Sink>
void LineSplitter::Flush(Sink&& sink) {
  skipping_ = false;
  if (tail_.empty()) return;
  sink(std::string_view(tail_));
  tail_.clear();
}

}  // namespace relaywatch::stamp

#endif  // RELAYWATCH_STAMP_LINE_SPLITTER_H_
