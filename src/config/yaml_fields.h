// Typed reading of yaml-cpp nodes, with ninja-style errors: "file:line:col: path: message".
//
// Every reader takes a Field (a node, the dotted path to it, and where it starts) and returns the
// typed value or a core::Error that names the file, the 1-based line and column, the path and what
// was expected versus what was written. Readers never throw: they only look at node types and
// scalar text, which in yaml-cpp cannot fail; the loader catches the parser's own exceptions.
// Mappings are read through ReadMapping, which rejects duplicate keys and, for sections, keys that
// are not in config/options.h.
#ifndef RELAYWATCH_SRC_CONFIG_YAML_FIELDS_H_
#define RELAYWATCH_SRC_CONFIG_YAML_FIELDS_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"

namespace relaywatch::config::internal {

// One value in the document: the node, the path an error names ("rules[0].window") and where
// the error points (0-based, as yaml-cpp counts).
struct Field {
  std::string path;
  YAML::Node node;
  YAML::Mark mark;
};

// Builds errors for one file.
class Reporter {
 public:
  explicit Reporter(std::string file_name) : file_name_(std::move(file_name)) {}

  // "file:line:col: path: message" (without "path: " when the path is empty). A mark yaml-cpp
  // could not place (an empty document) counts as 1:1.
  core::Error At(const YAML::Mark& mark, std::string_view path, std::string_view message) const;
  core::Error At(const Field& field, std::string_view message) const {
    return At(field.mark, field.path, message);
  }
  // "expected <what>, got <what the node is>" at `field`.
  core::Error Expected(const Field& field, std::string_view what) const;

 private:
  std::string file_name_;
};

// How a node reads in a message: "nothing", "a list", "an empty list", "a mapping", "an empty
// mapping", or its text quoted.
std::string DescribeNode(const YAML::Node& node);

// The keys of one mapping, checked, in document order.
class Mapping {
 public:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    Field value;  // value.mark is the key's when the value is empty (yaml-cpp puts it elsewhere)
  };

  // The value under `key`, or nullptr when the key is absent.
  const Field* Find(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }
  // The mapping itself (for "missing key" errors).
  const Field& self() const { return self_; }

 private:
  friend core::Result<Mapping> ReadMapping(const Reporter&, const Field&,
                                           std::optional<std::string_view>);
  Field self_;
  std::vector<Entry> entries_;
};

// Reads `field` as a mapping (an empty value reads as an empty one). Keys must be scalars and
// unique. With `section` (an options.h parent: "", "sources", "rules[]"), every key must be one
// of ChildKeys(section); an unknown key is reported with "did you mean" when one is close.
// Without it the keys are free (logins in overrides).
core::Result<Mapping> ReadMapping(const Reporter& reporter, const Field& field,
                                  std::optional<std::string_view> section);

// Rejects a key of `mapping` whose option under `section` does not apply to `kind_or_via`:
// "rules[0].policy: not used by kind volume (only by sender)". `label` is "kind" or "via".
core::Status CheckScope(const Reporter& reporter, const Mapping& mapping, std::string_view section,
                        std::string_view label, std::string_view kind_or_via);

// The elements of a list (an empty value reads as an empty list), each with path "path[i]".
core::Result<std::vector<Field>> ReadList(const Reporter& reporter, const Field& field);

// The text of a scalar; anything else is "expected <what>, got ...".
core::Result<std::string> ReadScalar(const Reporter& reporter, const Field& field,
                                     std::string_view what);
// A scalar for which `valid` holds; otherwise "expected <what>, got <it>".
core::Result<std::string> ReadChecked(const Reporter& reporter, const Field& field,
                                      std::string_view what, bool (*valid)(std::string_view));
// A list of scalars each passing `valid`, errors naming the element ("to[1]").
core::Result<std::vector<std::string>> ReadCheckedList(const Reporter& reporter, const Field& field,
                                                       std::string_view what,
                                                       bool (*valid)(std::string_view));

// "expected a duration like 10m, got ..." on anything core::ParseDuration refuses.
core::Result<core::Duration> ReadDuration(const Reporter& reporter, const Field& field);
// A whole number in [min, max]; `what` says so in the error ("a whole number of at least 1").
core::Result<std::uint64_t> ReadCount(const Reporter& reporter, const Field& field,
                                      std::uint64_t min, std::uint64_t max, std::string_view what);
// true/false (also yes/no, on/off, any case, as YAML 1.1 has them).
core::Result<bool> ReadBool(const Reporter& reporter, const Field& field);

// Names of `choices`, in order.
template <typename E>
std::vector<std::string_view> ChoiceNames(std::span<const std::pair<std::string_view, E>> choices) {
  std::vector<std::string_view> names;
  for (const auto& choice : choices) names.push_back(choice.first);
  return names;
}

// "warm or tail", "volume, sender, remote-ips, service-policy or rcpt-limit".
std::string ExpectedChoice(std::span<const std::string_view> names);

// One of `choices` by name; "expected warm or tail, got "hot"" otherwise.
template <typename E>
core::Result<E> ReadChoice(const Reporter& reporter, const Field& field,
                           std::span<const std::pair<std::string_view, E>> choices) {
  std::vector<std::string_view> names = ChoiceNames(choices);
  auto text = ReadScalar(reporter, field, ExpectedChoice(names));
  if (!text) return text.error();
  for (const auto& [name, value] : choices) {
    if (name == *text) return value;
  }
  return reporter.Expected(field, ExpectedChoice(names));
}

}  // namespace relaywatch::config::internal

#endif  // RELAYWATCH_SRC_CONFIG_YAML_FIELDS_H_
