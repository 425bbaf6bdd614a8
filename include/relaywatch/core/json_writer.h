// JsonWriter: streams compact, valid JSON for report, alert and status output.
//
// Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (log text is arbitrary bytes)
// become U+FFFD, so the output always parses. The writer tracks commas; callers only say
// key/value/begin/end. Misuse (a value where a key is due) is a programming error, not checked.
#ifndef RELAYWATCH_CORE_JSON_WRITER_H_
#define RELAYWATCH_CORE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::core {

// Appends `s` to `out` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(std::int64_t v);
  JsonWriter& Uint(std::uint64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // A value already rendered as JSON (by another JsonWriter), written as it is.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  // What is written so far, taken out; writing goes on where it was (for writing a large
  // document out in pieces).
  std::string TakeSoFar() {
    std::string s;
    s.swap(out_);
    return s;
  }

 private:
  void Comma();
  std::string out_;
  std::vector<bool> first_;  // one per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_JSON_WRITER_H_
