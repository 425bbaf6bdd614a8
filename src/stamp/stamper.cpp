#include "relaywatch/stamp/stamper.h"

#include <algorithm>
#include <utility>

#include "relaywatch/stamp/tai64n.h"

namespace relaywatch::stamp {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// `n` decimal digits at s[pos]; nullopt if the bytes are not all digits or run past the end.
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// "HH:MM:SS" at s[pos] into c (range-checked later by FromCivilUtc).
bool ReadClock(std::string_view s, std::size_t pos, core::CivilTime& c) {
  auto h = Digits(s, pos, 2);
  auto m = Digits(s, pos + 3, 2);
  auto sec = Digits(s, pos + 6, 2);
  if (!h || !m || !sec || s[pos + 2] != ':' || s[pos + 5] != ':') return false;
  c.hour = *h;
  c.minute = *m;
  c.second = *sec;
  return true;
}

// The text after a stamp that ends at `end`: one separating space, or nothing at all.
std::optional<std::string_view> TextAfter(std::string_view s, std::size_t end) {
  if (end == s.size()) return s.substr(end);
  if (s[end] != ' ') return std::nullopt;
  return s.substr(end + 1);
}

// multilog `t`: "@<24 hex> text".
std::optional<Line> StampTai64n(std::string_view s) {
  if (s.size() < kTai64nLabelSize) return std::nullopt;
  auto text = TextAfter(s, kTai64nLabelSize);
  if (!text) return std::nullopt;
  auto t = ParseTai64nLabel(s.substr(0, kTai64nLabelSize));
  if (!t) return std::nullopt;
  Line line;
  line.time = *t;
  line.stamped = true;
  line.stamp = StampKind::kTai64n;
  line.text = *text;
  return line;
}

// The `d` prefix's fields: "YYYY-MM-DD HH:MM:SS.F{1,9}"; returns the wall time and where the
// prefix ends.
std::optional<std::pair<core::CivilTime, std::size_t>> ReadDatePrefix(std::string_view s) {
  if (s.size() < 21) return std::nullopt;  // "YYYY-MM-DD HH:MM:SS.F" at least
  core::CivilTime c;
  auto y = Digits(s, 0, 4);
  auto mo = Digits(s, 5, 2);
  auto d = Digits(s, 8, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-' || s[10] != ' ') return std::nullopt;
  if (!ReadClock(s, 11, c) || s[19] != '.') return std::nullopt;
  c.year = *y;
  c.month = *mo;
  c.day = *d;
  std::size_t pos = 20;
  std::int64_t nanos = 0;
  while (pos < s.size() && pos < 29 && IsDigit(s[pos])) nanos = nanos * 10 + (s[pos++] - '0');
  if (pos == 20 || (pos < s.size() && IsDigit(s[pos]))) return std::nullopt;  // 0 or >9 digits
  for (std::size_t i = pos; i < 29; ++i) nanos *= 10;
  c.nanos = nanos;
  return std::make_pair(c, pos);
}

// "Jan".."Dec" at the start of s, as 1..12.
std::optional<int> Month(std::string_view s) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (s.size() < 3) return std::nullopt;
  for (std::size_t m = 0; m < 12; ++m) {
    if (kMonths.substr(m * 3, 3) == s.substr(0, 3)) return static_cast<int>(m + 1);
  }
  return std::nullopt;
}

// splogger's "SECS.USECS " at the start of a syslog message: the stamp and the text after it.
std::optional<std::pair<core::Timestamp, std::string_view>> ReadSploggerStamp(std::string_view s) {
  std::size_t pos = 0;
  std::int64_t secs = 0;
  // 12 digits reach the year 33658; more is not a clock.
  while (pos < s.size() && pos < 12 && IsDigit(s[pos])) secs = secs * 10 + (s[pos++] - '0');
  if (pos == 0 || pos >= s.size() || s[pos] != '.') return std::nullopt;
  auto usecs = Digits(s, pos + 1, 6);
  if (!usecs) return std::nullopt;
  auto text = TextAfter(s, pos + 7);
  if (!text) return std::nullopt;
  auto t = core::FromUnix(secs, std::int64_t{*usecs} * 1000);
  if (!t) return std::nullopt;
  return std::make_pair(*t, *text);
}

// "Mon DD HH:MM:SS host prog[pid]: text".
std::optional<Line> StampSyslog(std::string_view s) {
  auto month = Month(s);
  if (!month || s.size() < 16 || s[3] != ' ' || s[6] != ' ' || s[15] != ' ') return std::nullopt;
  // The day is "DD" or " D" (syslog pads with a space).
  auto day = s[4] == ' ' ? Digits(s, 5, 1) : Digits(s, 4, 2);
  core::CivilTime c;
  if (!day || !ReadClock(s, 7, c)) return std::nullopt;
  // Validate against a leap year: Feb 29 must pass when the year is unknown.
  c.year = 2000;
  c.month = *month;
  c.day = *day;
  if (!core::FromCivilUtc(c)) return std::nullopt;

  std::string_view rest = s.substr(16);
  std::size_t host_end = rest.find(' ');
  if (host_end == 0 || host_end == std::string_view::npos) return std::nullopt;
  rest = rest.substr(host_end + 1);

  Line line;
  line.stamp = StampKind::kSyslog;
  line.text = rest;
  std::size_t word_end = std::min(rest.find(' '), rest.size());
  if (word_end >= 2 && rest[word_end - 1] == ':') {
    std::string_view tag = rest.substr(0, word_end - 1);
    if (tag.back() == ']') {
      std::size_t open = tag.find('[');
      if (open != std::string_view::npos) tag = tag.substr(0, open);
    }
    if (!tag.empty()) {
      line.tag = tag;
      line.text = rest.substr(std::min(word_end + 1, rest.size()));
    }
  }
  if (auto splogger = ReadSploggerStamp(line.text)) {
    line.time = splogger->first;
    line.stamped = true;
    line.text = splogger->second;
  }
  return line;
}

}  // namespace

Stamper::Stamper(core::LocalZone zone) : zone_(std::move(zone)) {}

std::optional<core::Timestamp> Stamper::LocalToUtc(const core::CivilTime& local) {
  // The wall time read as if it were UTC: range-checks the fields and numbers the local hour.
  auto as_utc = core::FromCivilUtc(local);
  if (!as_utc) return std::nullopt;
  if (!zone_.to_utc) return as_utc;  // an empty zone is UTC
  std::int64_t local_ns = as_utc->time_since_epoch().count();
  std::int64_t local_secs = local_ns / kNanosPerSecond - (local_ns % kNanosPerSecond < 0 ? 1 : 0);
  std::int64_t local_hour = local_secs / 3600 - (local_secs % 3600 < 0 ? 1 : 0);

  HourOffset& slot = cache_[static_cast<std::size_t>(local_hour) % cache_.size()];
  if (slot.local_hour != local_hour) {
    // From the folded instant, so a leap second's 23:59:60 asks about the hour it lands in.
    core::CivilTime start = core::ToCivilUtc(*as_utc);
    start.minute = start.second = 0;
    start.nanos = 0;
    auto utc = zone_.to_utc(start);
    slot.local_hour = local_hour;
    slot.hour_start_exists = utc.has_value();
    if (utc) {
      slot.offset_seconds =
          local_hour * 3600 -
          std::chrono::floor<std::chrono::seconds>(*utc).time_since_epoch().count();
    }
  }
  if (!slot.hour_start_exists) return zone_.to_utc(local);
  auto shifted = std::chrono::seconds(slot.offset_seconds);
  // Guard the edges of Timestamp's range rather than wrap.
  if (shifted.count() > 0 && *as_utc < core::Timestamp::min() + shifted) return std::nullopt;
  if (shifted.count() < 0 && *as_utc > core::Timestamp::max() + shifted) return std::nullopt;
  return *as_utc - shifted;
}

std::optional<core::Timestamp> Stamper::LaterReading(core::Timestamp early) const {
  if (!zone_.offset_at) return std::nullopt;
  // Clocks fall back by at most two hours (most by one, Lord Howe by half of one): the offset
  // two hours on tells by how much, and the later reading must show the same wall time.
  const std::int64_t before = zone_.offset_at(early);
  const std::int64_t after = zone_.offset_at(early + std::chrono::hours(2));
  if (after >= before) return std::nullopt;
  const core::Timestamp later = early + std::chrono::seconds(before - after);
  if (zone_.offset_at(later) != after) return std::nullopt;
  return later;
}

Line Stamper::Stamp(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  char first = raw.empty() ? '\0' : raw[0];
  if (first == '@') {
    if (auto line = StampTai64n(raw)) return *line;
  } else if (IsDigit(first)) {
    if (auto prefix = ReadDatePrefix(raw)) {
      auto text = TextAfter(raw, prefix->second);
      auto t = text ? LocalToUtc(prefix->first) : std::nullopt;
      // A repeated wall time reads as its earlier instant; when that goes back before the line
      // above, multilog wrote it in the second pass, after the clocks fell back.
      if (t && last_date_ && *t < *last_date_) {
        if (auto later = LaterReading(*t)) t = later;
      }
      if (t) {
        last_date_ = t;
        Line line;
        line.time = *t;
        line.stamped = true;
        line.stamp = StampKind::kDate;
        line.text = *text;
        return line;
      }
    }
  } else if (first >= 'A' && first <= 'S') {  // Apr .. Sep
    if (auto line = StampSyslog(raw)) return *line;
  }
  Line line;
  line.text = raw;
  return line;
}

}  // namespace relaywatch::stamp
