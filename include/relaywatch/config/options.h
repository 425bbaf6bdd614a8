// Options: the one table of every key relaywatch.yaml may hold, with its type, default and help.
//
// Like fluent-bit's config_map[], this table is the single source for two things: the loader
// rejects any key that is not in it (or not for the rule kind / channel via at hand), and the
// reference text of relaywatch.yaml(5) is rendered from it. A key is a dotted path from the top of
// the file; "[]" marks the elements of a list of mappings ("rules[].window"). An entry that other
// entries name as their parent is a section (a mapping of further keys) or, with "[]", a list of
// them; every other entry is a value. The table is static and ordered as the docs show it.
#ifndef RELAYWATCH_CONFIG_OPTIONS_H_
#define RELAYWATCH_CONFIG_OPTIONS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::config {

struct Option {
  std::string_view key;            // "rules[].window"
  std::string_view type;           // as the docs show it: "duration", "warm|tail", "list of ..."
  std::string_view default_value;  // as the docs show it; "required" when it must be given
  // Empty when the key applies everywhere its parent does; otherwise the rule kinds (under
  // "rules[]") or channel vias (under "alerts.channels[]") it applies to, space-separated.
  std::string_view scope;
  std::string_view help;  // one or two sentences in an administrator's words
};

// Every option, in documentation order.
std::span<const Option> Options();

// The option with exactly this key, or nullptr.
const Option* FindOption(std::string_view key);

// The last component of every option directly under `parent` ("" = the top of the file,
// "sources", "rules[]"), in table order: ChildKeys("sources") = {supervise_dir, services, logs}.
std::vector<std::string_view> ChildKeys(std::string_view parent);

// True when `option` applies to the rule kind or channel via named `kind_or_via`.
bool AppliesTo(const Option& option, std::string_view kind_or_via);

// The table as plain text for relaywatch.yaml(5): per option a line with its key and, in
// parentheses, type, default and scope; then its help wrapped at 80 columns, indented 4 spaces:
//   rules[].count (recipients|messages; default: recipients; kinds: volume)
//       What a volume rule counts: relayed recipients or messages.
std::string OptionsReference();

}  // namespace relaywatch::config

#endif  // RELAYWATCH_CONFIG_OPTIONS_H_
