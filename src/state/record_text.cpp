#include "record_text.h"

#include <charconv>
#include <climits>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/core/text.h"

namespace relaywatch::state::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kChecksumTag = "checksum ";
constexpr std::size_t kMaxQuoted = 40;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is never written, so never read
}

std::string ChecksumHex(std::string_view body) {
  const std::uint64_t h = alerting::Fnv1a64(body);
  std::string out;
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xF]);
  return out;
}

std::size_t CountLines(std::string_view text, std::size_t end) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < end && i < text.size(); ++i) n += text[i] == '\n';
  return n;
}

template <typename T>
std::optional<T> ParseNumber(std::string_view s) {
  T v{};
  if (s.empty() || s[0] == '+') return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

void AppendEscaped(std::string& out, std::string_view raw) {
  if (raw.empty()) {
    out += "\\-";
    return;
  }
  for (char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (b >= 0x21 && b <= 0x7E) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
}

std::optional<std::string> Unescape(std::string_view field) {
  if (field == "\\-") return std::string();
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    const auto b = static_cast<unsigned char>(field[i]);
    if (b < 0x21 || b > 0x7E) return std::nullopt;
    if (field[i] != '\\') {
      out.push_back(field[i]);
      continue;
    }
    if (i + 1 < field.size() && field[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
    } else if (i + 3 < field.size() && field[i + 1] == 'x' && HexValue(field[i + 2]) >= 0 &&
               HexValue(field[i + 3]) >= 0) {
      out.push_back(static_cast<char>(HexValue(field[i + 2]) * 16 + HexValue(field[i + 3])));
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

RecordWriter::RecordWriter(std::string_view magic, int version) {
  out_ += magic;
  out_ += ' ';
  out_ += std::to_string(version);
  out_ += '\n';
}

void RecordWriter::EndRecord() {
  if (open_) out_ += '\n';
  open_ = false;
}

RecordWriter& RecordWriter::Begin(std::string_view tag) {
  EndRecord();
  out_ += tag;
  open_ = true;
  return *this;
}

RecordWriter& RecordWriter::Text(std::string_view raw) {
  out_ += ' ';
  AppendEscaped(out_, raw);
  return *this;
}

RecordWriter& RecordWriter::Uint(std::uint64_t v) {
  out_ += ' ';
  out_ += std::to_string(v);
  return *this;
}

RecordWriter& RecordWriter::Int(std::int64_t v) {
  out_ += ' ';
  out_ += std::to_string(v);
  return *this;
}

RecordWriter& RecordWriter::Time(core::Timestamp t) { return Int(t.time_since_epoch().count()); }

RecordWriter& RecordWriter::Dur(core::Duration d) { return Int(d.count()); }

RecordWriter& RecordWriter::OptionalTime(const std::optional<core::Timestamp>& t) {
  if (t) return Time(*t);
  out_ += " -";
  return *this;
}

std::string RecordWriter::Finish() && {
  EndRecord();
  const std::string sum = ChecksumHex(out_);
  out_ += kChecksumTag;
  out_ += sum;
  out_ += '\n';
  return std::move(out_);
}

core::Error LineError(std::size_t line, std::string_view message) {
  return core::Error{"line " + std::to_string(line) + ": " + std::string(message)};
}

core::Status RecordReader::Open() {
  const std::string expected = std::string(magic_) + " " + std::to_string(version_);
  const std::size_t header_end = text_.find('\n');
  const std::string_view header = text_.substr(0, header_end);
  const std::string prefix = std::string(magic_) + " ";
  if (header.substr(0, prefix.size()) != prefix) {
    return LineError(1,
                     "not a relaywatch " + std::string(what_) + " (expected \"" + expected + "\")");
  }
  if (header != expected) {
    // Says which version, so an admin who downgraded knows why the state was not taken.
    const std::string_view v = header.substr(prefix.size());
    const std::optional<std::uint32_t> number = ParseNumber<std::uint32_t>(v);
    if (!number) {
      return LineError(
          1, "not a relaywatch " + std::string(what_) + " (expected \"" + expected + "\")");
    }
    if (*number < static_cast<std::uint32_t>(oldest_) ||
        *number > static_cast<std::uint32_t>(version_) || std::to_string(*number) != v) {
      const std::string reads = oldest_ == version_ ? "version " + std::to_string(version_)
                                                    : "versions " + std::to_string(oldest_) +
                                                          " to " + std::to_string(version_);
      return LineError(1, "unsupported " + std::string(what_) + " version " + std::string(v) +
                              " (this relaywatch reads " + reads + ")");
    }
    read_version_ = static_cast<int>(*number);
  } else {
    read_version_ = version_;
  }
  // The last line must be the checksum line, whole.
  if (text_.empty() || text_.back() != '\n' || header_end == text_.size() - 1) {
    // The line that should have been the checksum: the cut one, or the one after the header.
    return LineError(CountLines(text_, text_.size()),
                     "missing checksum line: the file was cut short");
  }
  const std::size_t last_start = text_.rfind('\n', text_.size() - 2) + 1;
  last_line_ = CountLines(text_, last_start);
  const std::string_view last = text_.substr(last_start, text_.size() - 1 - last_start);
  if (last.substr(0, kChecksumTag.size()) != kChecksumTag) {
    return LineError(last_line_, "missing checksum line: the file was cut short");
  }
  if (last.substr(kChecksumTag.size()) != ChecksumHex(text_.substr(0, last_start))) {
    return LineError(last_line_, "checksum mismatch: the file is corrupt");
  }
  pos_ = header_end + 1;
  body_end_ = last_start;
  line_ = 1;
  return core::OkStatus();
}

core::Result<std::optional<Record>> RecordReader::Next() {
  if (pos_ >= body_end_) return std::optional<Record>();
  const std::size_t end = text_.find('\n', pos_);  // body lines all end before body_end_
  const std::string_view line = text_.substr(pos_, end - pos_);
  pos_ = end + 1;
  ++line_;
  record_.line = line_;
  record_.fields.clear();
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t sp = line.find(' ', start);
    const std::string_view part =
        line.substr(start, sp == std::string_view::npos ? sp : sp - start);
    if (part.empty()) return LineError(line_, "empty field");
    if (first) {
      record_.tag = part;
      first = false;
    } else {
      record_.fields.push_back(part);
    }
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return std::optional<Record>(record_);
}

FieldParser::FieldParser(const Record& record, std::size_t count) : record_(record) {
  if (record.fields.size() != count) {
    error_ =
        LineError(record.line, std::string(record.tag) + ": expected " + std::to_string(count) +
                                   " fields, got " + std::to_string(record.fields.size()));
  }
}

void FieldParser::Fail(std::string_view name, std::string_view message) {
  if (error_) return;
  error_ = LineError(record_.line, std::string(record_.tag) + " " + std::string(name) + ": " +
                                       std::string(message));
}

void FieldParser::Expected(std::size_t i, std::string_view name, std::string_view what) {
  std::string got = core::EscapeForLog(record_.fields[i].substr(0, kMaxQuoted));
  if (record_.fields[i].size() > kMaxQuoted) got += "...";
  Fail(name, "expected " + std::string(what) + ", got \"" + got + "\"");
}

std::string FieldParser::Text(std::size_t i, std::string_view name) {
  if (!Have(i)) return {};
  std::optional<std::string> s = Unescape(record_.fields[i]);
  if (!s) {
    Expected(i, name, "escaped text");
    return {};
  }
  return std::move(*s);
}

std::uint64_t FieldParser::Uint(std::size_t i, std::string_view name, std::uint64_t max) {
  if (!Have(i)) return 0;
  std::optional<std::uint64_t> v = ParseNumber<std::uint64_t>(record_.fields[i]);
  if (!v || *v > max) {
    Expected(i, name,
             max == UINT64_MAX ? "an unsigned integer"
                               : "an unsigned integer up to " + std::to_string(max));
    return 0;
  }
  return *v;
}

std::int64_t FieldParser::Int(std::size_t i, std::string_view name) {
  if (!Have(i)) return 0;
  std::optional<std::int64_t> v = ParseNumber<std::int64_t>(record_.fields[i]);
  if (!v) {
    Expected(i, name, "an integer");
    return 0;
  }
  return *v;
}

core::Timestamp FieldParser::Time(std::size_t i, std::string_view name) {
  return core::Timestamp(core::Duration(Int(i, name)));
}

core::Duration FieldParser::Dur(std::size_t i, std::string_view name) {
  return core::Duration(Int(i, name));
}

std::optional<core::Timestamp> FieldParser::OptionalTime(std::size_t i, std::string_view name) {
  if (Have(i) && record_.fields[i] == "-") return std::nullopt;
  return Time(i, name);
}

bool FieldParser::Flag(std::size_t i, std::string_view name) {
  if (!Have(i)) return false;
  if (record_.fields[i] == "0") return false;
  if (record_.fields[i] == "1") return true;
  Expected(i, name, "0 or 1");
  return false;
}

}  // namespace relaywatch::state::internal
