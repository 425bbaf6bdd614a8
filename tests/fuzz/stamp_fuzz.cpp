// Fuzzes the stamp stage: the Stamper (multilog `t` and `d`, syslog, none) in UTC, a fixed offset
// and a zone with DST (Europe/Berlin, through the system's tz rules), TAI64N labels, multilog file
// names and their reading order, and the LineSplitter. Invariants:
//   - Stamp never reads outside the line: tag and text point into it; a `t` line's time is its
//     label's; an unstamped line's text is the line less one trailing CR.
//   - ParseTai64nLabel(x) == t implies FormatTai64nLabel(t) is x in lowercase, and
//     ParseTai64nLabel(FormatTai64nLabel(t)) == t for every Timestamp t.
//   - ParseLogFileName and ArchiveName are inverses (lowercase).
//   - OrderLogFiles keeps exactly the log file names, in reading order, whatever the input order.
//   - LineSplitter gives the same lines whatever the chunking, and the lines a plain split would.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "relaywatch/app/local_zone.h"
#include "relaywatch/stamp/line_splitter.h"
#include "relaywatch/stamp/log_files.h"
#include "relaywatch/stamp/stamper.h"
#include "relaywatch/stamp/tai64n.h"

namespace {

namespace core = relaywatch::core;
namespace stamp = relaywatch::stamp;
using relaywatch::fuzz::Check;
using relaywatch::fuzz::Inside;

const core::LocalZone* berlin = nullptr;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void CheckStamp(const core::LocalZone& zone, std::string_view raw) {
  stamp::Stamper stamper(zone);
  // Twice: the second reading goes through the Stamper's per-hour cache.
  for (int pass = 0; pass < 2; ++pass) {
    const stamp::Line line = stamper.Stamp(raw);
    Check(Inside(line.text, raw) && Inside(line.tag, raw), "Line views outside the raw line", raw);
    if (line.stamp == stamp::StampKind::kTai64n) {
      Check(line.stamped && raw.size() >= stamp::kTai64nLabelSize && raw[0] == '@',
            "kTai64n without a label", raw);
      const auto t = stamp::ParseTai64nLabel(raw.substr(0, stamp::kTai64nLabelSize));
      Check(t.has_value() && *t == line.time, "kTai64n time is not the label's", raw);
    }
    if (line.stamp == stamp::StampKind::kNone) {
      std::string_view whole = raw;
      if (!whole.empty() && whole.back() == '\r') whole.remove_suffix(1);
      Check(!line.stamped && line.text == whole && line.tag.empty(),
            "unstamped line is not kept whole", raw);
    }
  }
}

void CheckLabels(std::string_view in) {
  if (const auto t = stamp::ParseTai64nLabel(in)) {
    Check(stamp::FormatTai64nLabel(*t) == Lower(in), "Format(Parse(label)) != label", in);
  }
  if (in.size() >= 8) {
    std::int64_t ns;
    std::memcpy(&ns, in.data(), sizeof ns);
    const core::Timestamp t{core::Duration(ns)};
    const std::string label = stamp::FormatTai64nLabel(t);
    Check(label.size() == stamp::kTai64nLabelSize, "label size", label);
    const auto back = stamp::ParseTai64nLabel(label);
    Check(back.has_value() && *back == t, "Parse(Format(t)) != t", label);
  }
  if (const auto name = stamp::ParseLogFileName(in)) {
    switch (name->kind) {
      case stamp::LogFileKind::kCurrent:
        Check(in == "current", "kCurrent", in);
        break;
      case stamp::LogFileKind::kPrevious:
        Check(in == "previous", "kPrevious", in);
        break;
      case stamp::LogFileKind::kArchiveDone:
      case stamp::LogFileKind::kArchiveUnfinished:
        Check(stamp::ArchiveName(name->time,
                                 name->kind == stamp::LogFileKind::kArchiveUnfinished) == Lower(in),
              "ArchiveName(ParseLogFileName(x)) != x", in);
        break;
    }
  }
}

int Group(const stamp::LogFileName& n) {
  switch (n.kind) {
    case stamp::LogFileKind::kArchiveDone:
    case stamp::LogFileKind::kArchiveUnfinished:
      return 0;
    case stamp::LogFileKind::kPrevious:
      return 1;
    case stamp::LogFileKind::kCurrent:
      return 2;
  }
  return 3;
}

void CheckOrder(std::string_view in) {
  std::vector<std::string> names;
  std::size_t p = 0;
  while (p <= in.size()) {
    std::size_t q = in.find('\n', p);
    if (q == std::string_view::npos) q = in.size();
    names.emplace_back(in.substr(p, q - p));
    p = q + 1;
  }
  const std::vector<std::string> ordered = stamp::OrderLogFiles(names);
  std::vector<std::string> expected;
  for (const std::string& n : names) {
    if (stamp::ParseLogFileName(n)) expected.push_back(n);
  }
  std::vector<std::string> got_sorted = ordered;
  std::sort(got_sorted.begin(), got_sorted.end());
  std::sort(expected.begin(), expected.end());
  Check(got_sorted == expected, "OrderLogFiles did not keep exactly the log file names", in);
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    const auto a = stamp::ParseLogFileName(ordered[i - 1]);
    const auto b = stamp::ParseLogFileName(ordered[i]);
    Check(Group(*a) <= Group(*b), "archives, previous, current out of order", in);
    if (Group(*a) == 0 && Group(*b) == 0) {
      Check(a->time <= b->time, "archives not oldest first", in);
      if (a->time == b->time) {
        Check(a->kind <= b->kind, ".u before .s of the same time", in);
      }
    }
  }
  std::reverse(names.begin(), names.end());
  Check(stamp::OrderLogFiles(names) == ordered, "OrderLogFiles depends on the input order", in);
}

std::vector<std::string> SplitInChunks(std::string_view in, std::size_t max_line,
                                       std::uint32_t seed, std::uint64_t* long_lines) {
  stamp::LineSplitter splitter(max_line);
  std::vector<std::string> lines;
  auto sink = [&](std::string_view line) { lines.emplace_back(line); };
  std::size_t p = 0;
  while (p < in.size()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = std::min<std::size_t>(in.size() - p, 1 + (seed >> 16) % 17);
    splitter.Feed(in.substr(p, n), sink);
    p += n;
  }
  splitter.Flush(sink);
  *long_lines = splitter.long_lines();
  return lines;
}

void CheckSplitter(std::string_view in) {
  if (in.empty()) return;
  const std::size_t max_line = 1 + static_cast<unsigned char>(in[0]) % 40;
  std::vector<std::string> plain;
  std::uint64_t plain_long = 0;
  std::size_t p = 0;
  while (p < in.size()) {
    std::size_t q = in.find('\n', p);
    const bool last = q == std::string_view::npos;
    if (last) q = in.size();
    std::string_view line = in.substr(p, q - p);
    if (line.size() > max_line) {
      ++plain_long;
      line = line.substr(0, max_line);
    }
    if (!last || !line.empty()) plain.emplace_back(line);
    p = q + 1;
  }
  std::uint64_t long_chunked = 0;
  stamp::LineSplitter one(max_line);
  std::vector<std::string> at_once;
  auto sink = [&](std::string_view line) { at_once.emplace_back(line); };
  one.Feed(in, sink);
  one.Flush(sink);
  Check(at_once == plain && one.long_lines() == plain_long,
        "LineSplitter (one chunk) differs from a plain split", in);
  for (std::uint32_t seed : {0u, static_cast<unsigned char>(in.back()) + 1u}) {
    const auto chunked = SplitInChunks(in, max_line, seed, &long_chunked);
    Check(chunked == plain && long_chunked == plain_long,
          "LineSplitter (small chunks) differs from a plain split", in);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("TZ", "Europe/Berlin", 1);
  berlin = new core::LocalZone(relaywatch::app::SystemLocalZone());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = relaywatch::fuzz::AsText(data, size);
  CheckStamp(core::LocalZone::Fixed(0), in);
  CheckStamp(core::LocalZone::Fixed(-(9 * 3600 + 30 * 60)), in);
  CheckStamp(*berlin, in);
  CheckLabels(in);
  CheckOrder(in);
  CheckSplitter(in);
  return 0;
}
