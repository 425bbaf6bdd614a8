#include "relaywatch/core/time.h"

#include <array>
#include <cstddef>

namespace relaywatch::core {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

bool IsLeapYear(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[static_cast<std::size_t>(month - 1)];
}

// Floor division: the calendar needs -1 / 86400 == -1, not 0.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The inverse of DaysFromCivil (Howard Hinnant's civil_from_days).
CivilTime CivilFromUnixSeconds(std::int64_t secs) {
  std::int64_t days = FloorDiv(secs, kSecondsPerDay);
  std::int64_t sod = secs - days * kSecondsPerDay;
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  CivilTime c;
  c.year = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod % 3600 / 60);
  c.second = static_cast<int>(sod % 60);
  return c;
}

std::int64_t UnixSeconds(Timestamp t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// Writes `value` as exactly `width` decimal digits (zero-padded) at `out`.
char* PutDigits(char* out, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// "YYYY-MM-DD<sep>HH:MM:SS" into `out` (19 bytes). Years in Timestamp's range have 4 digits.
char* PutCivil(char* out, const CivilTime& c, char sep) {
  out = PutDigits(out, c.year, 4);
  *out++ = '-';
  out = PutDigits(out, c.month, 2);
  *out++ = '-';
  out = PutDigits(out, c.day, 2);
  *out++ = sep;
  out = PutDigits(out, c.hour, 2);
  *out++ = ':';
  out = PutDigits(out, c.minute, 2);
  *out++ = ':';
  return PutDigits(out, c.second, 2);
}

// A cursor over ParseIso8601's input; every Read* consumes only on success.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool Consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Exactly `n` decimal digits.
  std::optional<int> Fixed(int n) {
    if (s_.size() - pos_ < static_cast<std::size_t>(n)) return std::nullopt;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      char c = s_[pos_ + static_cast<std::size_t>(i)];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  // 1..9 digits of a decimal fraction, as nanoseconds.
  std::optional<std::int64_t> Fraction() {
    std::size_t start = pos_;
    std::int64_t v = 0;
    int digits = 0;
    while (!done() && peek() >= '0' && peek() <= '9') {
      if (++digits > 9) {
        pos_ = start;
        return std::nullopt;
      }
      v = v * 10 + (s_[pos_++] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 9; ++i) v *= 10;
    return v;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// "Z", "+hh:mm", "+hhmm" (or '-'), as seconds east of UTC.
std::optional<std::int64_t> ReadZone(Scanner& in) {
  if (in.Consume('Z')) return 0;
  int sign;
  if (in.Consume('+')) {
    sign = 1;
  } else if (in.Consume('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  auto hh = in.Fixed(2);
  if (!hh) return std::nullopt;
  in.Consume(':');
  auto mm = in.Fixed(2);
  if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
  return sign * (*hh * 3600 + *mm * 60);
}

std::optional<Timestamp> ToUtc(const CivilTime& c, const LocalZone& zone) {
  if (!zone.to_utc) return FromCivilUtc(c);  // an empty LocalZone is UTC
  return zone.to_utc(c);
}

// The first instant of a local calendar day: midnight, or, where a DST gap swallows midnight,
// the first quarter hour that exists.
std::optional<Timestamp> StartOfLocalDay(CivilTime c, const LocalZone& zone) {
  if (!FromCivilUtc(c)) return std::nullopt;  // not a date at all
  for (int quarter = 0; quarter < 24 * 4; ++quarter) {
    c.hour = quarter / 4;
    c.minute = quarter % 4 * 15;
    if (auto t = ToUtc(c, zone)) return t;
  }
  return std::nullopt;  // the whole day was skipped (Pacific/Apia, 2011-12-30)
}

}  // namespace

std::int64_t DaysFromCivil(int year, int month, int day) {
  std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  std::int64_t yoe = y - era * 400;
  std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime ToCivilUtc(Timestamp t) {
  CivilTime c = CivilFromUnixSeconds(UnixSeconds(t));
  // Not ns - secs * 1e9: that product overflows at Timestamp::min().
  std::int64_t nanos = t.time_since_epoch().count() % kNanosPerSecond;
  c.nanos = nanos < 0 ? nanos + kNanosPerSecond : nanos;
  return c;
}

std::optional<Timestamp> FromUnix(std::int64_t seconds, std::int64_t nanos) {
  if (nanos < 0 || nanos >= kNanosPerSecond) return std::nullopt;
  // Below the epoch, seconds * 1e9 alone can pass the minimum that seconds * 1e9 + nanos does
  // not; borrow one second so the product stays in range.
  if (seconds < 0 && nanos > 0) {
    ++seconds;
    nanos -= kNanosPerSecond;
  }
  std::int64_t ns;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &ns)) return std::nullopt;
  if (__builtin_add_overflow(ns, nanos, &ns)) return std::nullopt;
  return Timestamp(Duration(ns));
}

std::optional<Timestamp> FromCivilUtc(const CivilTime& c) {
  if (c.month < 1 || c.month > 12) return std::nullopt;
  if (c.day < 1 || c.day > DaysInMonth(c.year, c.month)) return std::nullopt;
  if (c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59) return std::nullopt;
  if (c.second < 0 || c.second > 60) return std::nullopt;
  // Any int year fits the int64 day count; FromUnix rejects what Timestamp cannot hold.
  std::int64_t secs = DaysFromCivil(c.year, c.month, c.day) * kSecondsPerDay + c.hour * 3600 +
                      c.minute * 60 + c.second;  // second 60 folds into the next minute
  return FromUnix(secs, c.nanos);
}

LocalZone LocalZone::Fixed(std::int64_t offset_seconds) {
  LocalZone zone;
  zone.offset_at = [offset_seconds](Timestamp) { return offset_seconds; };
  zone.to_utc = [offset_seconds](const CivilTime& c) -> std::optional<Timestamp> {
    auto t = FromCivilUtc(c);
    if (!t) return std::nullopt;
    auto shifted = std::chrono::duration_cast<Duration>(std::chrono::seconds(offset_seconds));
    // Stay inside Timestamp's range at its edges instead of wrapping.
    if (shifted.count() > 0 &&
        t->time_since_epoch() < Timestamp::min().time_since_epoch() + shifted)
      return std::nullopt;
    if (shifted.count() < 0 &&
        t->time_since_epoch() > Timestamp::max().time_since_epoch() + shifted)
      return std::nullopt;
    return *t - shifted;
  };
  return zone;
}

std::string FormatIso8601Utc(Timestamp t) {
  CivilTime c = ToCivilUtc(t);
  std::array<char, 30> buf;
  char* p = PutCivil(buf.data(), c, 'T');
  *p++ = '.';
  p = PutDigits(p, c.nanos, 9);
  *p++ = 'Z';
  return std::string(buf.data(), p);
}

std::string FormatLocal(Timestamp t, const LocalZone& zone) {
  std::int64_t offset = zone.offset_at ? zone.offset_at(t) : 0;
  CivilTime c = CivilFromUnixSeconds(UnixSeconds(t) + offset);
  std::array<char, 19> buf;
  char* p = PutCivil(buf.data(), c, ' ');
  return std::string(buf.data(), p);
}

std::optional<Timestamp> ParseIso8601(std::string_view text, const LocalZone& zone) {
  Scanner in(text);
  CivilTime c;
  auto year = in.Fixed(4);
  if (!year || !in.Consume('-')) return std::nullopt;
  auto month = in.Fixed(2);
  if (!month || !in.Consume('-')) return std::nullopt;
  auto day = in.Fixed(2);
  if (!day) return std::nullopt;
  c.year = *year;
  c.month = *month;
  c.day = *day;
  if (in.done()) return StartOfLocalDay(c, zone);

  if (!in.Consume('T') && !in.Consume(' ')) return std::nullopt;
  auto hour = in.Fixed(2);
  if (!hour || !in.Consume(':')) return std::nullopt;
  auto minute = in.Fixed(2);
  if (!minute) return std::nullopt;
  c.hour = *hour;
  c.minute = *minute;
  if (in.Consume(':')) {
    auto second = in.Fixed(2);
    if (!second) return std::nullopt;
    c.second = *second;
    if (in.Consume('.')) {
      auto nanos = in.Fraction();
      if (!nanos) return std::nullopt;
      c.nanos = *nanos;
    }
  }
  if (in.done()) return ToUtc(c, zone);

  auto offset = ReadZone(in);
  if (!offset || !in.done()) return std::nullopt;
  auto t = FromCivilUtc(c);
  if (!t) return std::nullopt;
  // Through FromUnix so an offset at the edge of the range cannot wrap.
  std::int64_t ns = t->time_since_epoch().count();
  std::int64_t frac = ns % kNanosPerSecond;
  if (frac < 0) frac += kNanosPerSecond;
  return FromUnix(FloorDiv(ns, kNanosPerSecond) - *offset, frac);
}

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t unit;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = kSecondsPerDay;
      break;
    default:
      return std::nullopt;
  }
  std::int64_t n = 0;
  for (char ch : text.substr(0, text.size() - 1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, ch - '0', &n))
      return std::nullopt;
  }
  if (n == 0) return std::nullopt;
  std::int64_t ns;
  if (__builtin_mul_overflow(n, unit * kNanosPerSecond, &ns)) return std::nullopt;
  return Duration(ns);
}

std::string FormatDuration(Duration d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  // The most negative count has no positive twin; it is not a whole number of seconds anyway,
  // so format its magnitude digit by digit through unsigned arithmetic.
  std::string sign = ns < 0 ? "-" : "";
  std::uint64_t mag = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  constexpr std::uint64_t kNs = kNanosPerSecond;
  if (mag % kNs != 0) {
    // Not whole seconds: seconds with the shortest exact fraction.
    std::string frac = std::to_string(mag % kNs);
    frac.insert(0, 9 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    return sign + std::to_string(mag / kNs) + "." + frac + "s";
  }
  std::uint64_t secs = mag / kNs;
  if (secs % kSecondsPerDay == 0) return sign + std::to_string(secs / kSecondsPerDay) + "d";
  if (secs % 3600 == 0) return sign + std::to_string(secs / 3600) + "h";
  if (secs % 60 == 0) return sign + std::to_string(secs / 60) + "m";
  return sign + std::to_string(secs) + "s";
}

}  // namespace relaywatch::core
