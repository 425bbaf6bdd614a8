// Test helper: a strict RFC 8259 reader, so tests check that output parses and read its values.
//
// Rejects what a strict consumer rejects: raw control characters in strings, bad escapes, lone
// surrogates, bytes that are not UTF-8, trailing garbage. Numbers are kept as their text.
#ifndef RELAYWATCH_TESTS_UNIT_ALERTING_JSON_READER_H_
#define RELAYWATCH_TESTS_UNIT_ALERTING_JSON_READER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/text.h"

namespace relaywatch::alerting::testing {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  std::string text;  // number text, string value, "true"/"false"
  std::vector<JsonValue> items;
  std::map<std::string, JsonValue> fields;

  const JsonValue& operator[](const std::string& key) const {
    static const JsonValue kMissing;
    auto it = fields.find(key);
    return it == fields.end() ? kMissing : it->second;
  }
  bool has(const std::string& key) const { return fields.count(key) != 0; }
};

class JsonReader {
 public:
  static std::optional<JsonValue> Parse(std::string_view s) {
    JsonReader r(s);
    auto v = r.Value();
    r.Space();
    if (!v || r.pos_ != s.size()) return std::nullopt;
    return v;
  }

 private:
  explicit JsonReader(std::string_view s) : s_(s) {}

  void Space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Eat(char c) {
    Space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<JsonValue> Value() {
    Space();
    if (pos_ >= s_.size()) return std::nullopt;
    JsonValue v;
    const char c = s_[pos_];
    if (c == '{') return Object();
    if (c == '[') return Array();
    if (c == '"') {
      auto str = String();
      if (!str) return std::nullopt;
      v.type = JsonValue::Type::kString;
      v.text = *str;
      return v;
    }
    if (Literal("null")) return v;
    if (Literal("true") || Literal("false")) {
      v.type = JsonValue::Type::kBool;
      v.text = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u' ? "true" : "false";
      return v;
    }
    const std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    std::size_t digits = 0;
    while (pos_ < s_.size() &&
           ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.' || s_[pos_] == 'e' ||
            s_[pos_] == 'E' || s_[pos_] == '+' || (s_[pos_] == '-' && pos_ > start))) {
      ++pos_;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    v.type = JsonValue::Type::kNumber;
    v.text = std::string(s_.substr(start, pos_ - start));
    return v;
  }

  std::optional<JsonValue> Array() {
    ++pos_;
    JsonValue v;
    v.type = JsonValue::Type::kArray;
    if (Eat(']')) return v;
    do {
      auto item = Value();
      if (!item) return std::nullopt;
      v.items.push_back(std::move(*item));
    } while (Eat(','));
    if (!Eat(']')) return std::nullopt;
    return v;
  }

  std::optional<JsonValue> Object() {
    ++pos_;
    JsonValue v;
    v.type = JsonValue::Type::kObject;
    if (Eat('}')) return v;
    do {
      Space();
      if (pos_ >= s_.size() || s_[pos_] != '"') return std::nullopt;
      auto key = String();
      if (!key || !Eat(':')) return std::nullopt;
      auto item = Value();
      if (!item || v.fields.count(*key)) return std::nullopt;  // duplicate keys are a bug
      v.fields[*key] = std::move(*item);
    } while (Eat(','));
    if (!Eat('}')) return std::nullopt;
    return v;
  }

  static void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::optional<std::uint32_t> Hex4() {
    if (s_.size() - pos_ < 4) return std::nullopt;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> String() {
    ++pos_;  // the opening quote
    std::string out;
    while (pos_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) return std::nullopt;
      if (c >= 0x80) {
        const std::size_t n = core::Utf8SequenceLength(s_, pos_);
        if (n == 0) return std::nullopt;
        out.append(s_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (pos_ >= s_.size()) return std::nullopt;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          auto cp = Hex4();
          if (!cp) return std::nullopt;
          if (*cp >= 0xD800 && *cp <= 0xDBFF) {
            if (!Literal("\\u")) return std::nullopt;
            auto lo = Hex4();
            if (!lo || *lo < 0xDC00 || *lo > 0xDFFF) return std::nullopt;
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*lo - 0xDC00);
          } else if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
            return std::nullopt;
          }
          AppendUtf8(out, *cp);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace relaywatch::alerting::testing

#endif  // RELAYWATCH_TESTS_UNIT_ALERTING_JSON_READER_H_
