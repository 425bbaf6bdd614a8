#include "relaywatch/config/describe.h"

#include <algorithm>
#include <string_view>
#include <variant>
#include <vector>

namespace relaywatch::config {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string Plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string PerWindow(const detect::RuleSpec& rule, std::string_view one, std::string_view many) {
  return Plural(rule.limit, one, many) + " per " + core::FormatDuration(rule.window);
}

std::string DescribeRule(const detect::RuleSpec& rule) {
  if (const auto* volume = std::get_if<detect::VolumeParams>(&rule.params)) {
    std::string out = volume->count == detect::CountUnit::kMessages
                          ? PerWindow(rule, "message", "messages")
                          : PerWindow(rule, "recipient", "recipients");
    if (!volume->overrides.empty()) {
      out += ", " + Plural(volume->overrides.size(), "override", "overrides");
    }
    return out;
  }
  if (const auto* sender = std::get_if<detect::SenderParams>(&rule.params)) {
    std::string out = PerWindow(rule, "foreign sender", "foreign senders");
    out += sender->policy == detect::SenderPolicy::kSameAddress ? ", policy same-address"
                                                                : ", policy same-domain";
    if (!sender->allow.empty())
      out += ", " + Plural(sender->allow.size(), "allow entry", "allow entries");
    if (!sender->domain_aliases.empty()) {
      out += ", " + Plural(sender->domain_aliases.size(), "alias group", "alias groups");
    }
    if (!sender->exempt.empty())
      out += ", " + Plural(sender->exempt.size(), "exempt login", "exempt logins");
    return out;
  }
  if (const auto* policy = std::get_if<detect::ServicePolicyParams>(&rule.params)) {
    return "authenticated relaying only on " + Join(policy->allowed_services, ", ");
  }
  if (std::holds_alternative<detect::RemoteIpsParams>(rule.params)) {
    return PerWindow(rule, "client IP", "client IPs");
  }
  return PerWindow(rule, "recipient-limit hit", "recipient-limit hits");
}

std::string_view FormatName(ChannelFormat format) {
  switch (format) {
    case ChannelFormat::kSms:
      return "sms";
    case ChannelFormat::kJson:
      return "json";
    case ChannelFormat::kEmail:
      break;
  }
  return "email";
}

std::string DescribeChannel(const ChannelConfig& channel) {
  std::string out(FormatName(channel.format));
  switch (channel.via) {
    case ChannelVia::kSendmail:
      out += " via sendmail: " + Join(channel.command, " ") + " -> " + Join(channel.to, ", ");
      break;
    case ChannelVia::kSmtp: {
      bool ipv6 = channel.host.find(':') != std::string::npos;
      out += " via smtp: " + (ipv6 ? "[" + channel.host + "]" : channel.host) + ":" +
             std::to_string(channel.port);
      if (channel.starttls) out += " (starttls)";
      out += " -> " + Join(channel.to, ", ");
      break;
    }
    case ChannelVia::kExec:
      out += " via exec: " + Join(channel.command, " ");
      break;
  }
  if (channel.max_per_hour) out += ", at most " + std::to_string(*channel.max_per_hour) + "/h";
  return out;
}

// "  name  text" lines with the names padded to one width.
void AppendTable(std::string& out, const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (const auto& [name, text] : rows) {
    out += "  " + name + std::string(width - name.size() + 2, ' ') + text + "\n";
  }
}

std::string DescribeSources(const SourcesConfig& sources) {
  std::vector<std::string> parts;
  if (!sources.supervise_dir.empty()) {
    std::string discover = "discover " + sources.supervise_dir;
    discover +=
        sources.services.empty() ? " (every service)" : " (" + Join(sources.services, ", ") + ")";
    parts.push_back(discover);
  }
  for (const LogSource& log : sources.logs) parts.push_back(log.service + " in " + log.dir);
  return parts.empty() ? "none" : Join(parts, "; ");
}

}  // namespace

std::string DescribeConfig(const Config& config) {
  std::string out;
  out += "config: " + config.path + "\n";
  out += "hostname: " + config.hostname + "\n";
  out += "state_dir: " + config.state_dir +
         (config.startup == Startup::kWarm ? " (startup warm)\n" : " (startup tail)\n");
  out += "sources: " + DescribeSources(config.sources) + "\n";
  if (!config.default_domain.empty()) out += "default_domain: " + config.default_domain + "\n";

  out += "rules (" + std::to_string(config.rules.size()) + "):\n";
  std::vector<std::pair<std::string, std::string>> rows;
  std::size_t kind_width = 0;
  for (const detect::RuleSpec& rule : config.rules) {
    kind_width = std::max(kind_width, detect::RuleKindName(rule.kind()).size());
  }
  for (const detect::RuleSpec& rule : config.rules) {
    std::string kind(detect::RuleKindName(rule.kind()));
    std::string text = DescribeRule(rule);
    if (rule.max_keys != detect::kDefaultMaxKeys) {
      text += ", at most " + Plural(rule.max_keys, "key", "keys");
    }
    rows.emplace_back(rule.name, kind + std::string(kind_width - kind.size() + 2, ' ') + text);
  }
  AppendTable(out, rows);

  const AlertsConfig& alerts = config.alerts;
  out += "alerts: ";
  out += alerts.repeat ? "repeat every " + core::FormatDuration(*alerts.repeat)
                       : std::string("repeat once per rule window");
  if (alerts.escalate) {
    std::string factor = std::to_string(*alerts.escalate);
    factor.erase(factor.find_last_not_of('0') + 1);
    if (factor.back() == '.') factor.pop_back();
    out += ", again when grown " + factor + "x";
  }
  if (alerts.resolved) out += ", resolved notices";
  out += ", at most " + std::to_string(alerts.max_per_hour) + " per channel per hour";
  out += ", given up after " + core::FormatDuration(alerts.max_age) + "\n";
  if (alerts.channels.empty()) {
    out += "channels: none (findings show only in status and report)\n";
    return out;
  }
  out += "channels (" + std::to_string(alerts.channels.size()) + "):\n";
  rows.clear();
  for (const ChannelConfig& channel : alerts.channels) {
    rows.emplace_back(channel.name, DescribeChannel(channel));
  }
  AppendTable(out, rows);
  return out;
}

}  // namespace relaywatch::config
