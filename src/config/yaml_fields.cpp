#include "yaml_fields.h"

#include <algorithm>
#include <charconv>

#include "relaywatch/config/options.h"
#include "text_checks.h"

namespace relaywatch::config::internal {
namespace {

bool IsEmptyValue(const YAML::Node& node) { return !node.IsDefined() || node.IsNull(); }

// yaml-cpp places an empty value at the start of whatever follows it, often the next line;
// the key (or the enclosing list) is where an admin looks for it.
YAML::Mark MarkOr(const YAML::Node& node, const YAML::Mark& fallback) {
  if (IsEmptyValue(node) || node.Mark().line < 0) return fallback;
  return node.Mark();
}

std::string ChildPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path(parent);
  path += '.';
  path += key;
  return path;
}

std::vector<std::string_view> SplitWords(std::string_view text) {
  std::vector<std::string_view> words;
  while (!text.empty()) {
    std::size_t space = text.find(' ');
    if (space != 0) words.push_back(text.substr(0, space));
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
  return words;
}

}  // namespace

core::Error Reporter::At(const YAML::Mark& mark, std::string_view path,
                         std::string_view message) const {
  int line = mark.line < 0 ? 1 : mark.line + 1;
  int column = mark.column < 0 ? 1 : mark.column + 1;
  std::string text = file_name_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!path.empty()) {
    text += path;
    text += ": ";
  }
  text += message;
  return core::Error{std::move(text)};
}

core::Error Reporter::Expected(const Field& field, std::string_view what) const {
  std::string message = "expected ";
  message += what;
  message += ", got ";
  message += DescribeNode(field.node);
  return At(field, message);
}

std::string DescribeNode(const YAML::Node& node) {
  if (IsEmptyValue(node)) return "nothing";
  if (node.IsSequence()) return node.size() == 0 ? "an empty list" : "a list";
  if (node.IsMap()) return node.size() == 0 ? "an empty mapping" : "a mapping";
  return Quote(node.Scalar());
}

const Field* Mapping::Find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

core::Result<Mapping> ReadMapping(const Reporter& reporter, const Field& field,
                                  std::optional<std::string_view> section) {
  Mapping mapping;
  mapping.self_ = field;
  if (IsEmptyValue(field.node)) return mapping;
  if (!field.node.IsMap()) return reporter.Expected(field, "a mapping");
  std::vector<std::string_view> known;
  if (section) known = ChildKeys(*section);
  // Iterating by value: yaml-cpp's it->first goes through a temporary proxy GCC 12 warns about.
  for (const auto& key_value : field.node) {
    const YAML::Node& key = key_value.first;
    YAML::Mark key_mark = MarkOr(key, field.mark);
    if (!key.IsScalar()) {
      return reporter.At(key_mark, field.path, "expected a plain key, got " + DescribeNode(key));
    }
    std::string name = key.Scalar();
    std::string path = ChildPath(field.path, name);
    auto first = std::find_if(mapping.entries_.begin(), mapping.entries_.end(),
                              [&](const Mapping::Entry& e) { return e.key == name; });
    if (first != mapping.entries_.end()) {
      return reporter.At(
          key_mark, path,
          "duplicate key (first given on line " + std::to_string(first->key_mark.line + 1) + ")");
    }
    if (section && std::find(known.begin(), known.end(), name) == known.end()) {
      std::string message = "unknown key; ";
      if (auto close = ClosestMatch(name, known)) {
        message += "did you mean ";
        message += *close;
        message += '?';
      } else {
        message += "expected " + JoinWords(known, "or");
      }
      return reporter.At(key_mark, path, message);
    }
    mapping.entries_.push_back(
        {name, key_mark,
         Field{std::move(path), key_value.second, MarkOr(key_value.second, key_mark)}});
  }
  return mapping;
}

core::Status CheckScope(const Reporter& reporter, const Mapping& mapping, std::string_view section,
                        std::string_view label, std::string_view kind_or_via) {
  for (const Mapping::Entry& entry : mapping.entries()) {
    const Option* option = FindOption(ChildPath(section, entry.key));
    if (option == nullptr || AppliesTo(*option, kind_or_via)) continue;
    std::string message = "not used by ";
    message += label;
    message += ' ';
    message += kind_or_via;
    message += " (only by " + JoinWords(SplitWords(option->scope), "and") + ")";
    return reporter.At(entry.key_mark, entry.value.path, message);
  }
  return core::OkStatus();
}

core::Result<std::vector<Field>> ReadList(const Reporter& reporter, const Field& field) {
  std::vector<Field> elements;
  if (IsEmptyValue(field.node)) return elements;
  if (!field.node.IsSequence()) return reporter.Expected(field, "a list");
  std::size_t index = 0;
  for (const YAML::Node& element : field.node) {
    elements.push_back(Field{field.path + "[" + std::to_string(index) + "]", element,
                             MarkOr(element, field.mark)});
    ++index;
  }
  return elements;
}

core::Result<std::string> ReadScalar(const Reporter& reporter, const Field& field,
                                     std::string_view what) {
  if (!field.node.IsScalar()) return reporter.Expected(field, what);
  return field.node.Scalar();
}

core::Result<std::string> ReadChecked(const Reporter& reporter, const Field& field,
                                      std::string_view what, bool (*valid)(std::string_view)) {
  auto text = ReadScalar(reporter, field, what);
  if (!text) return text;
  if (!valid(*text)) return reporter.Expected(field, what);
  return text;
}

core::Result<std::vector<std::string>> ReadCheckedList(const Reporter& reporter, const Field& field,
                                                       std::string_view what,
                                                       bool (*valid)(std::string_view)) {
  auto elements = ReadList(reporter, field);
  if (!elements) return elements.error();
  std::vector<std::string> values;
  for (const Field& element : *elements) {
    auto text = ReadChecked(reporter, element, what, valid);
    if (!text) return text.error();
    values.push_back(std::move(*text));
  }
  return values;
}

core::Result<core::Duration> ReadDuration(const Reporter& reporter, const Field& field) {
  constexpr std::string_view kWhat = "a duration like 10m";
  auto text = ReadScalar(reporter, field, kWhat);
  if (!text) return text.error();
  std::optional<core::Duration> duration = core::ParseDuration(*text);
  if (!duration) return reporter.Expected(field, kWhat);
  return *duration;
}

core::Result<std::uint64_t> ReadCount(const Reporter& reporter, const Field& field,
                                      std::uint64_t min, std::uint64_t max, std::string_view what) {
  auto text = ReadScalar(reporter, field, what);
  if (!text) return text.error();
  // from_chars alone would take a prefix ("10x") and YAML's "+5"/"0x10"; only plain digits count.
  const std::string& s = *text;
  std::uint64_t value = 0;
  bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) return reporter.Expected(field, what);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < min || value > max) {
    return reporter.Expected(field, what);
  }
  return value;
}

core::Result<bool> ReadBool(const Reporter& reporter, const Field& field) {
  constexpr std::string_view kWhat = "true or false";
  auto text = ReadScalar(reporter, field, kWhat);
  if (!text) return text.error();
  std::string lower = *text;
  for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  return reporter.Expected(field, kWhat);
}

std::string ExpectedChoice(std::span<const std::string_view> names) {
  return JoinWords(names, "or");
}

}  // namespace relaywatch::config::internal
