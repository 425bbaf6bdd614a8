#include "rules_loader.h"

#include <array>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "relaywatch/detect/glob.h"
#include "text_checks.h"

namespace relaywatch::config::internal {
namespace {

using detect::RuleKind;

constexpr std::array<std::pair<std::string_view, detect::CountUnit>, 2> kCountUnits = {{
    {"recipients", detect::CountUnit::kRecipients},
    {"messages", detect::CountUnit::kMessages},
}};

constexpr std::array<std::pair<std::string_view, detect::SenderPolicy>, 2> kPolicies = {{
    {"same-domain", detect::SenderPolicy::kSameDomain},
    {"same-address", detect::SenderPolicy::kSameAddress},
}};

constexpr std::string_view kNameWhat = "a name of letters, digits, '.', '_' and '-'";
constexpr std::string_view kLoginWhat = "a login like bob@example.com";
constexpr std::string_view kLimitWhat = "a whole number of at least 1";
constexpr std::uint64_t kMaxCount = std::numeric_limits<std::uint32_t>::max();

bool IsLoginOrDomainKey(std::string_view s) { return IsLogin(s) || IsDomainKey(s); }

// Keys of overrides and allow: logins or "@domain", unique once their domain is lowercased.
// Returns the entries with their normalized keys.
core::Result<std::vector<std::pair<std::string, const Mapping::Entry*>>> ReadLoginKeys(
    const Reporter& reporter, const Mapping& mapping) {
  std::vector<std::pair<std::string, const Mapping::Entry*>> keys;
  std::map<std::string, int> seen_on_line;
  for (const Mapping::Entry& entry : mapping.entries()) {
    if (!IsLoginOrDomainKey(entry.key)) {
      return reporter.At(
          entry.key_mark, mapping.self().path,
          "expected a login like bob@example.com or @domain as key, got " + Quote(entry.key));
    }
    std::string key = LowercaseDomain(entry.key);
    auto [it, inserted] = seen_on_line.emplace(key, entry.key_mark.line + 1);
    if (!inserted) {
      return reporter.At(entry.key_mark, entry.value.path,
                         "same login as on line " + std::to_string(it->second) +
                             " (domains compare case-insensitively)");
    }
    keys.emplace_back(std::move(key), &entry);
  }
  return keys;
}

core::Result<detect::VolumeParams> ReadVolume(const Reporter& reporter, const Mapping& rule) {
  detect::VolumeParams params;
  if (const Field* count = rule.Find("count")) {
    auto unit = ReadChoice<detect::CountUnit>(reporter, *count, kCountUnits);
    if (!unit) return unit.error();
    params.count = *unit;
  }
  if (const Field* overrides = rule.Find("overrides")) {
    auto mapping = ReadMapping(reporter, *overrides, std::nullopt);
    if (!mapping) return mapping.error();
    auto keys = ReadLoginKeys(reporter, *mapping);
    if (!keys) return keys.error();
    for (const auto& [key, entry] : *keys) {
      auto limit =
          ReadCount(reporter, entry->value, 0, kMaxCount, "a whole number (0 = unlimited)");
      if (!limit) return limit.error();
      params.overrides[key] = *limit;
    }
  }
  return params;
}

core::Result<std::vector<std::string>> ReadPatterns(const Reporter& reporter, const Field& field) {
  auto elements = ReadList(reporter, field);
  if (!elements) return elements.error();
  std::vector<std::string> patterns;
  for (const Field& element : *elements) {
    auto text = ReadScalar(reporter, element, "a pattern like *@example.net");
    if (!text) return text.error();
    if (std::optional<std::string> why = detect::GlobError(*text)) {
      return reporter.At(element, "bad pattern " + Quote(*text) + ": " + *why);
    }
    patterns.push_back(std::move(*text));
  }
  return patterns;
}

core::Result<std::vector<std::vector<std::string>>> ReadDomainAliases(const Reporter& reporter,
                                                                      const Field& field) {
  auto groups = ReadList(reporter, field);
  if (!groups) return groups.error();
  std::vector<std::vector<std::string>> aliases;
  for (const Field& group : *groups) {
    auto domains = ReadCheckedList(reporter, group, "a domain like example.com", IsDomain);
    if (!domains) return domains.error();
    if (domains->size() < 2) {
      return reporter.Expected(group,
                               "a list of at least two domains like [example.com, "
                               "example.net]");
    }
    for (std::string& domain : *domains) domain = LowercaseDomain("@" + domain).substr(1);
    aliases.push_back(std::move(*domains));
  }
  return aliases;
}

core::Result<detect::SenderParams> ReadSender(const Reporter& reporter, const Mapping& rule) {
  detect::SenderParams params;
  if (const Field* policy = rule.Find("policy")) {
    auto value = ReadChoice<detect::SenderPolicy>(reporter, *policy, kPolicies);
    if (!value) return value.error();
    params.policy = *value;
  }
  if (const Field* allow = rule.Find("allow")) {
    auto mapping = ReadMapping(reporter, *allow, std::nullopt);
    if (!mapping) return mapping.error();
    auto keys = ReadLoginKeys(reporter, *mapping);
    if (!keys) return keys.error();
    for (const auto& [key, entry] : *keys) {
      auto patterns = ReadPatterns(reporter, entry->value);
      if (!patterns) return patterns.error();
      params.allow[key] = std::move(*patterns);
    }
  }
  if (const Field* aliases = rule.Find("domain_aliases")) {
    auto groups = ReadDomainAliases(reporter, *aliases);
    if (!groups) return groups.error();
    params.domain_aliases = std::move(*groups);
  }
  if (const Field* exempt = rule.Find("exempt")) {
    auto logins = ReadCheckedList(reporter, *exempt, kLoginWhat, IsLogin);
    if (!logins) return logins.error();
    for (std::string& login : *logins) login = LowercaseDomain(login);
    params.exempt = std::move(*logins);
  }
  return params;
}

core::Result<detect::ServicePolicyParams> ReadServicePolicy(const Reporter& reporter,
                                                            const Mapping& rule) {
  const Field* services = rule.Find("allowed_services");
  if (services == nullptr) {
    return reporter.At(rule.self(), "missing key allowed_services (kind service-policy needs it)");
  }
  auto names =
      ReadCheckedList(reporter, *services, "a service name like submission", IsServiceName);
  if (!names) return names.error();
  if (names->empty()) return reporter.Expected(*services, "at least one service name");
  return detect::ServicePolicyParams{std::move(*names)};
}

// window and limit: required for a counted kind; the others take their kind's defaults
// (detect/rule_kind.h: sender 24h and 1, service-policy 1h, where the window is how long one
// alert covers a login).
core::Status ReadWindowAndLimit(const Reporter& reporter, const Mapping& rule, RuleKind kind,
                                detect::RuleSpec& spec) {
  const detect::RuleKindInfo& info = detect::RuleKindInfoOf(kind);
  spec.window = info.default_window;
  spec.limit = info.default_limit;
  for (std::string_view key : {"window", "limit"}) {
    if (info.counted && rule.Find(key) == nullptr) {
      return reporter.At(rule.self(), "missing key " + std::string(key) + " (kind " +
                                          std::string(info.name) + " needs window and limit)");
    }
  }
  if (const Field* window = rule.Find("window")) {
    auto value = ReadDuration(reporter, *window);
    if (!value) return value.error();
    spec.window = *value;
  }
  if (const Field* limit = rule.Find("limit")) {
    auto value = ReadCount(reporter, *limit, 1, kMaxCount, kLimitWhat);
    if (!value) return value.error();
    spec.limit = *value;
  }
  return core::OkStatus();
}

// A kind's parameter reader, as one signature.
using ParamsReader = core::Result<detect::RuleParams> (*)(const Reporter&, const Mapping&);

template <auto kRead>
core::Result<detect::RuleParams> Params(const Reporter& reporter, const Mapping& rule) {
  auto params = kRead(reporter, rule);
  if (!params) return params.error();
  return detect::RuleParams(std::move(*params));
}

template <typename P>
core::Result<detect::RuleParams> NoParams(const Reporter&, const Mapping&) {
  return detect::RuleParams(P{});
}

// The kinds a rule can be given, in the order errors list them, each with its parameter reader.
// "gap" is built in (the daemon reports lost log files) and has no parameters, so it is not here.
struct KindReader {
  RuleKind kind;
  ParamsReader read;
};
constexpr std::array<KindReader, 5> kKindReaders = {{
    {RuleKind::kVolume, Params<ReadVolume>},
    {RuleKind::kSender, Params<ReadSender>},
    {RuleKind::kRemoteIps, NoParams<detect::RemoteIpsParams>},
    {RuleKind::kServicePolicy, Params<ReadServicePolicy>},
    {RuleKind::kRcptLimit, NoParams<detect::RcptLimitParams>},
}};

// kKindReaders by their kinds' names (detect/rule_kind.h), for ReadChoice.
const std::vector<std::pair<std::string_view, const KindReader*>>& KindChoices() {
  static const std::vector<std::pair<std::string_view, const KindReader*>> choices = [] {
    std::vector<std::pair<std::string_view, const KindReader*>> out;
    for (const KindReader& k : kKindReaders) out.emplace_back(detect::RuleKindName(k.kind), &k);
    return out;
  }();
  return choices;
}

core::Result<detect::RuleSpec> ReadRule(const Reporter& reporter, const Field& field) {
  auto rule = ReadMapping(reporter, field, "rules[]");
  if (!rule) return rule.error();
  detect::RuleSpec spec;
  const Field* name = rule->Find("name");
  if (name == nullptr) return reporter.At(field, "missing key name");
  auto name_text = ReadChecked(reporter, *name, kNameWhat, IsName);
  if (!name_text) return name_text.error();
  spec.name = std::move(*name_text);

  const Field* kind_field = rule->Find("kind");
  if (kind_field == nullptr) {
    return reporter.At(
        field,
        "missing key kind (" + ExpectedChoice(ChoiceNames<const KindReader*>(KindChoices())) + ")");
  }
  auto reader = ReadChoice<const KindReader*>(reporter, *kind_field, KindChoices());
  if (!reader) return reader.error();
  const RuleKind kind = (*reader)->kind;
  if (auto scope = CheckScope(reporter, *rule, "rules[]", "kind", detect::RuleKindName(kind));
      !scope) {
    return scope.error();
  }
  if (auto status = ReadWindowAndLimit(reporter, *rule, kind, spec); !status) {
    return status.error();
  }
  if (const Field* max_keys = rule->Find("max_keys")) {
    auto value = ReadCount(reporter, *max_keys, 1, kMaxCount, kLimitWhat);
    if (!value) return value.error();
    spec.max_keys = static_cast<std::size_t>(*value);
  }
  auto params = (*reader)->read(reporter, *rule);
  if (!params) return params.error();
  spec.params = std::move(*params);
  return spec;
}

}  // namespace

core::Result<std::vector<detect::RuleSpec>> ReadRules(const Reporter& reporter,
                                                      const Field& field) {
  auto elements = ReadList(reporter, field);
  if (!elements) return elements.error();
  if (elements->empty()) return reporter.Expected(field, "at least one rule");
  std::vector<detect::RuleSpec> rules;
  std::map<std::string, std::size_t> index_of_name;
  for (const Field& element : *elements) {
    auto spec = ReadRule(reporter, element);
    if (!spec) return spec.error();
    auto [it, inserted] = index_of_name.emplace(spec->name, rules.size());
    if (!inserted) {
      Field name{element.path + ".name", element.node["name"], element.node["name"].Mark()};
      return reporter.At(name, "duplicate rule name " + Quote(spec->name) + " (rules[" +
                                   std::to_string(it->second) + "] has it)");
    }
    rules.push_back(std::move(*spec));
  }
  return rules;
}

}  // namespace relaywatch::config::internal
