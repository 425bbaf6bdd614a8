// Record text: the line format shared by the checkpoint and the spooled alert (private to state/).
//
// A document is a header line "<magic> <version>", then records, then "checksum <16 hex>", each
// line ended by '\n'. A record is a tag and fields separated by single spaces. Every field is
// escaped so that it holds only printable ASCII without space: bytes 0x21..0x7E pass except '\',
// '\' is written "\\", every other byte "\xNN" (lowercase hex), and the empty string is "\-".
// So any byte string, a key with a newline or a NUL in it included, is one field, and the file is
// plain ASCII that grep and an editor show as it is.
//
// The checksum is FNV-1a 64 over every byte before the checksum line. Any single changed byte
// changes it (each FNV-1a step is a bijection of the running hash), and a file cut anywhere lacks
// its last line, so both a torn write and a flipped byte are caught before any record is read.
#ifndef RELAYWATCH_SRC_STATE_RECORD_TEXT_H_
#define RELAYWATCH_SRC_STATE_RECORD_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"

namespace relaywatch::state::internal {

// Appends `raw` escaped as one field.
void AppendEscaped(std::string& out, std::string_view raw);
// The bytes an escaped field stands for; nullopt for a raw byte outside 0x21..0x7E, a bad or
// cut escape, or "\-" inside a longer field.
std::optional<std::string> Unescape(std::string_view field);

// Builds a document: header, records, checksum.
class RecordWriter {
 public:
  RecordWriter(std::string_view magic, int version);

  // Starts a record (ends the previous one).
  RecordWriter& Begin(std::string_view tag);
  RecordWriter& Text(std::string_view raw);
  RecordWriter& Uint(std::uint64_t v);
  RecordWriter& Int(std::int64_t v);
  RecordWriter& Time(core::Timestamp t);  // nanoseconds since the Unix epoch
  RecordWriter& Dur(core::Duration d);    // nanoseconds
  RecordWriter& OptionalTime(const std::optional<core::Timestamp>& t);  // "-" when absent

  // The whole document, checksum line included.
  std::string Finish() &&;

 private:
  void EndRecord();
  std::string out_;
  bool open_ = false;
};

// One record as read: fields still escaped.
struct Record {
  std::size_t line = 0;  // 1-based
  std::string_view tag;
  std::vector<std::string_view> fields;
};

// Reads a document: the constructor checks nothing; Open checks the header and the checksum,
// then Next yields the records in order.
class RecordReader {
 public:
  // Reads versions `oldest` to `version` (oldest 0: only `version`).
  RecordReader(std::string_view text, std::string_view magic, int version, std::string_view what,
               int oldest = 0)
      : text_(text),
        magic_(magic),
        version_(version),
        oldest_(oldest == 0 ? version : oldest),
        what_(what) {}

  // Ok when the header is "<magic> <version>" and the checksum line is last and matches. Errors:
  //   "line 1: not a relaywatch <what> (expected \"<magic> <version>\")"
  //   "line 1: unsupported <what> version 2 (this relaywatch reads version 1)" (or "versions 1
  //   to 2")
  //   "line N: missing checksum line: the file was cut short"
  //   "line N: checksum mismatch: the file is corrupt"
  core::Status Open();

  // The next record, or nullopt at the checksum line. Errors name the line: a record with an
  // empty tag or field (two spaces, a trailing space) is "line N: empty field".
  core::Result<std::optional<Record>> Next();

  // The version of the document, once Open succeeded.
  int version() const { return read_version_; }

  // The number of the checksum line (for errors about what is missing as a whole).
  std::size_t last_line() const { return last_line_; }

 private:
  std::string_view text_;
  std::string_view magic_;
  int version_;
  int oldest_;
  int read_version_ = 0;
  std::string_view what_;
  std::size_t pos_ = 0;       // start of the next line
  std::size_t body_end_ = 0;  // start of the checksum line
  std::size_t line_ = 0;      // number of the line last returned
  std::size_t last_line_ = 0;
  Record record_;
};

// "line N: " + message.
core::Error LineError(std::size_t line, std::string_view message);

// Parses the fields of one record with one error for the first bad field. Each getter returns a
// default value once an error is set; check ok() (or error()) after the last one.
class FieldParser {
 public:
  // Fails at once unless `record` has exactly `count` fields:
  // "line N: <tag>: expected 3 fields, got 2".
  FieldParser(const Record& record, std::size_t count);

  std::string Text(std::size_t i, std::string_view name);
  std::uint64_t Uint(std::size_t i, std::string_view name, std::uint64_t max = UINT64_MAX);
  std::int64_t Int(std::size_t i, std::string_view name);
  core::Timestamp Time(std::size_t i, std::string_view name);
  core::Duration Dur(std::size_t i, std::string_view name);
  std::optional<core::Timestamp> OptionalTime(std::size_t i, std::string_view name);
  bool Flag(std::size_t i, std::string_view name);  // "0" or "1"

  // Sets the error "line N: <tag> <name>: <message>" unless one is set already.
  void Fail(std::string_view name, std::string_view message);

  bool ok() const { return !error_; }
  const core::Error& error() const { return *error_; }

 private:
  // "expected <what>, got \"<field, escaped for the log, at most 40 bytes>\"".
  void Expected(std::size_t i, std::string_view name, std::string_view what);
  bool Have(std::size_t i) const { return !error_ && i < record_.fields.size(); }

  const Record& record_;
  std::optional<core::Error> error_;
};

}  // namespace relaywatch::state::internal

#endif  // RELAYWATCH_SRC_STATE_RECORD_TEXT_H_
