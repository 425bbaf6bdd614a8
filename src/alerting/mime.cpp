#include "relaywatch/alerting/mime.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>

#include "relaywatch/core/text.h"

namespace relaywatch::alerting {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kFoldAt = 78;       // RFC 5322 "SHOULD" line length
constexpr std::size_t kMaxLine = 998;     // RFC 5322 "MUST" line length
constexpr std::size_t kQpLine = 76;       // RFC 2045 encoded line length, "=" included
constexpr std::size_t kWordBytes = 39;    // UTF-8 bytes per encoded-word: base64 52 + 12 = 64
constexpr std::size_t kMaxAddress = 320;  // RFC 5321 path limit, with room for a display name
constexpr std::size_t kMaxSubject = 2000;
constexpr std::int64_t kMaxOffset = 99 * 3600 + 59 * 60;

constexpr char kHex[] = "0123456789ABCDEF";

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 0x3F]);
  }
  if (in.size() - i == 1) {
    const std::uint32_t v = byte(i) << 16;
    out.push_back(kAlphabet[(v >> 18) & 0x3F]);
    out.push_back(kAlphabet[(v >> 12) & 0x3F]);
    out += "==";
  } else if (in.size() - i == 2) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out.push_back(kAlphabet[(v >> 18) & 0x3F]);
    out.push_back(kAlphabet[(v >> 12) & 0x3F]);
    out.push_back(kAlphabet[(v >> 6) & 0x3F]);
    out.push_back('=');
  }
  return out;
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Valid UTF-8 `text` as encoded-words of at most kWordBytes bytes each, never splitting a
// character, joined by folding whitespace (which decoders drop between encoded-words).
std::string EncodedWords(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const unsigned char c = static_cast<unsigned char>(text[end]);
      const std::size_t n = c < 0x80 ? 1 : core::Utf8SequenceLength(text, end);
      const std::size_t step = n == 0 ? 1 : n;  // cannot happen: `text` is sanitized
      if (end + step - i > kWordBytes) break;
      end += step;
    }
    if (!out.empty()) out += std::string(kCrlf) + " ";
    out += "=?UTF-8?B?" + Base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// Printable ASCII `text` folded before spaces so lines stay within kFoldAt where a space allows;
// `first` is the length of "Subject: " on the first line. Empty when some line would still
// exceed kMaxLine (the caller encodes instead).
std::string FoldAtSpaces(std::string_view text, std::size_t first) {
  std::string out;
  std::size_t line_len = first;
  bool line_has_text = false;
  for (std::size_t pos = 0; pos < text.size();) {
    // A token runs up to the next space; every token but the first starts with its space.
    std::size_t next = text.find(' ', pos + 1);
    if (next == std::string_view::npos) next = text.size();
    const std::string_view token = text.substr(pos, next - pos);
    // Fold only before " word" (never leaving a line of blanks) and never an empty line.
    const bool can_fold = line_has_text && token.size() > 1 && token[0] == ' ' && token[1] != ' ';
    if (can_fold && line_len + token.size() > kFoldAt) {
      out += kCrlf;
      line_len = 0;
    }
    out.append(token);
    line_len += token.size();
    line_has_text = true;
    if (line_len > kMaxLine) return {};
    pos = next;
  }
  return out;
}

// Printable ASCII for From/To: controls dropped, other bytes '?'.
std::string AsciiField(std::string_view s) { return core::ToAsciiSafe(s, kMaxAddress); }

std::string MessageId(std::string_view raw) {
  std::string id;
  for (char c : core::ToAsciiSafe(raw, kMaxAddress)) {
    const bool atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+/=?^_`{|}~.@-").find(c) != std::string_view::npos;
    if (atext) id.push_back(c);
  }
  return id.empty() ? id : "<" + id + ">";
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ": ";
  out.append(value);
  out += kCrlf;
}

std::string ToLine(const std::vector<std::string>& to) {
  std::string out;
  std::size_t used = 4;  // "To: "
  for (const std::string& raw : to) {
    const std::string addr = AsciiField(raw);
    if (addr.empty()) continue;
    if (!out.empty()) {
      out += ',';
      ++used;
      if (used + 1 + addr.size() > kFoldAt) {
        out += kCrlf;
        used = 0;
      }
      out += ' ';
      ++used;
    }
    out += addr;
    used += addr.size();
  }
  return out;
}

// One logical body line, clean, as quoted-printable physical lines, each ending in CRLF.
void AppendQpLine(std::string& out, std::string_view line) {
  std::string phys;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    const bool line_start = phys.empty();
    bool literal = (c >= 33 && c <= 126 && c != '=') || (c == ' ' && i + 1 < line.size());
    // A physical line must never be "." (SMTP end of data) nor start an mbox "From ".
    if (line_start && (c == '.' || (c == 'F' && line.substr(i, 5) == "From "))) literal = false;
    const std::size_t width = literal ? 1 : 3;
    if (phys.size() + width > kQpLine - 1) {  // leave room for the soft break's "="
      out += phys;
      out += "=";
      out += kCrlf;
      phys.clear();
      if (c == '.' || (c == 'F' && line.substr(i, 5) == "From ")) literal = false;
    }
    if (literal) {
      phys.push_back(static_cast<char>(c));
    } else {
      phys.push_back('=');
      phys.push_back(kHex[c >> 4]);
      phys.push_back(kHex[c & 0xF]);
    }
  }
  out += phys;
  out += kCrlf;
}

}  // namespace

std::string FormatRfc5322Date(core::Timestamp t, std::int64_t utc_offset_seconds) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::int64_t offset = utc_offset_seconds;
  if (offset > kMaxOffset) offset = kMaxOffset;
  if (offset < -kMaxOffset) offset = -kMaxOffset;
  offset = offset / 60 * 60;  // the header has minutes: keep the wall time consistent with it
  const std::int64_t utc_secs =
      std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  std::optional<core::Timestamp> local = core::FromUnix(utc_secs + offset, 0);
  if (!local) {  // at the very edge of Timestamp's range: say it in UTC
    offset = 0;
    local = core::FromUnix(utc_secs, 0);
    if (!local) local = core::Timestamp{};
  }
  const core::CivilTime c = core::ToCivilUtc(*local);
  const std::int64_t days = core::DaysFromCivil(c.year, c.month, c.day);
  const std::size_t weekday =
      static_cast<std::size_t>(((days % 7) + 7 + 4) % 7);  // 1970-01-01: Thu
  const std::int64_t abs_offset = offset < 0 ? -offset : offset;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d %c%02lld%02lld", kDays[weekday],
                c.day, kMonths[static_cast<std::size_t>(c.month - 1)], c.year, c.hour, c.minute,
                c.second, offset < 0 ? '-' : '+', static_cast<long long>(abs_offset / 3600),
                static_cast<long long>(abs_offset % 3600 / 60));
  return buf;
}

std::string EncodeSubject(std::string_view text) {
  const std::string clean = core::SanitizeField(text, kMaxSubject);
  if (IsPrintableAscii(clean) && clean.find("=?") == std::string::npos) {
    std::string folded = FoldAtSpaces(clean, 9);  // after "Subject: "
    if (!folded.empty() || clean.empty()) return folded;
  }
  return EncodedWords(clean);
}

std::string BuildRfc5322(const MailHeader& h, std::string_view body_utf8) {
  std::string out;
  AppendHeader(out, "Date", FormatRfc5322Date(h.date, h.date_utc_offset_seconds));
  AppendHeader(out, "From", AsciiField(h.from));
  AppendHeader(out, "To", ToLine(h.to));
  const std::string subject = EncodeSubject(h.subject);
  if (!subject.empty()) AppendHeader(out, "Subject", subject);
  const std::string id = MessageId(h.message_id);
  if (!id.empty()) AppendHeader(out, "Message-ID", id);
  AppendHeader(out, "MIME-Version", "1.0");
  AppendHeader(out, "Content-Type", "text/plain; charset=UTF-8");
  AppendHeader(out, "Content-Transfer-Encoding", "quoted-printable");
  out += kCrlf;

  // "\r\n", "\n" and a lone "\r" each end a line; a final line without one still counts.
  std::size_t start = 0;
  for (std::size_t i = 0; i < body_utf8.size(); ++i) {
    const char c = body_utf8[i];
    if (c != '\n' && c != '\r') continue;
    AppendQpLine(out, core::SanitizeField(body_utf8.substr(start, i - start), body_utf8.size()));
    if (c == '\r' && i + 1 < body_utf8.size() && body_utf8[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < body_utf8.size()) {
    AppendQpLine(out, core::SanitizeField(body_utf8.substr(start), body_utf8.size()));
  }
  return out;
}

}  // namespace relaywatch::alerting
